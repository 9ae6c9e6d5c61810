"""Surveys, defects, re-surveys and treatment on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from citysteward.kernel.errors import Forbidden, IllegalTransition, InvalidInput
from citysteward.subsurface import services as ss
from citysteward.supervision.services import tickets
from tests.conftest import City

ROADS = [{"road": "人民路", "length_km": 6.5}, {"road": "解放路", "length_km": 5.25}]


def _survey(city: City) -> int:
    return int(ss.create_survey(city.rt, city.actor("admin"), {
        "name": "市管主干道路地下病害体探测", "method": "vehicle_radar", "contractor": "探测公司",
        "started_on": "2026-04-01", "ended_on": "2026-05-01", "roads": ROADS})["id"])


def _cavity_rules(city: City) -> None:
    ss.set_rules(city.rt, city.actor("admin"), {
        "grades": ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"], "worst_first": False,
        "deadline_days": [{"type": "cavity", "grade": "Ⅳ", "days": 3}, {"type": "*", "grade": "Ⅳ", "days": 7},
                          {"type": "*", "grade": "*", "days": 30}]})


def test_a_void_grows_into_a_cavity_and_the_treatment_deadline_follows_the_table(city: City, clock) -> None:
    rt, surveyor = city.rt, city.actor("facility")
    _cavity_rules(city)
    survey_id = _survey(city)
    code = ss.record_defect(rt, surveyor, {
        "survey_id": survey_id, "road": "人民路", "chainage_m": 1250, "lon": 113.21, "lat": 35.214,
        "type": "void", "grade": "Ⅲ", "length_m": 3, "width_m": 2, "top_depth_m": 0.6, "height_m": 0.3})["code"]
    ss.defect_action(rt, surveyor, code, "confirm", verify_method="borehole_endoscope")
    clock.advance(days=30)
    result = ss.resurvey(rt, surveyor, code, {"type": "cavity", "grade": "Ⅳ", "length_m": 4, "width_m": 2.5,
                                              "top_depth_m": 0.5, "height_m": 0.8, "method": "handheld_radar"})
    assert result["change"] == "脱空 → 空洞"
    (feature,) = ss.map_features(rt, surveyor, {})["features"]
    assert feature["geometry"]["coordinates"] == [113.21, 35.214]
    assert (feature["properties"]["grade_colour"], feature["properties"]["type_label"]) == ("#c62828", "空洞")
    detail = ss.defect_detail(rt, surveyor, code)
    assert [o["type_label"] for o in detail["observations"]] == ["脱空", "空洞"]
    assert detail["observations"][1]["change"] == "脱空 → 空洞"
    assert detail["area_m2"] == 10.0 and detail["chainage"] == "K1+250"
    started = clock.now
    t = ss.start_treatment(rt, surveyor, code, {"method": "grouting", "unit_id": city.units["facility"],
                                                "grout_m3": 12.5})
    assert t["deadline"] == started + timedelta(days=3)  # the (cavity, Ⅳ) row beats (*, Ⅳ) and (*, *)
    assert ss.defect_detail(rt, surveyor, code)["state"] == "treating"
    # nothing overdue yet; four days later the works unit gets a supervision ticket, once
    assert ss.escalate_overdue(rt) == 0
    clock.advance(days=4)
    assert ss.escalate_overdue(rt) == 1 and ss.escalate_overdue(rt) == 0
    board = tickets.list_tickets(rt, city.actor("supervisor"), {})
    assert board["total"] == 1 and code in board["items"][0]["title"]
    dash = ss.dashboard(rt, surveyor)
    row = next(r for r in dash["roads"] if r["road"] == "人民路")
    assert (row["km"], row["total"], row["by_type"]["cavity"], row["overdue"], row["treated"]) == (6.5, 1, 1, 1, 0)
    ss.complete_treatment(rt, surveyor, code, {"grout_m3": 14})
    done = ss.defect_detail(rt, surveyor, code)
    assert done["state"] == "treated" and done["treatments"][0]["grout_m3"] == 14
    assert done["next_resurvey"].isoformat() == "2027-03-21"  # completed 2026-12-21 (local); 3 months for a cavity
    dash = ss.dashboard(rt, surveyor)
    assert dash["total"]["treated"] == 1 and dash["total"]["overdue"] == 0 and dash["total"]["km"] == 11.75
    with pytest.raises(IllegalTransition):
        ss.defect_action(rt, surveyor, code, "confirm")


def test_the_scale_direction_is_configuration(city: City) -> None:
    rt = city.rt
    assert ss.rules(rt).grades_worst_first()[0] == "Ⅳ"
    ss.set_rules(rt, city.actor("admin"), {"grades": ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "安全"], "worst_first": True})
    rules = ss.rules(rt)
    assert rules.grades_worst_first()[0] == "Ⅰ" and rules.colour("Ⅰ") == "#c62828"
    survey_id = _survey(city)
    code = ss.record_defect(rt, city.actor("facility"), {"survey_id": survey_id, "road": "解放路", "chainage_m": 20,
                                                         "type": "cavity", "grade": "Ⅰ"})["code"]
    ss.defect_action(rt, city.actor("facility"), code, "confirm")
    t = ss.start_treatment(rt, city.actor("facility"), code, {"method": "excavation"})
    assert t["deadline"] is None  # no row configured: no invented time limit


BAD = [
    ({"type": "crack", "grade": "Ⅰ"}, "type"),
    ({"type": "void", "grade": "Ⅸ"}, "grade"),
    ({"type": "void", "grade": "Ⅰ", "length_m": -1}, "length_m"),
    ({"type": "void", "grade": "Ⅰ", "lon": 113.2}, "lon"),
    ({"type": "void", "grade": "Ⅰ", "lon": None, "chainage_m": None}, "lon"),
    ({"type": "void", "grade": "Ⅰ", "survey_id": 999}, "survey_id"),
]


def test_bad_defects_are_refused_and_nothing_is_stored(city: City) -> None:
    survey_id = _survey(city)
    for data, field in BAD:
        payload = {"survey_id": survey_id, "road": "人民路", "chainage_m": 10, **data}
        with pytest.raises(InvalidInput) as err:
            ss.record_defect(city.rt, city.actor("facility"), payload)
        assert err.value.detail.get("field") == field, data
    assert ss.list_defects(city.rt, city.actor("facility"), {})["total"] == 0


def test_only_field_staff_record(city: City) -> None:
    with pytest.raises(Forbidden):
        ss.create_survey(city.rt, city.actor("hotline"), {"name": "x", "started_on": "2026-04-01", "roads": ROADS})
