"""Dashboard benchmark: the command centre's figures (today, this month, a 30-day trend, categories,
districts, units) computed from the daily rollups and from the live queries over the steps, back to
back, p50/p95 over repeated uncached computations, with N cases stored (default 10,000,000) and every
step of their lifecycle (about 5 steps a case).

    .venv/bin/python bench/dashboard.py --db postgresql --stored 10000000
    .venv/bin/python bench/dashboard.py --db postgresql,sqlite --stored 1000000 --repeat 20

The filled database is built once and cached (PostgreSQL database cs_bench_cache_N_steps, or
var/bench/sqlite-N-steps.db); on PostgreSQL from 2 M cases up the cases are generated inside the database (10 M in about 20
minutes on 2 cores, bench/_city.py); the Python path builds about 2,000-15,000 cases a second.
Prints figures; it is not a pass/fail test."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _city import copy_of_cache, drop_database, machine, open_runtime, percentile  # noqa: E402

from citysteward.evaluation.services import dashboard, rollups  # noqa: E402


def timed(fn, repeat: int) -> tuple[list[float], object]:  # type: ignore[no-untyped-def]
    out = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="postgresql")
    ap.add_argument("--stored", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--live-repeat", type=int, default=5, help="the live queries are slow: fewer rounds")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    for kind in args.db.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            url = copy_of_cache(kind, args.stored, tmp, steps=True)
            print(f"\n[{kind}] {args.stored:,} cases with their steps ready in {time.perf_counter() - t0:.0f} s")
            try:
                rt = open_runtime(url, f"{tmp}/media")
                with rt.uow(readonly=True) as uow:
                    steps = uow.conn.exec_driver_sql("SELECT count(*) FROM case_events").scalar_one()
                    rows = uow.conn.exec_driver_sql("SELECT count(*) FROM case_rollups").scalar_one()
                print(f"[{kind}] {steps:,} steps, {rows:,} rollup rows; rollups usable: {rollups.usable(rt)}")
                fast, a = timed(partial(dashboard.figures, rt), args.repeat)
                print(f"[{kind}] dashboard from rollups: p50 {percentile(fast, 50):7.1f} ms  "
                      f"p95 {percentile(fast, 95):7.1f} ms  ({args.repeat} rounds)", flush=True)
                real = rollups.usable
                rollups.usable = lambda *a, **k: False  # type: ignore[assignment]
                try:
                    slow, b = timed(partial(dashboard.figures, rt), args.live_repeat)
                finally:
                    rollups.usable = real  # type: ignore[assignment]
                print(f"[{kind}] dashboard live queries: p50 {percentile(slow, 50):7.1f} ms  "
                      f"p95 {percentile(slow, 95):7.1f} ms  ({args.live_repeat} rounds)")
                def norm(d: dict) -> dict:  # type: ignore[type-arg]  # equal counts may come in either order
                    return d | {"as_of": "", "categories": sorted(d["categories"], key=lambda c: (c["name"], c["value"]))}

                same = norm(a.to_dict()) == norm(b.to_dict())  # type: ignore[attr-defined]
                print(f"[{kind}] same figures both ways: {same}; speed-up {percentile(slow, 50) / percentile(fast, 50):.0f}×")
                rt.uow().engine.dispose()  # type: ignore[attr-defined]
            finally:
                drop_database(url)


if __name__ == "__main__":
    main()
