"""Benchmark: bulk point-to-grid location (GridIndex.locate_many) on the Jiaozuo demo grids.

    .venv/bin/python bench/point_to_grid.py [--n 2000000] [--cell-m 500] [--repeat 3]

Points are uniform random over the grids' bounding box (so part of them fall outside every grid, which
is the realistic mix for bulk imports).  Reports the best of `--repeat` timed runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

try:
    import citysteward  # noqa: F401
except ImportError:  # running from a checkout without an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np

from citysteward.demo.areas import build_demo_areas
from citysteward.geography.domain.index import GridIndex


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2_000_000, help="number of random points")
    parser.add_argument("--cell-m", type=float, default=500.0, help="demo grid cell size in metres")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (best is reported)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    areas = build_demo_areas(cell_m=args.cell_m)
    t1 = time.perf_counter()
    index = GridIndex(areas.grid_geometries())
    t2 = time.perf_counter()

    rng = np.random.default_rng(args.seed)
    minx, miny, maxx, maxy = index.bounds
    lons = rng.uniform(minx, maxx, args.n)
    lats = rng.uniform(miny, maxy, args.n)

    times = []
    codes = None
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        codes = index.locate_many(lons, lats)
        times.append(time.perf_counter() - start)
    assert codes is not None
    best = min(times)
    located = int(np.count_nonzero(codes != None))  # noqa: E711 - elementwise on an object array

    # the same, restricted to points that do fall in a grid (every one goes through the table)
    inside = codes != None  # noqa: E711
    in_lons = np.ascontiguousarray(lons[inside])
    in_lats = np.ascontiguousarray(lats[inside])
    in_times = []
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        index.locate_many(in_lons, in_lats)
        in_times.append(time.perf_counter() - start)
    in_best = min(in_times)

    # spot-check against the exact STRtree path
    sample = rng.choice(args.n, size=min(2000, args.n), replace=False)
    mismatches = sum(1 for i in sample if index.locate_or_none(float(lons[i]), float(lats[i])) != codes[i])

    stats = index.raster_stats()
    print(
        f"machine        : {platform.platform()} | {platform.processor() or platform.machine()} | "
        f"cpus={os.cpu_count()} | python {platform.python_version()}"
    )
    print(f"grids          : {len(index)} (cell {args.cell_m:g} m)")
    print(f"points (N)     : {args.n:,} ({located:,} inside a grid, {located / args.n:.1%})")
    print(
        f"demo build     : {t1 - t0:.2f} s; index build {t2 - t1:.2f} s "
        f"(raster {stats['nx']}x{stats['ny']}, boundary cells {stats['boundary_share']:.1%})"
    )
    print(
        f"locate_many    : best {best:.3f} s of {len(times)} -> {args.n / best:,.0f} points/s "
        f"(runs: {', '.join(f'{t:.3f}' for t in times)})"
    )
    print(
        f"inside only    : {in_lons.size:,} points in {in_best:.3f} s -> {in_lons.size / in_best:,.0f} points/s"
    )
    print(f"check vs locate: {mismatches} mismatches in {len(sample)} sampled points")
    print(f"peak memory    : {_peak_rss_mib():.0f} MiB (ru_maxrss)")
    return 1 if mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
