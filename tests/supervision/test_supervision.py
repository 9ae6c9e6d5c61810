"""Supervision tickets (督导单), recurring hot spots (难点点位 / 挂牌督办) and rankings (红蓝旗)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from citysteward.cases.domain.model import Action
from citysteward.cases.services import actions as cases
from citysteward.cases.services.actions import ActionInput
from citysteward.evaluation.services import indicators as indicator_service
from citysteward.evaluation.services import rankings
from citysteward.kernel import periods as kernel_periods
from citysteward.kernel.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from citysteward.notify import services as notify
from citysteward.supervision.domain.tickets import TicketAction
from citysteward.supervision.services import escalation, hotspots
from citysteward.supervision.services import tickets as sv
from tests.builders.cases import SEWER_COVER, act, new_case
from tests.builders.months import add_street_user
from tests.conftest import City, grid_point

GARBAGE = "06006"
A = TicketAction


def ticket(city: City, who: str = "supervisor", **kw: Any) -> dict[str, Any]:
    data = {"level": "white", "title": "人民路井盖督办", "content": "请立即整改", "unit_ids": (city.units["facility"],),
            **kw}
    return sv.issue_ticket(city.rt, city.actor(who), sv.TicketInput(**data))


def test_a_ticket_to_two_units_waits_for_both_replies_then_is_accepted(city: City, clock) -> None:
    c1, c2 = new_case(city), new_case(city, point=(2, 2))
    t = ticket(city, level="yellow", case_nos=(c1, c2), unit_ids=(city.units["facility"], city.units["sanitation"]))
    no = t["ticket_no"]
    assert no.startswith("JZDB20261117-") and t["state"] == "issued" and t["level_label"] == "黄色"
    assert t["deadline"] == clock.now + timedelta(hours=48)
    notify.deliver(city.rt)
    for unit in ("facility", "sanitation"):
        titles = [n["title"] for n in notify.list_notices(city.rt, city.actor(unit))["items"]]
        assert [t for t in titles if not t.startswith("【派遣】")] == [f"【黄色督导单】{no} 人民路井盖督办"]
    assert sv.ticket_action(city.rt, no, A.REPLY, city.actor("facility"), "已更换井盖")["state"] == "issued"
    with pytest.raises(IllegalTransition):
        sv.ticket_action(city.rt, no, A.REPLY, city.actor("facility"), "再次回复")
    assert sv.ticket_action(city.rt, no, A.REPLY, city.actor("sanitation"), "已清理")["state"] == "replied"
    back = sv.ticket_action(city.rt, no, A.SEND_BACK, city.actor("supervisor"), "井盖仍松动")
    assert back["state"] == "returned"
    detail = sv.ticket_detail(city.rt, no, city.actor("facility"))
    assert all(u["replied_at"] is None for u in detail["units"])
    assert [a["action"] for a in detail["allowed_actions"]] == ["reply"]
    clock.advance(hours=2)
    sv.ticket_action(city.rt, no, A.REPLY, city.actor("sanitation"), "复查无问题")
    sv.ticket_action(city.rt, no, A.REPLY, city.actor("facility"), "已加固")
    done = sv.ticket_action(city.rt, no, A.ACCEPT, city.actor("supervisor"))
    assert done["state"] == "rectified"
    detail = sv.ticket_detail(city.rt, no, city.actor("supervisor"))
    assert detail["case_nos"] == [c1, c2] and detail["closed_at"] == clock.now
    assert [e["action"] for e in detail["timeline"]] == ["issue", "reply", "reply", "send_back", "reply", "reply",
                                                         "accept"]
    assert {u["reply"] for u in detail["units"]} == {"复查无问题", "已加固"}
    notify.deliver(city.rt)
    issuer = [n["title"] for n in notify.list_notices(city.rt, city.actor("supervisor"))["items"]]
    assert issuer == [f"督导单 {no} 已全部回复，待验收", f"督导单 {no}：解放区环卫中心已回复，待其他单位回复",
                      f"督导单 {no} 已全部回复，待验收", f"督导单 {no}：市市政设施所已回复，待其他单位回复"]


def test_ticket_rules_are_enforced(city: City) -> None:
    c1 = new_case(city)
    with pytest.raises(Forbidden):
        ticket(city, who="dispatcher", case_nos=(c1,))
    with pytest.raises(InvalidInput):
        ticket(city)  # neither a case nor a place
    with pytest.raises(InvalidInput):
        ticket(city, case_nos=("JZ20991231-99999",))
    with pytest.raises(InvalidInput):
        ticket(city, case_nos=(c1,), unit_ids=(9999,))
    with pytest.raises(InvalidInput):
        ticket(city, case_nos=(c1,), level="purple")
    no = ticket(city, case_nos=(c1,))["ticket_no"]
    with pytest.raises(NotFound):  # a unit the ticket is not addressed to does not see it
        sv.ticket_action(city.rt, no, A.REPLY, city.actor("sanitation"), "x")
    with pytest.raises(InvalidInput):
        sv.ticket_action(city.rt, no, A.REPLY, city.actor("facility"), "  ")
    with pytest.raises(Forbidden):
        sv.ticket_action(city.rt, no, A.CANCEL, city.actor("facility"), "不想办")
    with pytest.raises(IllegalTransition):
        sv.ticket_action(city.rt, no, A.ACCEPT, city.actor("supervisor"))
    with pytest.raises(Forbidden):
        sv.ticket_action(city.rt, no, A.ESCALATE, city.actor("supervisor"))
    with pytest.raises(Conflict):
        sv.ticket_action(city.rt, no, A.CANCEL, city.actor("supervisor"), "重复", version=7)
    assert sv.ticket_action(city.rt, no, A.CANCEL, city.actor("supervisor"), "重复下发")["state"] == "cancelled"


def test_the_ledger_filters_and_counts_by_level_and_unit(city: City, clock) -> None:
    lon, lat = grid_point(1, 5)
    place = {"lon": lon, "lat": lat, "address": "塔南路菜市场门口"}
    fac, san = city.units["facility"], city.units["sanitation"]
    a = ticket(city, **place)["ticket_no"]
    ticket(city, **place, unit_ids=(san,))
    clock.advance(days=2)
    ticket(city, **place, level="yellow", unit_ids=(fac, san))
    ticket(city, **place, level="red", unit_ids=(san,))
    sv.ticket_action(city.rt, a, A.REPLY, city.actor("facility"), "已整改")
    sv.ticket_action(city.rt, a, A.ACCEPT, city.actor("supervisor"))
    boss = city.actor("supervisor")
    ledger = sv.list_tickets(city.rt, boss, {})
    assert ledger["total"] == 4 and ledger["summary"]["text"] == "4 张：白色 2、黄色 1、红色 1，已整改 1"
    assert ledger["items"][0]["address"] == "塔南路菜市场门口"
    by_unit = {u["unit_id"]: u for u in ledger["summary"]["by_unit"]}
    assert (by_unit[san]["total"], by_unit[san]["red"], by_unit[fac]["total"], by_unit[fac]["rectified"]) == (3, 1, 2, 1)
    assert sv.list_tickets(city.rt, boss, {"level": ["white"]})["total"] == 2
    assert sv.list_tickets(city.rt, boss, {"state": ["rectified"]})["total"] == 1
    assert sv.list_tickets(city.rt, boss, {"unit": [fac]})["total"] == 2
    tz = city.rt.settings.tz
    day = kernel_periods.Period.day((clock.now - timedelta(days=2)).astimezone(tz).date(), tz)
    assert sv.list_tickets(city.rt, boss, {"start": day.start, "end": day.end})["summary"]["text"] == \
        "2 张：白色 2，已整改 1"
    # a unit sees only the tickets addressed to it, whatever it asks for
    assert sv.list_tickets(city.rt, city.actor("facility"), {"unit": [san]})["total"] == 2
    with pytest.raises(InvalidInput):
        sv.list_tickets(city.rt, boss, {"level": ["purple"]})


# ---------------------------------------------------------------- hot spots
def close_case(city: City, case_no: str, unit: str = "sanitation") -> None:
    act(city, unit, case_no, Action.HANDLE, note="已清理")
    act(city, "inspector", case_no, Action.CHECK_PASS)
    act(city, "leader", case_no, Action.CLOSE)


def garbage(city: City, lon: float, lat: float, category: str = GARBAGE, close: bool = True) -> str:
    from citysteward.cases.services import intake

    r = intake.report_case(city.rt, intake.ReportInput(category_code=category, description="暴露垃圾", lon=lon, lat=lat,
                                                       address="民主路 12 号"), city.actor("inspector"))
    act(city, "acceptor", r.case_no, Action.REGISTER)
    unit = "sanitation" if category == GARBAGE else "facility"
    act(city, "dispatcher", r.case_no, Action.DISPATCH, unit_id=city.units[unit])
    if close:
        close_case(city, r.case_no, unit)
    return r.case_no


def test_a_recurring_place_is_found_and_one_off_places_are_not(city: City, clock) -> None:
    add_street_user(city)
    clock.set(datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    px, py = grid_point(1, 3)
    metre = 1 / 111_000
    spot = [garbage(city, px, py)]
    for i, days in enumerate((4, 6)):  # re-reported twice after closing, within 30 m
        clock.advance(days=days)
        spot.append(garbage(city, px + (i + 1) * 15 * metre, py))
    clock.advance(days=3)
    cases.perform_action(city.rt, spot[-1], Action.REOPEN, city.actor("hotline"),  # the citizen called 12345
                         ActionInput(version=None, note="又堆满了"))
    act(city, "inspector", spot[-1], Action.CHECK_PASS)
    act(city, "leader", spot[-1], Action.CLOSE)
    # one-off problems: a single case elsewhere; two duplicates reported together; another category here;
    # the same category 600 m away after the close
    qx, qy = grid_point(2, 6)
    garbage(city, qx, qy)
    clock.advance(minutes=30)
    d1 = garbage(city, qx + 0.003, qy, close=False)
    clock.advance(minutes=5)
    d2 = garbage(city, qx + 0.003, qy, close=False)
    clock.advance(hours=2)
    close_case(city, d1)
    close_case(city, d2)
    garbage(city, px, py, category=SEWER_COVER)
    garbage(city, px + 600 * metre, py)
    clock.advance(days=1)
    boss = city.actor("supervisor")
    found = hotspots.find(city.rt, boss)
    assert found["total"] == 1, "; ".join(f"{h['key']}: " + ",".join(f"{r['kind']} {r['case_no']}<{r['after_case_no']} {r['distance_m']}" for r in h["recurrence_list"]) for h in found["items"])
    spot_view = found["items"][0]
    assert spot_view["category_code"] == GARBAGE and spot_view["cases_count"] == 3
    assert spot_view["recurrences"] == 3
    assert [r["kind"] for r in spot_view["recurrence_list"]] == ["re_report", "re_report", "reopen"]
    assert [h["case_no"] for h in spot_view["history"]] == spot
    assert abs(spot_view["lon"] - (px + 15 * metre)) < 1e-6 and spot_view["listed_id"] is None
    # a narrower window or a stricter threshold finds nothing
    assert hotspots.find(city.rt, boss, window_days=2)["total"] == 0
    assert hotspots.find(city.rt, boss, min_recurrences=4)["total"] == 0

    listed = hotspots.list_hotspot(city.rt, city.actor("supervisor"), hotspots.ListingInput(
        category_code=GARBAGE, lon=spot_view["lon"], lat=spot_view["lat"], owner_unit_id=city.units["street"],
        measure="设置垃圾分类亭，专人定时巡查", address="民主路 12 号", case_nos=tuple(spot), recurrences=3,
        ticket_level="yellow"))
    assert listed["ticket_no"]
    with pytest.raises(IllegalTransition):
        hotspots.list_hotspot(city.rt, city.actor("supervisor"), hotspots.ListingInput(
            category_code=GARBAGE, lon=px, lat=py, owner_unit_id=city.units["street"], measure="重复挂牌"))
    with pytest.raises(Forbidden):
        hotspots.list_hotspot(city.rt, city.actor("facility"), hotspots.ListingInput(
            category_code=GARBAGE, lon=px, lat=py, owner_unit_id=city.units["street"], measure="x"))
    assert hotspots.find(city.rt, boss)["items"][0]["listed_id"] == listed["id"]
    board = hotspots.listed(city.rt)
    assert len(board) == 1 and board[0]["stays_fixed"] is True and board[0]["owner_unit_name"] == "王褚街道"
    clock.advance(days=2)
    garbage(city, px + 10 * metre, py, close=False)  # it came back
    garbage(city, px + 400 * metre, py, close=False)  # not within the listed radius
    board = hotspots.listed(city.rt)
    assert board[0]["stays_fixed"] is False and len(board[0]["new_reports"]) == 1
    assert board[0]["stays_fixed_label"] == "已反弹 1 次"
    notify.deliver(city.rt)
    titles = [n["title"] for n in notify.list_notices(city.rt, city.actor("street"))["items"]]
    assert sorted(titles) == sorted([f"【黄色督导单】{listed['ticket_no']} 难点点位挂牌督办：民主路 12 号",
                                     f"【挂牌督办】{spot_view['category_name']}难点点位 民主路 12 号"])
    hotspots.delist(city.rt, city.actor("supervisor"), listed["id"], "已建成分类亭")
    assert hotspots.listed(city.rt) == [] and hotspots.listed(city.rt, None)[0]["state"] == "delisted"


# ---------------------------------------------------------------- rankings
def handled_case(city: City, clock, unit: str, late: bool, point: tuple[int, int] = (1, 3)) -> str:
    case_no = new_case(city, point=point, unit=unit)
    clock.advance(hours=7 if late else 2)
    act(city, unit, case_no, Action.HANDLE, note="已处置")
    act(city, "inspector", case_no, Action.CHECK_PASS)
    act(city, "leader", case_no, Action.CLOSE)
    clock.advance(hours=1)
    return case_no


def test_rankings_give_red_and_blue_flags_and_keep_last_months(city: City, clock) -> None:
    add_street_user(city)
    admin = city.actor("admin")
    indicator_service.set_config(city.rt, admin, {"ranking": {"min_cases": 2, "red_flags": 1, "blue_flags": 1}})
    clock.set(datetime(2026, 10, 12, 1, 0, tzinfo=UTC))
    for unit, lates in (("facility", (False, False)), ("sanitation", (True, True)), ("street", (False, True))):
        for late in lates:
            handled_case(city, clock, unit, late)
    tz = city.rt.settings.tz
    october = kernel_periods.Period.month(2026, 10, tz)
    ranking = rankings.ranking(city.rt, october, "unit")
    by_name = {r["name"]: r for r in ranking["rows"]}
    assert [r["name"] for r in ranking["rows"]] == ["市市政设施所", "王褚街道", "解放区环卫中心"]
    assert (by_name["市市政设施所"]["flag"], by_name["解放区环卫中心"]["flag"], by_name["王褚街道"]["flag"]) == \
        ("red", "blue", None)
    # 10% × case band (2 cases: 60 points) + 30% × close rate + 30% × on-time rate + 30% × (100 − rework rate)
    assert by_name["市市政设施所"]["score"] == 96.0 and by_name["市市政设施所"]["grade"] == "A"
    assert by_name["解放区环卫中心"]["score"] == 66.0 and by_name["解放区环卫中心"]["grade"] == "C"
    rankings.publish(city.rt, city.actor("supervisor"), october)
    with pytest.raises(Forbidden):
        rankings.publish(city.rt, city.actor("facility"), october)
    clock.set(datetime(2026, 11, 10, 1, 0, tzinfo=UTC))
    for unit, lates in (("facility", (True, True)), ("sanitation", (False, False)), ("street", (False,))):
        for late in lates:
            handled_case(city, clock, unit, late)
    november = rankings.ranking(city.rt, kernel_periods.Period.month(2026, 11, tz), "unit")
    rows = {r["name"]: r for r in november["rows"]}
    assert rows["解放区环卫中心"]["flag"] == "red" and rows["市市政设施所"]["flag"] == "blue"
    assert rows["王褚街道"]["ranked"] is False and rows["王褚街道"]["rank"] is None  # one case: below the minimum
    assert rows["解放区环卫中心"]["previous"] == {"period": "2026-10", "rank": 3, "flag": "blue", "score": 66.0,
                                              "grade": "C"}
    assert rows["解放区环卫中心"]["rank_change"] == 2
    rankings.publish(city.rt, city.actor("supervisor"), kernel_periods.Period.month(2026, 11, tz))
    history = rankings.history(city.rt, "unit", str(city.units["sanitation"]))
    assert [(h["period"], h["flag"]) for h in history] == [("2026-11", "red"), ("2026-10", "blue")]
    streets = rankings.ranking(city.rt, october, "street")
    assert streets["rows"][0]["name"] == "王褚街道" and streets["rows"][0]["flag"] == "red"
    with pytest.raises(InvalidInput):
        rankings.publish(city.rt, city.actor("supervisor"), kernel_periods.Period.day(datetime(2026, 11, 3).date(), tz))


def test_tickets_are_issued_with_a_real_clock_on_every_path(city: City, clock) -> None:
    """A production clock has microseconds. The ticket number used to start as a placeholder built from the
    timestamp, which only fit its column on whole seconds: PostgreSQL refused every ticket (manual, 挂牌 and
    automatic) while the tests, whose clock sat on whole seconds, passed."""
    clock.set(clock.now.replace(microsecond=987654))
    manual = ticket(city, case_nos=(new_case(city, unit=None),))
    assert manual["ticket_no"].startswith("JZDB20261117-")
    # the escalation sweep's automatic white ticket
    case_no = new_case(city)
    clock.advance(hours=7, microseconds=1234)
    escalation.run_once(city.rt)
    auto = [t for t in sv.list_tickets(city.rt, city.actor("supervisor"), {})["items"] if t["source"] == "auto"]
    assert [t["case_nos"] for t in auto] == [[case_no]]
    # 挂牌督办 with a ticket
    lon, lat = grid_point(2, 4)
    listed = hotspots.list_hotspot(city.rt, city.actor("supervisor"), hotspots.ListingInput(
        category_code=GARBAGE, lon=lon, lat=lat, owner_unit_id=city.units["street"], measure="专人定时巡查",
        ticket_level="red"))
    assert listed["ticket_no"].startswith("JZDB")
    numbers = {t["ticket_no"] for t in sv.list_tickets(city.rt, city.actor("supervisor"), {})["items"]}
    assert numbers == {manual["ticket_no"], auto[0]["ticket_no"], listed["ticket_no"]}
    assert not any(n.startswith("~") for n in numbers)


@pytest.mark.parametrize("in_chunk", [None, 3])
def test_the_listed_board_reads_all_places_reports_at_once_and_matches_a_recount(
        city: City, clock, in_chunk: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three listed places (two categories, listed on different days, one place 3 km away): the board
    reads the reports of every place in one statement (not one per place), and each place's new reports
    are exactly those an independent recount finds: same category, within the radius (own haversine),
    reported after the place was listed, not voided, rejected or merged. With a few cells per statement
    (as past SQLite's parameter limit), the same reports in several statements."""
    import math

    from citysteward.supervision.store import hotspots as hotspot_store

    if in_chunk is not None:
        monkeypatch.setattr(hotspot_store, "IN_CHUNK", in_chunk)

    from sqlalchemy import event, text

    metre = 1 / 111_000
    px, py = grid_point(1, 3)
    qx, qy = grid_point(2, 8)  # about 3 km away
    boss = city.actor("supervisor")

    def listing(category: str, lon: float, lat: float) -> int:
        return int(hotspots.list_hotspot(city.rt, boss, hotspots.ListingInput(
            category_code=category, lon=lon, lat=lat, owner_unit_id=city.units["street"], measure="专人盯守",
            address="民主路"))["id"])

    garbage(city, px + 5 * metre, py, close=False)  # before any listing: not a recurrence
    clock.advance(hours=1)
    a = listing(GARBAGE, px, py)
    clock.advance(days=1)
    garbage(city, px + 20 * metre, py, close=False)  # A's
    garbage(city, qx, qy + 10 * metre, close=False)  # near B, before B was listed
    garbage(city, px, py, category=SEWER_COVER, close=False)  # near C, before C was listed
    clock.advance(hours=1)
    b = listing(GARBAGE, qx, qy)
    c = listing(SEWER_COVER, px, py)
    clock.advance(days=1)
    garbage(city, qx - 15 * metre, qy, close=False)  # B's
    garbage(city, px - 10 * metre, py, category=SEWER_COVER, close=False)  # C's
    garbage(city, px + 400 * metre, py, close=False)  # nobody's: outside every radius
    clock.advance(days=1)

    engine = city.rt.uow.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        board = {row["id"]: row for row in hotspots.listed(city.rt, None, boss)}
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    reads = sum(" cases." in s and "hotspots" not in s for s in statements)
    assert reads == 1 if in_chunk is None else reads > 3, statements  # three places hold more than 9 cells

    def haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
        p1, p2 = math.radians(lat1), math.radians(lat2)
        h = (math.sin((p2 - p1) / 2) ** 2
             + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
        return 2 * 6_371_000 * math.asin(math.sqrt(h))

    with engine.connect() as conn:
        every_case = conn.execute(text("SELECT case_no, category_code, lon, lat, reported_at, state FROM cases")).all()
        places = conn.execute(text("SELECT id, category_code, lon, lat, radius_m, listed_at FROM hotspots")).all()
    assert {p.id for p in places} == {a, b, c} == set(board)

    def utc(t: Any) -> datetime:
        t = datetime.fromisoformat(t) if isinstance(t, str) else t
        return t if t.tzinfo else t.replace(tzinfo=UTC)

    for p in places:
        recount = sorted(k.case_no for k in every_case if k.category_code == p.category_code
                         and utc(k.reported_at) > utc(p.listed_at)
                         and k.state not in ("voided", "rejected", "merged")
                         and haversine(p.lon, p.lat, k.lon, k.lat) <= p.radius_m)
        assert sorted(r["case_no"] for r in board[p.id]["new_reports"]) == recount
        assert len(recount) == 1  # each place has exactly one, so a mix-up between places would show
