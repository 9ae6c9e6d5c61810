"""Bench: importing 100,000 components (路灯) from a GeoJSON file, the way the import page does it (the file
parsed once, then chunks of 5,000 rows through the import service, each its own transaction, with a
progress bar); 1 % of the rows are bad and come back as rejected rows. Then the map layer over all of
them (server-side squares at city zoom, points when zoomed in) and nearest-lamp lookups.

    .venv/bin/python bench/components_import.py [--rows 100000] [--db sqlite|postgresql]

Prints figures; never a pass/fail timing test."""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._city import database, drop_database, machine, peak_mb, percentile, prepare  # noqa: E402

from citysteward.assets.services import components as comp  # noqa: E402
from citysteward.demo.areas import build_demo_areas  # noqa: E402
from citysteward.kernel.actor import Actor  # noqa: E402

CHUNK = 5000


def lamp_file(path: Path, rows: int, points: list[tuple[float, float]]) -> None:
    rnd = random.Random(3)
    feats = []
    for i in range(1, rows + 1):
        lon, lat = points[i % len(points)]
        lon += rnd.uniform(-0.002, 0.002)
        lat += rnd.uniform(-0.002, 0.002)
        code = f"410802{'01037'}{i:06d}"
        props = {"code": code, "name": f"路灯{i}", "lamp_type": "LED", "power_w": 150, "circuit": f"{i // 40}号箱变"}
        if i % 100 == 0:  # 1 % bad rows: a letter in the code, a power that is not a number, or no point
            props = {**props, **[{"code": code[:-1] + "X"}, {"power_w": "很亮"}, {}][i // 100 % 3]}
            if i // 100 % 3 == 2:
                feats.append({"type": "Feature", "properties": props, "geometry": None})
                continue
        feats.append({"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = database(args.db, tmp)
        try:
            rt, _ = prepare(url, 0, f"{tmp}/media")
            demo = build_demo_areas()
            from shapely.geometry import shape

            pts = [(p.x, p.y) for p in (shape(f["geometry"]).representative_point() for f in demo.grids["features"])]
            path = Path(tmp) / "lamps.geojson"
            lamp_file(path, args.rows, pts)
            size_mb = path.stat().st_size / 1e6
            admin = Actor.system("bench")
            started = time.perf_counter()
            rows = comp.features_to_rows(json.loads(path.read_text()))
            parsed = time.perf_counter() - started
            accepted = rejected = 0
            with Progress(TextColumn("导入部件"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                          TimeElapsedColumn()) as progress:
                task = progress.add_task("import", total=len(rows))
                for i in range(0, len(rows), CHUNK):
                    report = comp.import_components(rt, admin, rows[i:i + CHUNK], first_row=i + 1)
                    accepted += report.accepted
                    rejected += len(report.rejected)
                    progress.update(task, advance=len(rows[i:i + CHUNK]))
            total = time.perf_counter() - started
            print(f"machine: {machine()}; database: {args.db}")
            print(f"file: {args.rows} features, {size_mb:.1f} MB; parsed in {parsed:.1f} s")
            print(f"import: {accepted} accepted, {rejected} rejected in {total:.1f} s "
                  f"({accepted / total:,.0f} rows/s, chunks of {CHUNK}); peak memory {peak_mb():.0f} MB")
            city = (112.9, 35.0, 113.5, 35.4)
            timings: dict[str, list[float]] = {"city view, zoom 12 (squares)": [], "district view, zoom 14": [],
                                               "street view, zoom 17 (points)": [], "nearest lamps (100 m)": []}
            sizes: dict[str, int] = {}
            rnd = random.Random(9)
            for _ in range(20):
                lon, lat = rnd.choice(pts)
                for key, bbox, zoom in (("city view, zoom 12 (squares)", city, 12),
                                        ("district view, zoom 14", (lon - 0.03, lat - 0.02, lon + 0.03, lat + 0.02), 14),
                                        ("street view, zoom 17 (points)", (lon - 0.004, lat - 0.003, lon + 0.004, lat + 0.003), 17)):
                    t = time.perf_counter()
                    layer = comp.map_layer(rt, "01037", bbox, zoom)
                    timings[key].append((time.perf_counter() - t) * 1000)
                    sizes[key] = len(json.dumps(layer))
                t = time.perf_counter()
                comp.nearest_components(rt, "01037", lon, lat, 100)
                timings["nearest lamps (100 m)"].append((time.perf_counter() - t) * 1000)
            for key, ms in timings.items():
                extra = f", reply {sizes[key] / 1000:.0f} kB" if key in sizes else ""
                print(f"{key}: p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms{extra}")
        finally:
            if args.db == "postgresql":
                drop_database(url)


if __name__ == "__main__":
    main()
