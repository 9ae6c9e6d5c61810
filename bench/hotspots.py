"""Hot-spot search benchmark (issue 9, item 7): how long `GET /api/v1/hotspots` takes (the service call
it makes) on a city with a year of cases, and how much one search slows the ledger pages served beside
it in the same worker process.

    .venv/bin/python bench/hotspots.py --db sqlite,postgresql --cases 20000
    .venv/bin/python bench/hotspots.py --url sqlite:////tmp/hs.db      # a demo city already built

The city is the demo city (`citysteward demo --no-serve`: real case flows, so closes, reopenings and
recurring places). Before the limits, "distance 5 km, window 365 days, a year" ran 21 s on the 20,000-
case demo city (2 shared cores); now it is refused, and with the limits raised to their ceilings it is
cut short (`truncated`) after a bounded amount of work.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _city import database, drop_database, machine, peak_mb, percentile  # noqa: E402

from citysteward.bootstrap import build_runtime
from citysteward.cases.domain.ledger import parse_case_filter
from citysteward.cases.services import actions as cases
from citysteward.config import Settings
from citysteward.demo.loader import build_demo
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import DomainError
from citysteward.platform.migrate import upgrade
from citysteward.platform.runtime import Runtime
from citysteward.supervision.services import hotspots

LEADER = Actor(role=Role.LEADER, user_id=1, name="领导")
ADMIN = Actor(role=Role.ADMIN, user_id=1, name="管理员")
CEILINGS = {"max_distance_m": 5000, "max_window_days": 365, "min_recurrences_floor": 1, "max_period_days": 3660}


def searches(rt: Runtime) -> list[tuple[str, dict[str, Any]]]:
    year_ago = rt.now() - timedelta(days=365)
    return [
        ("defaults (100 m, 30 d, 90 d back)", {}),
        ("at the limits (500 m, 90 d, a year)", {"distance_m": 500, "window_days": 90, "date_from": year_ago}),
        ("one category, at the limits", {"distance_m": 500, "window_days": 90, "date_from": year_ago,
                                         "category": "06042"}),
        ("the issue's (5 km, 365 d, a year)", {"distance_m": 5000, "window_days": 365, "date_from": year_ago}),
    ]


def timed(rt: Runtime, params: dict[str, Any], repeat: int) -> tuple[list[float], str]:
    lat, outcome = [], ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        try:
            r = hotspots.find(rt, LEADER, **params)
            outcome = f"{r['total']} places, {r['scanned']:,} cases{', truncated' if r['truncated'] else ''}"
        except DomainError as exc:
            outcome = f"refused: {exc.message}"
        lat.append(time.perf_counter() - t0)
    return lat, outcome


def ledger_latency(rt: Runtime, seconds: float) -> list[float]:
    f = parse_case_filter({"state": ["dispatched"]}, rt.settings.tz)
    out, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        cases.list_cases(rt, LEADER, f, page=1, page_size=20, order="newest")
        out.append((time.perf_counter() - t0) * 1000)
    return out


def beside_a_search(rt: Runtime, params: dict[str, Any], seconds: float) -> list[float]:
    """Ledger pages while another thread of the same process runs hot-spot searches back to back."""
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            try:
                hotspots.find(rt, LEADER, **params)
            except DomainError:
                time.sleep(0.001)

    t = threading.Thread(target=search, daemon=True)
    t.start()
    try:
        return ledger_latency(rt, seconds)
    finally:
        stop.set()
        t.join()


def run(kind: str, rt: Runtime, repeat: int) -> None:
    for label, limits in (("configured limits (defaults)", {}), ("limits raised to their ceilings", CEILINGS)):
        hotspots.set_rules(rt, ADMIN, limits)
        print(f"[{kind}] {label}: {hotspots.rules(rt).to_dict()}")
        for name, params in searches(rt):
            lat, outcome = timed(rt, params, repeat)
            print(f"[{kind}]   {name:<38} p50 {percentile(lat, 50):6.2f} s  max {max(lat):6.2f} s  {outcome}")
    hotspots.set_rules(rt, ADMIN, {})
    alone = ledger_latency(rt, 3)
    print(f"[{kind}] ledger page alone: p50 {percentile(alone, 50):.1f} ms  p95 {percentile(alone, 95):.1f} ms")
    at_limits, issues = searches(rt)[1], searches(rt)[3]
    for (name, params), limits in ((at_limits, {}), (issues, CEILINGS)):
        hotspots.set_rules(rt, ADMIN, limits)
        beside = beside_a_search(rt, params, 5)
        print(f"[{kind}] ledger page beside '{name}'{' (ceilings)' if limits else ''}: "
              f"p50 {percentile(beside, 50):.1f} ms  p95 {percentile(beside, 95):.1f} ms")
    hotspots.set_rules(rt, ADMIN, {})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="sqlite", help="sqlite,postgresql: build a demo city on each")
    ap.add_argument("--url", help="an existing database holding a demo city (built by `citysteward demo`)")
    ap.add_argument("--cases", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    if args.url:
        run(args.url.split(":")[0], build_runtime(Settings(database_url=args.url, media_dir=Path("/tmp/cs-bench-media"))),
            args.repeat)
        return
    for kind in args.db.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            url = database(kind, tmp)
            try:
                upgrade(url)
                rt = build_runtime(Settings(database_url=url, media_dir=Path(tmp) / "media"))
                t0 = time.perf_counter()
                build_demo(rt, cases=args.cases)
                print(f"\n[{kind}] demo city with {args.cases:,} cases built in {time.perf_counter() - t0:.0f} s")
                run(kind, rt, args.repeat)
                rt.uow.engine.dispose()  # type: ignore[attr-defined]
            finally:
                drop_database(url)
    print(f"\npeak memory: {peak_mb():.0f} MiB")


if __name__ == "__main__":
    main()
