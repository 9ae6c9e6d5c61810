"""Campaign figures benchmark (issue 14): how long a campaign's progress report, a day's scheduling
report, an appraisal and the phone page's "subjects nearby" take with a busy campaign.

    .venv/bin/python bench/campaigns.py --db sqlite,postgresql --subjects 3000 --inspections 10000

Subjects are spread over the demo city's grids; inspections (six items each, 15 % failed) over a
60-day campaign. Prints the figures with the machine and data size; not a pass/fail test.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _city import database, drop_database, machine, peak_mb, percentile, prepare, sample_points  # noqa: E402

from citysteward.campaigns.domain import AppraisalRule, CampaignInput, ChecklistItem
from citysteward.campaigns.services import appraisal, figures, setup
from citysteward.demo.areas import build_demo_areas
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.cells import cell_of

ADMIN = Actor(role=Role.ADMIN, user_id=1, name="管理员")
START = date(2026, 9, 1)


def run(kind: str, n_subjects: int, n_inspections: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database(kind, tmp)
        try:
            rt, _ = prepare(url, 0, tmp)
            rng = random.Random(14)
            points = sample_points(build_demo_areas().grids, n_subjects)
            t0 = time.perf_counter()
            tid = setup.save_template(rt, ADMIN, setup.TemplateInput("six", "六个百分之百", "site", tuple(
                ChecklistItem(f"{i:02d}", f"第{i}项", 10.0) for i in range(1, 7))))["id"]
            template = setup.template(rt, tid)
            setup.create_campaign(rt, ADMIN, CampaignInput("bench", "压测行动", START, START + timedelta(days=59)))
            cid = setup.campaign_id(rt, "bench")
            with rt.uow() as uow:
                units = [u["id"] for u in uow.org.units()]
                sids = [uow.campaigns.add_subject({
                    "kind": "site", "name": f"工地{i}", "address": "", "lon": lon, "lat": lat, "cell": cell_of(lon, lat),
                    "area_code": "", "area_name": f"镇{i % 12}", "unit_id": units[i % len(units)], "leader": "",
                    "contact": "", "point_type": "", "zone": "", "active": True, "created_at": datetime.now(UTC)})
                    for i, (lon, lat) in enumerate(points)]
                uow.campaigns.add_targets(cid, sids)
                for _ in range(n_inspections):
                    sid = rng.choice(sids)
                    outcomes = ["fail" if rng.random() < 0.15 else "pass" for _ in template.items]
                    at = datetime(2026, 9, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(60 * 24 * 59))
                    uow.campaigns.add_inspection({
                        "campaign_id": cid, "subject_id": sid, "template_id": tid, "round_kind": "covert",
                        "inspector_id": None, "inspector_name": "监督员", "at": at,
                        "score": round(100 * outcomes.count("pass") / 6, 2), "passed": outcomes.count("pass"),
                        "failed": outcomes.count("fail"), "area_code": "", "area_name": f"镇{sid % 12}",
                        "unit_id": units[sid % len(units)], "note": ""},
                        [{"item_id": it.id, "item_code": it.code, "outcome": o, "count": None, "note": "",
                          "photo_ids": []} for it, o in zip(template.items, outcomes, strict=True)])
                uow.commit()
            load_s = time.perf_counter() - t0

            def timed(fn, reps: int = 3) -> float:
                out = []
                for _ in range(reps):
                    t = time.perf_counter()
                    fn()
                    out.append(time.perf_counter() - t)
                return min(out)

            report_s = timed(lambda: figures.campaign_figures(rt, "bench"))
            daily_s = timed(lambda: figures.daily_report(rt, "bench", START + timedelta(days=30)))
            rule = AppraisalRule(inspection_weight=100, case_weight=0)
            appraisal_s = timed(lambda: appraisal.compute(rt, "area", START, START + timedelta(days=59), rule, "bench"))
            near = []
            for lon, lat in rng.sample(points, 200):
                t = time.perf_counter()
                setup.nearby_subjects(rt, lon, lat)
                near.append((time.perf_counter() - t) * 1000)
            print(f"{kind}: {n_subjects} subjects, {n_inspections} inspections ({6 * n_inspections} item results), "
                  f"loaded in {load_s:.1f} s")
            print(f"  campaign report (whole campaign)   {report_s * 1000:8.0f} ms")
            print(f"  daily scheduling report            {daily_s * 1000:8.0f} ms")
            print(f"  appraisal of 12 towns              {appraisal_s * 1000:8.0f} ms")
            print(f"  subjects nearby (1.5 km)  p50 {percentile(near, 50):6.1f} ms  p95 {percentile(near, 95):6.1f} ms")
            print(f"  peak memory {peak_mb():.0f} MB")
        finally:
            drop_database(url)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--db", default="sqlite")
    p.add_argument("--subjects", type=int, default=3000)
    p.add_argument("--inspections", type=int, default=10000)
    a = p.parse_args()
    print(machine())
    for kind in a.db.split(","):
        run(kind.strip(), a.subjects, a.inspections)


if __name__ == "__main__":
    main()
