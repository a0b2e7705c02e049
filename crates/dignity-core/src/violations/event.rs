//! The fields of an event that are checked without the database: its title, its lenses,
//! its coordinates and its confidentiality level.

use crate::invalid::required_text;
use crate::{Confidentiality, Invalid};
use std::fmt;

/// The longest title of an event, in characters.
pub const TITLE_MAX: usize = 300;

/// An event's title: trimmed, 1 to [`TITLE_MAX`] characters.
pub fn title(raw: &str) -> Result<String, Invalid> {
    required_text("title", raw, TITLE_MAX)
}

/// The thematic lenses an event can be put under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lens {
    DeathPenalty,
    Torture,
    Hrd,
    Disappearance,
}

impl Lens {
    pub const ALL: [Lens; 4] = [
        Lens::DeathPenalty,
        Lens::Torture,
        Lens::Hrd,
        Lens::Disappearance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Lens::DeathPenalty => "death_penalty",
            Lens::Torture => "torture",
            Lens::Hrd => "hrd",
            Lens::Disappearance => "disappearance",
        }
    }

    /// One lens by its code (`field` names the input in the refusal).
    pub fn parse(field: &'static str, raw: &str) -> Result<Lens, Invalid> {
        let t = raw.trim();
        Lens::ALL
            .into_iter()
            .find(|l| l.as_str() == t)
            .ok_or_else(|| Invalid::not_one_of(field, t, Lens::ALL.map(Lens::as_str)))
    }
}

impl fmt::Display for Lens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The lenses of an event: known codes, each once, in the order given (empty entries are
/// skipped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lenses(pub Vec<Lens>);

impl Lenses {
    pub fn parse(raw: &[String]) -> Result<Lenses, Invalid> {
        let mut out = Vec::new();
        for l in raw.iter().filter(|l| !l.trim().is_empty()) {
            let l = Lens::parse("lenses", l)?;
            if !out.contains(&l) {
                out.push(l);
            }
        }
        Ok(Lenses(out))
    }

    /// The codes, as stored.
    pub fn codes(&self) -> Vec<String> {
        self.0.iter().map(|l| l.as_str().to_string()).collect()
    }
}

/// A point as latitude and longitude in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordinates {
    pub lat: f64,
    pub lon: f64,
}

impl fmt::Display for Coordinates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.lat, self.lon)
    }
}

/// Coordinates typed as "latitude, longitude" (empty = none); latitude within ±90,
/// longitude within ±180.
pub fn coordinates(raw: &str) -> Result<Option<Coordinates>, Invalid> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || {
        Invalid::rule(
            "coordinates",
            "vio.rule.coordinates",
            "expected latitude, longitude in decimal degrees, e.g. 4.0511, 9.7679",
        )
    };
    let (a, b) = t.split_once(',').ok_or_else(bad)?;
    let lat: f64 = a.trim().parse().map_err(|_| bad())?;
    let lon: f64 = b.trim().parse().map_err(|_| bad())?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(bad());
    }
    Ok(Some(Coordinates { lat, lon }))
}

/// A confidentiality level by its code; empty gives `default`.
pub fn level(raw: &str, default: Confidentiality) -> Result<Confidentiality, Invalid> {
    if raw.trim().is_empty() {
        return Ok(default);
    }
    raw.parse().map_err(|_| {
        Invalid::not_one_of(
            "confidentiality",
            raw.trim(),
            [
                "public",
                "internal",
                "confidential",
                "strictly_confidential",
            ],
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Problem;

    #[test]
    fn titles_are_required_and_bounded() {
        assert_eq!(title("  Arrests in Douala ").unwrap(), "Arrests in Douala");
        assert_eq!(title(" ").unwrap_err(), Invalid::required("title"));
        let long = "x".repeat(TITLE_MAX + 1);
        assert_eq!(
            title(&long).unwrap_err(),
            Invalid::too_long("title", TITLE_MAX)
        );
        assert!(title(&"é".repeat(TITLE_MAX)).is_ok());
    }

    #[test]
    fn lenses_are_known_codes_each_once() {
        let raw = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let l = Lenses::parse(&raw(&["torture", "", " hrd ", "torture"])).unwrap();
        assert_eq!(l.0, vec![Lens::Torture, Lens::Hrd]);
        assert_eq!(l.codes(), vec!["torture", "hrd"]);
        let e = Lenses::parse(&raw(&["torture", "war"])).unwrap_err();
        assert_eq!(e.field, "lenses");
        assert!(matches!(e.problem, Problem::NotOneOf { ref value, .. } if value == "war"));
        for l in Lens::ALL {
            assert_eq!(Lens::parse("lenses", l.as_str()).unwrap(), l);
        }
    }

    #[test]
    fn coordinates_are_within_the_globe() {
        for lat in (-92..=92).step_by(2) {
            for lon in (-182..=182).step_by(4) {
                let (la, lo) = (lat as f64 + 0.5, lon as f64 + 0.25);
                let c = coordinates(&format!(" {la} ,{lo}"));
                let inside = (-90.0..=90.0).contains(&la) && (-180.0..=180.0).contains(&lo);
                match c {
                    Ok(Some(c)) => assert!(inside && c == Coordinates { lat: la, lon: lo }),
                    Ok(None) => panic!("{la}, {lo} read as empty"),
                    Err(e) => assert!(!inside && e.field == "coordinates", "{la}, {lo}: {e}"),
                }
            }
        }
        for lat in [-91.0, 90.5] {
            assert!(coordinates(&format!("{lat}, 0")).is_err());
        }
        assert_eq!(
            coordinates("4.0511, 9.7679").unwrap().unwrap().to_string(),
            "4.0511, 9.7679"
        );
        assert_eq!(coordinates("").unwrap(), None);
        for bad in ["4.05", "north, east", "4.05; 9.76"] {
            let e = coordinates(bad).unwrap_err();
            assert_eq!(e.field, "coordinates");
            assert!(e.message().contains("decimal degrees"), "{bad}: {e}");
        }
    }

    #[test]
    fn levels_default_when_empty_and_refuse_unknown_codes() {
        assert_eq!(
            level("", Confidentiality::Internal).unwrap(),
            Confidentiality::Internal
        );
        assert_eq!(
            level("Strictly confidential", Confidentiality::Internal).unwrap(),
            Confidentiality::StrictlyConfidential
        );
        let e = level("secret", Confidentiality::Internal).unwrap_err();
        assert_eq!(e.field, "confidentiality");
        assert!(matches!(e.problem, Problem::NotOneOf { .. }));
    }
}
