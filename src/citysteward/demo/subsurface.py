"""Demo stage: the subsurface defect survey (issue 13).

The figures are the seeds' (焦作日报 on the 市城管局 survey): from April, 18 城市主干道路 managed by the city,
about 105 lane-km, one month of vehicle-radar work by a tendered contractor, 18 cavities (空洞), 404 voids
(脱空) and 115 loose zones (疏松); the 18 cavities and 57 severe voids — 75 in all — treated by grouting or
excavation; the lower-risk loose and void zones kept under periodic re-survey.

Everything else is GENERATED (labelled so in the survey's note): which 18 roads beyond the sketched
ones, each road's length, positions, sizes, depths, grades (under the default, configurable scale) and
quantities. Idempotent: the survey is looked up by name first."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from citysteward.demo.units import FACILITY
from citysteward.demo.world import DemoWorld
from citysteward.platform.runtime import Runtime
from citysteward.subsurface.domain import (
    Defect,
    DefectState,
    DefectType,
    Measure,
    Observation,
    SurveyMethod,
    TreatmentMethod,
    add_months,
)

SURVEY_NAME = "市管主干道路地下病害体探测与治理（2026年）"
TOTAL_KM = 105.0
COUNTS = {"cavity": 18, "void": 404, "loose": 115}
TREATED_VOIDS = 57  # 严重脱空, treated with the cavities: 18 + 57 = 75
# Roads of the demo city beyond areas.ROAD_SKETCHES, hand-drawn (generated) so 18 roads can be placed.
EXTRA_ROADS: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    ("世纪路", ((113.200, 35.2080), (113.260, 35.2075), (113.320, 35.2085))),
    ("工业路", ((113.190, 35.2300), (113.250, 35.2295), (113.310, 35.2305))),
    ("和平街", ((113.2400, 35.1900), (113.2405, 35.2300), (113.2410, 35.2600))),
    ("自治街", ((113.2600, 35.1950), (113.2605, 35.2250), (113.2610, 35.2500))),
    ("健康路", ((113.2780, 35.1900), (113.2785, 35.2250), (113.2790, 35.2550))),
)
ACTOR_NAME = "演示数据"


def _roads(world: DemoWorld) -> list[tuple[str, list[tuple[float, float]]]]:
    out = [(r["name"], [tuple(c) for c in r["coordinates"]]) for r in world.areas.roads]
    names = {n for n, _ in out}
    out += [(n, list(pts)) for n, pts in EXTRA_ROADS if n not in names]
    return [(n, pts) for n, pts in out if len(pts) >= 2][:18]


def _along(points: list[tuple[float, float]], share: float) -> tuple[float, float]:
    """A point `share` (0–1) of the way along a polyline (planar; fine at city scale)."""
    lengths = [((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5 for a, b in zip(points, points[1:], strict=False)]
    target = share * sum(lengths)
    for (a, b), seg in zip(zip(points, points[1:], strict=False), lengths, strict=False):
        if target <= seg and seg > 0:
            t = target / seg
            return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
        target -= seg
    return points[-1]


def _lengths(rng: random.Random, n: int) -> list[float]:
    weights = [rng.uniform(0.6, 1.4) for _ in range(n)]
    raw = [round(TOTAL_KM * w / sum(weights), 2) for w in weights]
    raw[-1] = round(TOTAL_KM - sum(raw[:-1]), 2)
    return raw


def _types(rng: random.Random) -> list[tuple[DefectType, str, bool]]:
    """(type, grade, treated) for every defect: the seeds' counts, generated grades and loose split."""
    severe_loose = 41  # generated split of the 115 loose zones
    rows = [(DefectType.CAVITY, "Ⅳ", True)] * COUNTS["cavity"]
    rows += [(DefectType.VOID, "Ⅲ", True)] * TREATED_VOIDS
    rows += [(DefectType.VOID, "Ⅱ", False)] * (COUNTS["void"] - TREATED_VOIDS)
    rows += [(DefectType.LOOSE_SEVERE, "Ⅱ", False)] * severe_loose
    rows += [(DefectType.LOOSE_GENERAL, "Ⅰ", False)] * (COUNTS["loose"] - severe_loose)
    rng.shuffle(rows)
    return rows


