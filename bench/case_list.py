"""Case-list benchmark: p50/p95 latency of ledger pages (service layer, the same call the REST list
makes) for common filters, with N cases stored (default 1,000,000).

    .venv/bin/python bench/case_list.py --db sqlite,postgresql --stored 1000000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _city import database, drop_database, machine, peak_mb, percentile, prepare  # noqa: E402

from citysteward.cases.domain.ledger import parse_case_filter
from citysteward.cases.services import actions as cases
from citysteward.kernel.actor import Actor, Role


def scenarios() -> list[tuple[str, dict[str, object], str, int]]:
    month_ago = datetime.now(UTC) - timedelta(days=30)
    return [
        ("no filter, newest", {}, "newest", 1),
        ("state=dispatched", {"state": ["dispatched"]}, "newest", 1),
        ("state=closed page 20", {"state": ["closed"]}, "newest", 20),
        ("district", {"district": ["410811"]}, "newest", 1),
        ("unit + open states", {"unit": [3], "state": ["dispatched", "in_progress"]}, "newest", 1),
        ("light=red", {"light": ["red"]}, "newest", 1),
        ("category", {"category": ["06010"]}, "newest", 1),
        ("source + last 30 days", {"source": ["citizen"], "date_from": month_ago}, "newest", 1),
        ("grid", {"grid": ["410802001001001"]}, "newest", 1),
        ("case number", {"q": "BN2026"}, "newest", 1),
        ("open by deadline", {"state": ["dispatched"]}, "deadline", 1),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--stored", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=40)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    leader = Actor(role=Role.LEADER, user_id=1, name="领导")
    for kind in args.db.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            url = database(kind, tmp)
            try:
                print(f"\n[{kind}] preparing {args.stored:,} stored cases …", flush=True)
                rt, _ = prepare(url, args.stored, f"{tmp}/media")
                all_lat: list[float] = []
                for name, filters, order, page in scenarios():
                    lat = []
                    for _ in range(args.repeat):
                        t0 = time.perf_counter()
                        values = {k: v if isinstance(v, list) else [v] for k, v in filters.items()}
                        f = parse_case_filter(values, rt.settings.tz)  # as the REST list does
                        res = cases.list_cases(rt, leader, f, page=page, page_size=20, order=order)
                        lat.append((time.perf_counter() - t0) * 1000)
                    all_lat += lat
                    total = f"{res['total']:,}{'+' if res['total_capped'] else ''}"
                    print(f"[{kind}] {name:<24} matches {total:>8}  p50 {percentile(lat, 50):6.1f} ms  "
                          f"p95 {percentile(lat, 95):6.1f} ms")
                print(f"[{kind}] all scenarios: p50 {percentile(all_lat, 50):.1f} ms  p95 {percentile(all_lat, 95):.1f} ms")
            finally:
                drop_database(url)
    print(f"\npeak memory: {peak_mb():.0f} MiB")


if __name__ == "__main__":
    main()
