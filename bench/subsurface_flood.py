"""Subsurface and flood read paths (issue 13): how long the survey dashboard, the defect map, a filtered
defect page, the season figures, an event's command page and the two reports take, on a city with a
year of cases, the demo survey (537 defects) plus `--extra` generated defects, and the demo flood season.

    .venv/bin/python bench/subsurface_flood.py --db sqlite,postgresql --cases 20000 --extra 20000
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _city import database, drop_database, machine, peak_mb, percentile, prepare  # noqa: E402

from citysteward.demo import flood as flood_demo
from citysteward.demo import subsurface as subsurface_demo
from citysteward.demo.areas import build_demo_areas
from citysteward.demo.units import FACILITY
from citysteward.demo.world import DemoWorld
from citysteward.flood import papers as flood_papers
from citysteward.flood import services as fl
from citysteward.kernel.actor import Actor, Role
from citysteward.subsurface import papers as subsurface_papers
from citysteward.subsurface import services as ss
from citysteward.subsurface.domain import Defect, DefectState, DefectType, Measure, SurveyMethod

LEADER = Actor(role=Role.LEADER, user_id=1, name="领导")


def _extra(rt: Any, n: int) -> None:
    rng = random.Random(5)
    roads = ["人民路", "解放路", "塔南路", "丰收路", "建设路"]
    with rt.uow() as uow:
        survey_id = uow.subsurface.surveys()[0]["id"]
        now = datetime(2026, 6, 1, tzinfo=UTC)
        batch = []
        for i in range(n):
            t = rng.choice(list(DefectType))
            batch.append(Defect(code=f"BENCH-{i:07d}", survey_id=survey_id, road=rng.choice(roads),
                                measure=Measure(t, rng.choice(["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"]), 2.0, 1.0, 2.0, 0.5, 0.2),
                                state=DefectState.OBSERVING, found_at=now, detect_method=SurveyMethod.VEHICLE_RADAR,
                                lon=113.2 + rng.random() / 10, lat=35.2 + rng.random() / 20, chainage_m=float(i),
                                updated_at=now))
            if len(batch) == 5000:
                uow.subsurface.add_defects(batch)
                batch = []
        uow.subsurface.add_defects(batch)
        uow.commit()


def timed(label: str, fn: Callable[[], Any], repeat: int) -> None:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    print(f"  {label:<34} median {percentile(runs, 50):8.1f} ms   p95 {percentile(runs, 95):8.1f} ms")


def run(kind: str, cases: int, extra: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database(kind, tmp)
        try:
            rt, _points = prepare(url, cases, f"{tmp}/media")
            with rt.uow() as uow:
                facility = uow.org.add_unit({"code": FACILITY, "name": "市市政设施所", "kind": "facility", "active": True})
                uow.commit()
            world = DemoWorld(areas=build_demo_areas(), unit_defs=(), unit_ids={FACILITY: facility}, seed=42)
            t = time.perf_counter()
            subsurface_demo.seed(rt, world, print)
            flood_demo.seed(rt, world, print)
            print(f"  demo stages                        {time.perf_counter() - t:8.1f} s")
            _extra(rt, extra)
            start, end = datetime(2025, 12, 31, 16, tzinfo=UTC), datetime(2026, 12, 31, 16, tzinfo=UTC)
            biggest = max(fl.list_events(rt, LEADER), key=lambda e: e["id"])["id"]
            timed("dashboard (per road)", lambda: ss.dashboard(rt, LEADER), repeat)
            timed("defect map (GeoJSON)", lambda: ss.map_features(rt, LEADER, {}), repeat)
            timed("defects, one road, page 1", lambda: ss.list_defects(rt, LEADER, {"road": "人民路"}), repeat)
            timed("season figures", lambda: fl.season_figures(rt, LEADER, start, end), repeat)
            timed("event command page", lambda: fl.command(rt, LEADER, biggest), repeat)
            timed("survey report (xlsx)", lambda: subsurface_papers.render(
                rt, subsurface_papers.survey_paper(rt, LEADER), "xlsx"), max(1, repeat // 4))
            timed("season report (docx)", lambda: flood_papers.render(
                rt, flood_papers.season_paper(rt, LEADER, start, end, "2026年"), "docx"), max(1, repeat // 4))
            print(f"  peak memory {peak_mb():.0f} MB")
        finally:
            drop_database(url)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", default="sqlite")
    p.add_argument("--cases", type=int, default=5000)
    p.add_argument("--extra", type=int, default=5000)
    p.add_argument("--repeat", type=int, default=12)
    args = p.parse_args()
    print(f"subsurface / flood read paths — {machine()}")
    for kind in args.db.split(","):
        print(f"[{kind}] {args.cases} cases, 537 + {args.extra} defects, demo flood season")
        run(kind, args.cases, args.extra, args.repeat)


if __name__ == "__main__":
    main()
