"""The after-action report (Word and Excel) of a season built from raw records — warnings, deployments,
depths, tagged cases — every figure recounted independently from the records this test wrote."""

from __future__ import annotations

import io
import random
from collections import Counter
from datetime import UTC, datetime

from docx import Document
from openpyxl import load_workbook

from citysteward.catalogue.services import catalogue
from citysteward.flood import papers
from citysteward.flood import services as fl
from tests.builders.cases import GARBAGE, MANHOLE, report
from tests.conftest import City

COLOURS = {"blue": "暴雨蓝色预警", "yellow": "暴雨黄色预警", "orange": "暴雨橙色预警", "red": "暴雨红色预警"}


def test_season_report_recounts(city: City, clock) -> None:
    rt, who = city.rt, city.actor("leader")
    points = [fl.add_point(rt, who, {"code": f"P{i}", "name": f"点{i}", "lon": 113.21 + i / 100, "lat": 35.21,
                                     "orange_cm": 15, "red_cm": 30})["id"] for i in range(4)]
    rng = random.Random(7)
    raw_warnings, raw_deps, raw_obs, raw_cases = [], [], [], []
    for _event in range(3):
        colours = [rng.choice(list(COLOURS)) for _ in range(rng.randint(1, 4))]
        event_id = None
        for c in colours:
            event_id = fl.record_warning(rt, who, {"colour": c, "event_id": event_id})["event_id"]
            raw_warnings.append(c)
            clock.advance(minutes=30)
        assert event_id is not None
        for _ in range(rng.randint(1, 3)):
            d = {"people": rng.randint(5, 80), "vehicles": rng.randint(0, 5), "pumps": rng.randint(0, 4)}
            fl.add_deployment(rt, who, event_id, {**d, "unit_id": city.units["facility"]})
            raw_deps.append(d)
        for p in rng.sample(points, 2):
            fl.add_observation(rt, who, event_id, {"point_id": p, "depth_cm": rng.randint(1, 40)})
            cleared = rng.random() < 0.5
            if cleared:
                fl.clear_point(rt, who, event_id, p)
            raw_obs.append((p, cleared))
        for seq in range(rng.randint(0, 3)):
            cat = rng.choice([MANHOLE, GARBAGE])
            report(city, cat, seq=4 + seq)
            raw_cases.append(cat)
        clock.advance(hours=1)
        fl.close_event(rt, who, event_id)
        clock.advance(days=2)
    names = {c.code: c.name for c in catalogue(rt).by_code.values()}
    people = sum(d["people"] for d in raw_deps)
    equipment = sum(d["vehicles"] + d["pumps"] for d in raw_deps)
    observed = len({p for p, _ in raw_obs})
    cleared = len({p for p, c in raw_obs if c})
    by_case = Counter(names[c] for c in raw_cases)
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)

    _, content, _ = papers.render(rt, papers.season_paper(rt, who, start, end, "2026年"), "xlsx")
    book = load_workbook(io.BytesIO(content))
    f = {r[0]: r[1] for r in book["概况"].iter_rows(values_only=True) if r and r[0] and len(r) > 1}
    assert f["发布预警（次）"] == len(raw_warnings)
    assert f["出动防汛人员（人次）"] == people and f["出动设备（台次）"] == equipment
    assert f["其中车辆（台次）"] == sum(d["vehicles"] for d in raw_deps)
    assert f["其中水泵（台次）"] == sum(d["pumps"] for d in raw_deps)
    assert f["积水点位（个）"] == observed and f["已消除积水点位（个）"] == cleared
    assert f["涉雨案件（件）"] == len(raw_cases)
    warn_rows = {r[0]: r[1] for r in book["预警发布"].iter_rows(values_only=True) if r and r[0] in COLOURS.values()}
    assert warn_rows == {label: raw_warnings.count(c) for c, label in COLOURS.items()}
    case_rows = {r[0]: r[1] for r in book["涉雨案件分类"].iter_rows(values_only=True)
                 if r and r[0] not in (None, "案件类别", "涉雨案件分类")}
    assert case_rows == dict(by_case)
    events = [r for r in book["降雨过程"].iter_rows(values_only=True) if r and r[0] and "应对" in str(r[0])]
    assert len(events) == 3 and sum(r[4] for r in events) == people and sum(r[5] for r in events) == equipment

    _, content, _ = papers.render(rt, papers.season_paper(rt, who, start, end, "2026年"), "docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
    assert f"共发布预警 {len(raw_warnings)} 次，出动防汛人员 {people} 人次，预置设备 {equipment} 台次" in text
    assert f"涉雨案件 {len(raw_cases)} 件" in text
