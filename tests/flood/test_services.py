"""The flood season on SQLite and PostgreSQL: warnings raise the response, deployments and depths,
materials, event-tagged cases, the pre-flood checklist, duty coverage."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from citysteward.catalogue.services import catalogue
from citysteward.flood import services as fl
from citysteward.kernel.errors import Forbidden, InvalidInput
from citysteward.supervision.services import tickets
from tests.builders.cases import GARBAGE, MANHOLE, report
from tests.conftest import City


def _point(city: City, code: str = "YL-001") -> int:
    return int(fl.add_point(city.rt, city.actor("admin"), {
        "code": code, "name": "人民路下穿隧道", "lon": 113.22, "lat": 35.214, "road": "人民路", "cause": "地势低洼",
        "orange_cm": 15, "red_cm": 30, "plan": "一点一策：封闭交通、启动移动泵车", "unit_id": city.units["facility"],
        "person": "孙建军", "phone": "13800000001", "pump_station": "人民路泵站"})["id"])


def test_a_warning_raises_the_level_and_the_event_page_shows_everything(city: City, clock) -> None:
    rt, leader = city.rt, city.actor("leader")
    point_id = _point(city)
    report(city)  # before the event: not tagged
    clock.advance(minutes=5)
    blue = fl.record_warning(rt, leader, {"colour": "blue", "issuer": "焦作市气象台"})
    event_id = blue["event_id"]
    assert blue["level"] == "iv" and blue["raised"]
    assert fl.active_event(rt)["id"] == event_id
    clock.advance(hours=2)
    assert fl.record_warning(rt, leader, {"colour": "orange"})["level"] == "ii"
    clock.advance(hours=1)
    yellow = fl.record_warning(rt, leader, {"colour": "yellow"})  # a lower colour never lowers the level
    assert yellow["event_id"] == event_id and yellow["level"] == "ii" and not yellow["raised"]
    fl.add_deployment(rt, leader, event_id, {"unit_id": city.units["facility"], "people": 40, "vehicles": 3, "pumps": 2,
                                             "point_id": point_id})
    fl.add_deployment(rt, leader, event_id, {"unit_name": "解放区环卫中心", "people": 25, "vehicles": 1})
    fl.add_observation(rt, leader, event_id, {"point_id": point_id, "depth_cm": 32, "traffic_closed": "1"})
    during = [report(city, MANHOLE, seq=4), report(city, GARBAGE, seq=5), report(city, MANHOLE, seq=6)]
    assert fl.tag_cases(rt, leader, event_id, during[:1])["tagged"] == 1
    view = fl.command(rt, leader, event_id)
    assert view["event"]["level"] == "ii" and [c["to_level"] for c in view["levels"]] == ["iv", "ii"]
    assert view["levels"][0]["declared_by"] == "值班长张"
    assert view["points"][0]["state"] == "red"
    figs = view["figures"]
    assert (figs.warnings, figs.person_times, figs.equipment_times, figs.points_observed, figs.points_cleared) == \
        (3, 65, 6, 1, 0)
    fl.clear_point(rt, leader, event_id, point_id)
    assert fl.command(rt, leader, event_id)["figures"].points_cleared == 1
    clock.advance(hours=1)
    closed = fl.close_event(rt, leader, event_id, "雨停，解除响应")
    assert closed["ended_at"] == clock.now and fl.active_event(rt) is None
    assert closed["tagged"] == 2  # the window adds the two not yet tagged, and not the earlier case
    figs = fl.command(rt, leader, event_id)["figures"]
    names = {c.code: c.name for c in catalogue(rt).by_code.values()}
    assert figs.cases == 3 and figs.cases_by_type == [(names[MANHOLE], 2), (names[GARBAGE], 1)]
    assert fl.command(rt, leader, event_id)["event"]["level"] is None


def test_lowering_needs_a_reason_and_a_declarer(city: City) -> None:
    rt = city.rt
    event_id = fl.open_event(rt, city.actor("leader"), {"name": "强降雨"})["id"]
    with pytest.raises(Forbidden):
        fl.declare_level(rt, city.actor("facility"), event_id, "iv", "x")
    with pytest.raises(InvalidInput):
        fl.declare_level(rt, city.actor("leader"), event_id, "iv", " ")
    fl.declare_level(rt, city.actor("leader"), event_id, "iii", "主干道积水严重影响交通")
    assert fl.declare_level(rt, city.actor("leader"), event_id, "iv", "积水消退")["level"] == "iv"


def test_materials_never_go_below_zero(city: City) -> None:
    rt, admin = city.rt, city.actor("admin")
    mid = fl.add_material(rt, admin, {"name": "沙袋", "warehouse": "市政设施所仓库", "unit_label": "条", "qty": 500,
                                      "min_qty": 300})["id"]
    assert fl.move_material(rt, admin, mid, {"delta": -250, "reason": "人民路下穿隧道封堵"})["below_min"]
    with pytest.raises(InvalidInput):
        fl.move_material(rt, admin, mid, {"delta": -251, "reason": "超量出库"})
    (m,) = fl.materials(rt, admin)
    assert m["qty"] == 250 and m["below_min"]


def test_a_failed_pre_flood_check_becomes_a_ticket(city: City) -> None:
    rt, leader = city.rt, city.actor("leader")
    point_id = _point(city)
    ok = fl.add_check(rt, leader, {"kind": "pump_tested", "target": "人民路泵站", "unit_id": city.units["facility"],
                                   "season": 2026})["id"]
    bad = fl.add_check(rt, leader, {"kind": "inlets_cleared", "target": "人民路下穿隧道雨水口",
                                    "unit_id": city.units["sanitation"], "point_id": point_id, "season": 2026})["id"]
    assert fl.record_check(rt, leader, ok, "passed")["ticket_no"] is None
    with pytest.raises(InvalidInput):
        fl.record_check(rt, leader, bad, "failed")
    ticket_no = fl.record_check(rt, leader, bad, "failed", "12 个雨水口淤堵")["ticket_no"]
    detail = tickets.ticket_detail(rt, ticket_no, city.actor("supervisor"))
    assert detail["units"][0]["unit_id"] == city.units["sanitation"] and "雨水口" in detail["title"]
    assert [c["result"] for c in fl.checklist(rt, leader, 2026)] == ["passed", "failed"]
    with pytest.raises(InvalidInput) as err:  # a pump station must be a registered component when one is named
        fl.add_point(rt, city.actor("admin"), {"code": "YL-X", "name": "x", "lon": 113.2, "lat": 35.2,
                                               "pump_component_id": 999})
    assert err.value.detail["field"] == "pump_component_id" and fl.point(rt, "YL-X") is None


def test_duty_gaps(city: City) -> None:
    rt, leader = city.rt, city.actor("leader")
    fl.add_duty(rt, leader, [{"starts_at": "2026-07-20T08:00", "ends_at": "2026-07-20T20:00", "post": "值班员",
                              "person": "甲"},
                             {"starts_at": "2026-07-20T20:00", "ends_at": "2026-07-21T08:00", "post": "值班员",
                              "person": "乙"}])
    day = fl.duty_day(rt, leader, date(2026, 7, 20))
    assert len(day["shifts"]) == 2
    (gap,) = day["gaps"]  # 00:00–08:00 local is not covered
    assert gap[1] - gap[0] == timedelta(hours=8)
    with pytest.raises(InvalidInput):
        fl.add_duty(rt, leader, [{"starts_at": "2026-07-20T08:00", "ends_at": "2026-07-21T09:00", "post": "值班员",
                                  "person": "丙"}])
