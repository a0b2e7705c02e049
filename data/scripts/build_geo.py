#!/usr/bin/env python3
"""Build data/geo/countries-110m.geojson from world-atlas' countries-110m.json.

world-atlas (npm, ISC licence, Mike Bostock) packages Natural Earth's 1:110m Admin 0
countries (public domain) as TopoJSON keyed by ISO 3166-1 numeric codes. This script
decodes the arcs, keys every shape by the ISO3 code of data/countries.csv, rounds
coordinates to 0.01 degree (about 1 km, far below what a 1:110m map can show) and stores
a representative point per country (the area-weighted centroid of its largest polygon, so
that France's point is in Europe rather than between Europe and French Guiana).

Usage: npm pack world-atlas@2 && tar xzf world-atlas-2.0.2.tgz &&
       python3 data/scripts/build_geo.py package/countries-110m.json package/countries-50m.json
"""
import csv
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)

# Shapes without an ISO code in Natural Earth. Northern Cyprus and Somaliland are drawn as
# parts of the UN member states; Kosovo is drawn on its own (as on UN maps, "under UNSCR
# 1244") under the user-assigned code XKX, which data/countries.csv does not list.
NO_ID = {"N. Cyprus": "CYP", "Somaliland": "SOM", "Kosovo": "XKX"}


def decode(topo):
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring(arcs, idxs):
    out = []
    for i in idxs:
        pts = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        out.extend(pts if not out else pts[1:])
    return out


def unwrap(r):
    """Make longitudes continuous where a ring jumps across the antimeridian."""
    out = [r[0]]
    shift = 0.0
    for (x0, _), (x1, y1) in zip(r, r[1:]):
        if x1 - x0 > 180:
            shift -= 360
        elif x0 - x1 > 180:
            shift += 360
        out.append((x1 + shift, y1))
    return out


def clip(r, keep):
    """Sutherland-Hodgman clipping of a ring against one vertical line (keep(x) says which side)."""
    line = 180.0 if keep(179.0) != keep(181.0) else -180.0
    out = []
    n = len(r)
    for i in range(n):
        a, b = r[i - 1], r[i]
        ina, inb = keep(a[0]), keep(b[0])
        if ina != inb:
            t = (line - a[0]) / (b[0] - a[0])
            out.append((line, a[1] + t * (b[1] - a[1])))
        if inb:
            out.append(b)
    return out


def split_antimeridian(r, iso3):
    """Rings crossing +/-180 become pieces inside [-180, 180], so a flat map draws them
    without a stripe across the world. Antarctica wraps around the pole and is kept as is."""
    if iso3 == "ATA" or all(abs(a[0] - b[0]) <= 180 for a, b in zip(r, r[1:])):
        return [r]
    u = unwrap(r)
    pieces = []
    mid = clip(clip(u, lambda x: x <= 180), lambda x: x >= -180)
    if mid:
        pieces.append(mid)
    east = clip(u, lambda x: x >= 180)
    if east:
        pieces.append([(x - 360, y) for x, y in east])
    west = clip(u, lambda x: x <= -180)
    if west:
        pieces.append([(x + 360, y) for x, y in west])
    return pieces


def area_centroid(r):
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(r, r[1:] + r[:1]):
        c = x0 * y1 - x1 * y0
        a += c
        cx += (x0 + x1) * c
        cy += (y0 + y1) * c
    if a == 0:
        return 0.0, r[0]
    return abs(a) / 2, (cx / (3 * a), cy / (3 * a))


def rounded(r):
    out = []
    for x, y in r:
        p = [round(x, 2), round(y, 2)]
        if not out or out[-1] != p:
            out.append(p)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None


def main(path, path50=None):
    names = {r["numeric"]: r for r in csv.DictReader(open(os.path.join(DATA, "countries.csv")))}
    shapes = {}
    add_shapes(json.load(open(path)), names, shapes, only=None)
    if path50:
        # Small states below 1:110m (Bahrain, Malta, Singapore, the Maldives, …) come
        # from the 1:50m file, so that every UN member state is on the map.
        members = {r["iso3"] for r in names.values() if r["un_member"] == "1"}
        add_shapes(json.load(open(path50)), names, shapes, only=members - set(shapes))
    write(shapes)


def add_shapes(topo, names, shapes, only):
    arcs = decode(topo)
    for g in topo["objects"]["countries"]["geometries"]:
        name = g["properties"]["name"]
        iso3 = names[g["id"]]["iso3"] if g.get("id") in names else NO_ID.get(name)
        if iso3 is None or (only is not None and iso3 not in only):
            continue
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        by_iso3 = {r["iso3"]: r for r in names.values()}
        entry = shapes.setdefault(iso3, {"name": by_iso3[iso3]["name_en"] if iso3 in by_iso3 else name, "polys": []})
        for poly in polys:
            rings = [ring(arcs, r) for r in poly]
            outer = split_antimeridian(rings[0], iso3)
            if len(outer) == 1:
                entry["polys"].append([outer[0]] + rings[1:])
            else:
                # Holes of a split polygon do not occur at 1:110m.
                entry["polys"].extend([piece] for piece in outer)


def write(shapes):
    features = []
    for iso3 in sorted(shapes):
        entry = shapes[iso3]
        best = max((area_centroid(p[0]) for p in entry["polys"]), key=lambda ac: ac[0])
        coords = []
        for poly in entry["polys"]:
            rings = [rr for rr in (rounded(r) for r in poly) if rr]
            if rings and len(rings[0]) >= 4:
                coords.append(rings)
        if not coords:
            # An island smaller than the rounding: a small square around its point.
            x, y = round(best[1][0], 2), round(best[1][1], 2)
            d = 0.05
            coords = [[[[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]]]]
        features.append({
            "type": "Feature",
            "properties": {"iso3": iso3, "name": entry["name"],
                           "centroid": [round(best[1][0], 2), round(best[1][1], 2)]},
            "geometry": {"type": "MultiPolygon", "coordinates": coords},
        })
    out = {"type": "FeatureCollection",
           "source": "Natural Earth 1:110m Admin 0, small states from 1:50m (public domain), via world-atlas 2.0.2 (ISC)",
           "features": features}
    dest = os.path.join(DATA, "geo", "countries-110m.geojson")
    with open(dest, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(features)} countries -> {dest}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