def seed(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    """Adds what is missing of this stage to the demo city."""
    with rt.uow(readonly=True) as uow:
        if any(s["name"] == SURVEY_NAME for s in uow.subsurface.surveys()):
            return
    rng = random.Random(world.seed + 13)
    roads = _roads(world)
    lengths = _lengths(rng, len(roads))
    tz = rt.settings.tz
    start = datetime(2026, 4, 1, 8, tzinfo=tz).astimezone(UTC)
    facility = world.unit_ids.get(FACILITY)
    with rt.uow() as uow:
        survey_id = uow.subsurface.add_survey({
            "name": SURVEY_NAME, "method": SurveyMethod.VEHICLE_RADAR.value,
            "contractor": "公开招标选定的专业探测公司（名称未公开）", "unit_id": facility,
            "started_on": date(2026, 4, 1), "ended_on": date(2026, 5, 1), "report_file": "",
            "note": "演示数据：道路数、里程与病害数量取自焦作日报报道；各路里程、位置、尺寸、等级与工程量为生成数据。",
            "created_at": start, "created_by": ACTOR_NAME},
            [{"road": name, "segment": "全线（演示生成）", "length_km": km} for (name, _), km in zip(roads, lengths,
                                                                                                 strict=True)])
        kinds = _types(rng)
        defects: list[Defect] = []
        extra: list[tuple[bool, bool]] = []  # (treated, grew from a void)
        for i, (dtype, grade, treated) in enumerate(kinds):
            r = i % len(roads)
            name, pts = roads[r]
            share = rng.random()
            lon, lat = _along(pts, share)
            lon += rng.uniform(-0.0002, 0.0002)
            lat += rng.uniform(-0.0002, 0.0002)
            length = round(rng.uniform(1.0, 6.0) if dtype is DefectType.CAVITY else rng.uniform(0.8, 4.0), 1)
            width = round(rng.uniform(0.8, 3.0), 1)
            measure = Measure(dtype, grade, length, width, round(length * width, 2), round(rng.uniform(0.2, 1.8), 2),
                              round(rng.uniform(0.3, 1.2) if dtype is DefectType.CAVITY else rng.uniform(0.05, 0.4), 2))
            found = start + timedelta(days=rng.uniform(0, 30))
            grew = dtype is DefectType.CAVITY and i % 3 == 0
            state = DefectState.TREATED if treated else DefectState.OBSERVING
            defects.append(Defect(
                code=f"{rt.settings.city_prefix}YH-2026-{i + 1:05d}", survey_id=survey_id, road=name, measure=measure,
                state=state, found_at=found, detect_method=SurveyMethod.VEHICLE_RADAR, lon=round(lon, 6),
                lat=round(lat, 6), chainage_m=round(share * lengths[r] * 1000 / 2, 0),
                verify_method=SurveyMethod.BOREHOLE_ENDOSCOPE if treated else SurveyMethod.HANDHELD_RADAR,
                note="演示生成", updated_at=found))
            extra.append((treated, grew))
        uow.subsurface.add_defects(defects)
        observations, events, treatments = [], [], []
        for d, (treated, grew) in zip(defects, extra, strict=True):
            assert d.id is not None
            first = Measure(DefectType.VOID, "Ⅲ", d.measure.length_m, d.measure.width_m, d.measure.area_m2,
                            d.measure.top_depth_m, 0.15) if grew else d.measure
            observations.append(Observation(d.id, d.found_at, SurveyMethod.VEHICLE_RADAR, first, "initial", ACTOR_NAME))
            confirmed = d.found_at + timedelta(days=rng.uniform(1, 6))
            if grew:
                observations.append(Observation(d.id, confirmed, SurveyMethod.HANDHELD_RADAR, d.measure, "resurvey",
                                                ACTOR_NAME, "复测：往期脱空发展形成空洞"))
            events.append({"defect_id": d.id, "action": "record", "from_state": None, "to_state": "pending",
                           "at": d.found_at, "actor_name": ACTOR_NAME, "role": "system", "note": ""})
            events.append({"defect_id": d.id, "action": "confirm", "from_state": "pending", "to_state": "confirmed",
                           "at": confirmed, "actor_name": ACTOR_NAME, "role": "system", "note": ""})
            if treated:
                begun = confirmed + timedelta(days=rng.uniform(1, 20))
                done = begun + timedelta(days=rng.uniform(1, 15))
                excavate = d.measure.defect_type is DefectType.CAVITY and (d.measure.area_m2 or 0) > 8
                area = d.measure.area_m2 or 1.0
                treatments.append({
                    "defect_id": d.id, "method": (TreatmentMethod.EXCAVATION if excavate else TreatmentMethod.GROUTING).value,
                    "unit_id": facility, "grout_m3": 0.0 if excavate else round(area * rng.uniform(0.3, 0.9), 1),
                    "pavement_m2": round(area * 1.5, 1) if excavate else round(area * 0.2, 1),
                    "holes": 0 if excavate else max(2, int(area // 2)), "started_at": begun,
                    "deadline": None, "completed_at": done, "ticket_no": None, "created_by": ACTOR_NAME, "note": "演示生成"})
                events.append({"defect_id": d.id, "action": "start_treatment", "from_state": "confirmed",
                               "to_state": "treating", "at": begun, "actor_name": ACTOR_NAME, "role": "system",
                               "note": ""})
                events.append({"defect_id": d.id, "action": "complete_treatment", "from_state": "treating",
                               "to_state": "treated", "at": done, "actor_name": ACTOR_NAME, "role": "system",
                               "note": ""})
                d.next_resurvey = add_months(done.astimezone(tz).date(), 3)
            else:
                treatments.append({
                    "defect_id": d.id, "method": TreatmentMethod.PERIODIC_RESURVEY.value, "unit_id": facility,
                    "grout_m3": 0.0, "pavement_m2": 0.0, "holes": 0, "started_at": confirmed, "deadline": None,
                    "completed_at": confirmed, "ticket_no": None, "created_by": ACTOR_NAME, "note": "定期巡视（演示生成）"})
                events.append({"defect_id": d.id, "action": "observe", "from_state": "confirmed",
                               "to_state": "observing", "at": confirmed, "actor_name": ACTOR_NAME, "role": "system",
                               "note": ""})
                months = 3 if d.measure.defect_type in (DefectType.VOID, DefectType.LOOSE_SEVERE) else 6
                d.next_resurvey = add_months(confirmed.astimezone(tz).date(), months)
            d.updated_at = d.found_at
            uow.subsurface.save_defect(d, d.version)
        uow.subsurface.add_observations(observations)
        uow.subsurface.add_events(events)
        uow.subsurface.add_treatments(treatments)
        uow.commit()
    say(f"塌陷隐患排查：{len(roads)} 条道路 {sum(lengths):g} 公里，病害 {len(defects)} 处，"
        f"已治理 {COUNTS['cavity'] + TREATED_VOIDS} 处（演示生成）")
