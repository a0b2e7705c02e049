//! Country shapes for maps and representative points for geographic exports.
//!
//! The shapes are Natural Earth's 1:110m Admin 0 countries (public domain; states too small
//! for that scale, such as Bahrain, Malta or Singapore, from the 1:50m set), shipped in
//! `data/geo/countries-110m.geojson` (built by `data/scripts/build_geo.py`, sources in
//! `data/SOURCES.md`), keyed by ISO 3166-1 alpha-3. Coordinates are `[longitude, latitude]`
//! in degrees; every ring lies inside [-180, 180] (rings crossing the antimeridian are split
//! by the build script, so a flat projection needs no special case). The file is parsed once,
//! on first use.
//!
//! Kosovo is drawn on its own under the user-assigned code `XKX` (as on UN maps, "under
//! UNSCR 1244"); the reference country list does not contain that code.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The shipped data file, as text.
pub const COUNTRIES_110M_GEOJSON: &str = include_str!("../../../data/geo/countries-110m.geojson");

/// One polygon ring: a closed list of `[lon, lat]` points (first point equals the last).
pub type Ring = Vec<[f64; 2]>;

/// A country's shape and representative point.
#[derive(Debug, Clone, PartialEq)]
pub struct Country {
    /// ISO 3166-1 alpha-3 code (`XKX` for Kosovo).
    pub iso3: String,
    /// English short name, for diagnostics; pages take names from the reference tables.
    pub name: String,
    /// Polygons, each an outer ring followed by its holes.
    pub polygons: Vec<Vec<Ring>>,
    /// A representative point `[lon, lat]`: the area-weighted centroid of the largest
    /// polygon (so that France's point lies in France, not between Europe and Guiana).
    pub centroid: [f64; 2],
}

impl Country {
    /// Every ring of every polygon (outer rings and holes), for drawing with the even-odd rule.
    pub fn rings(&self) -> impl Iterator<Item = &Ring> {
        self.polygons.iter().flatten()
    }

    /// The bounding box `[min_lon, min_lat, max_lon, max_lat]` of the shape.
    pub fn bbox(&self) -> [f64; 4] {
        let mut b = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for [x, y] in self.rings().flatten() {
            b[0] = b[0].min(*x);
            b[1] = b[1].min(*y);
            b[2] = b[2].max(*x);
            b[3] = b[3].max(*y);
        }
        b
    }
}

#[derive(Deserialize)]
struct Collection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: Properties,
    geometry: Geometry,
}

#[derive(Deserialize)]
struct Properties {
    iso3: String,
    name: String,
    centroid: [f64; 2],
}

#[derive(Deserialize)]
struct Geometry {
    coordinates: Vec<Vec<Ring>>,
}

struct World {
    countries: Vec<Country>,
    by_iso3: HashMap<String, usize>,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        // The file is part of the source tree and checked by the tests below; a parse
        // failure is a build defect, not an input error.
        let c: Collection =
            serde_json::from_str(COUNTRIES_110M_GEOJSON).expect("data/geo/countries-110m.geojson");
        let countries: Vec<Country> = c
            .features
            .into_iter()
            .map(|f| Country {
                iso3: f.properties.iso3,
                name: f.properties.name,
                polygons: f.geometry.coordinates,
                centroid: f.properties.centroid,
            })
            .collect();
        let by_iso3 = countries
            .iter()
            .enumerate()
            .map(|(i, c)| (c.iso3.clone(), i))
            .collect();
        World { countries, by_iso3 }
    })
}

/// Every country shape, sorted by ISO3 code.
pub fn countries() -> &'static [Country] {
    &world().countries
}

/// The shape of one country, if the map has it (every UN member state but Tuvalu).
pub fn country(iso3: &str) -> Option<&'static Country> {
    let w = world();
    w.by_iso3
        .get(&iso3.to_ascii_uppercase())
        .map(|&i| &w.countries[i])
}

/// A representative point `[lon, lat]` of a country, for GeoJSON exports and map markers.
pub fn centroid(iso3: &str) -> Option<[f64; 2]> {
    country(iso3).map(|c| c.centroid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(ring: &Ring, p: [f64; 2]) -> bool {
        // Even-odd ray casting.
        let mut inside = false;
        for w in ring.windows(2) {
            let ([x0, y0], [x1, y1]) = (w[0], w[1]);
            if (y0 > p[1]) != (y1 > p[1]) && p[0] < x0 + (p[1] - y0) / (y1 - y0) * (x1 - x0) {
                inside = !inside;
            }
        }
        inside
    }

    #[test]
    fn the_map_covers_the_un_member_states_it_can_show() {
        let mut rd = csv::Reader::from_reader(crate::refdata::shipped::COUNTRIES_CSV.as_bytes());
        let members: Vec<String> = rd
            .records()
            .map(|r| r.unwrap())
            .filter(|r| &r[15] == "1")
            .map(|r| r[1].to_string())
            .collect();
        assert_eq!(members.len(), 193);
        let drawn = members.iter().filter(|m| country(m).is_some()).count();
        // Natural Earth has no shape for Tuvalu even at 1:50m.
        assert_eq!(drawn, 192, "UN member states on the map");
        assert!(country("TUV").is_none());
        for iso3 in [
            "FRA", "RUS", "SRB", "ALB", "SYR", "COL", "GTM", "PER", "USA", "FJI",
        ] {
            assert!(country(iso3).is_some(), "{iso3} missing");
        }
        // Small states come from the 1:50m file.
        for iso3 in ["BHR", "MLT", "SGP", "MDV", "AND", "MCO", "LIE"] {
            assert!(country(iso3).is_some(), "{iso3} missing");
        }
        assert!(country("fra").is_some(), "look-ups ignore case");
        assert!(country("ZZZ").is_none());
    }

    #[test]
    fn rings_are_closed_and_stay_inside_the_flat_map() {
        for c in countries() {
            assert!(!c.polygons.is_empty(), "{} has no polygon", c.iso3);
            for r in c.rings() {
                assert!(r.len() >= 4, "{} has a degenerate ring", c.iso3);
                assert_eq!(r.first(), r.last(), "{} has an open ring", c.iso3);
                for [x, y] in r {
                    assert!((-180.0..=180.0).contains(x) && (-90.0..=90.0).contains(y));
                }
                if c.iso3 != "ATA" {
                    // No edge jumps across the antimeridian (it would draw a stripe).
                    for w in r.windows(2) {
                        assert!((w[0][0] - w[1][0]).abs() < 180.0, "{} crosses ±180", c.iso3);
                    }
                }
            }
        }
    }

    #[test]
    fn representative_points_lie_in_their_country() {
        for c in countries().iter().filter(|c| c.iso3 != "ATA") {
            let p = c.centroid;
            assert!(
                c.polygons.iter().any(|poly| inside(&poly[0], p))
                    // A crescent-shaped country's centroid may fall just outside it; it must
                    // at least lie within its bounding box.
                    || {
                        let b = c.bbox();
                        p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3]
                    },
                "{}: {:?}",
                c.iso3,
                p
            );
        }
        let [lon, lat] = centroid("FRA").unwrap();
        assert!(
            (-5.0..8.0).contains(&lon) && (42.0..51.0).contains(&lat),
            "France: {lon},{lat}"
        );
        let [lon, lat] = centroid("RUS").unwrap();
        assert!(lon > 30.0 && lat > 45.0, "Russia: {lon},{lat}");
    }
}
