"""The inspector's day through the services, on SQLite and PostgreSQL: clock in, a patrol across three
grids posted in batches (one resent), the summary recounted independently, tasks with their lights and
reassignment, figures, retention."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from citysteward.cases.domain.model import Action
from citysteward.kernel import geo
from citysteward.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from citysteward.patrols.services import field, figures, setup, tasks
from tests.builders.cases import act, report
from tests.conftest import ORIGIN, City, FakeClock
from tests.patrols.conftest import centre, grid, walk


def grid_of(lon: float, lat: float) -> str | None:
    """The synthetic city's grid by arithmetic (tests/conftest.py: 2 communities × 4 rows × 2 columns)."""
    dx, dy = lon - ORIGIN[0], ORIGIN[1] + 0.04 - lat
    if not (0 <= dx < 0.04 and 0 < dy <= 0.04):
        return None
    community, col, row = int(dx // 0.02) + 1, int((dx % 0.02) // 0.01), int(dy // 0.01)
    return grid(community, row * 2 + col + 1)


def recount(points: list[dict], own: set[str]) -> dict:
    """Distance, minutes in own grids and grids visited, straight from the points."""
    distance = own_s = 0.0
    grids = set()
    for a, b in zip(points, points[1:], strict=False):
        g = grid_of(a["lon"], a["lat"])
        distance += geo.haversine_m(a["lon"], a["lat"], b["lon"], b["lat"])
        if g in own:
            own_s += b["t"] - a["t"]
    for p in points:
        grids.add(grid_of(p["lon"], p["lat"]))
    return {"distance": distance, "own_minutes": own_s / 60, "grids": grids - {None}}


def a_route(clock: FakeClock) -> list[dict]:
    y = centre(1, 1)[1] + 0.0011
    a, b, c = (113.2037, y), (113.2171, y), (113.2251, y)
    legs = [walk(a, b, clock.now), ]
    for start, end in ((b, a), (a, b), (b, c)):
        t = legs[-1][-1]["t"] + 10
        legs.append(walk(start, end, clock.now + timedelta(seconds=t - legs[0][0]["t"]))[1:])
    return [p for leg in legs for p in leg]


def test_a_patrol_across_three_grids_is_summarised_exactly(duty: City, clock: FakeClock):
    rt, me = duty.rt, duty.actor("inspector")
    with pytest.raises(Conflict):
        field.start_patrol(rt, me)  # not clocked in yet
    field.clock(rt, me, "in", *centre(1, 1))
    with pytest.raises(Conflict):
        field.clock(rt, me, "in", *centre(1, 1))
    started = field.start_patrol(rt, me)
    assert started["own_grids"] == [grid(1, 1), grid(1, 2)]
    points = a_route(clock)
    batches = [points[i:i + 40] for i in range(0, len(points), 40)]
    results = [field.post_track(rt, me, started["patrol_id"], seq, b) for seq, b in enumerate(batches)]
    assert all(r["stored"] for r in results)
    again = field.post_track(rt, me, started["patrol_id"], 1, batches[1])  # the phone lost the answer: resent
    assert again["stored"] is False
    clock.advance(seconds=points[-1]["t"] - points[0]["t"])
    live = field.my_day(rt, me)
    assert live["patrol"]["points"] == len(points)
    ended = field.end_patrol(rt, me, started["patrol_id"])
    expected = recount(points, {grid(1, 1), grid(1, 2)})
    assert set(ended["grids"]) == expected["grids"] == {grid(1, 1), grid(1, 2), grid(2, 1)}
    assert ended["points"] == len(points)
    assert ended["distance_m"] == pytest.approx(expected["distance"], abs=1)
    assert ended["own_minutes"] == pytest.approx(expected["own_minutes"], abs=0.02)
    assert ended["effective"] is (expected["own_minutes"] >= 30 and expected["distance"] >= 500)
    with pytest.raises(Conflict):
        field.end_patrol(rt, me, started["patrol_id"])
    out = field.clock(rt, me, "out", *centre(2, 1))
    assert out["ended_patrol"] is None and out["grid_code"] == grid(2, 1)

    cover = figures.coverage(rt, duty.actor("leader"), clock.now.astimezone(rt.settings.tz).date())
    assert set(cover["visited"]) == expected["grids"]
    assert set(cover["not_visited"]) == {f["properties"]["code"] for f in cover["grids"]["features"]} - expected["grids"]
    assert len(cover["tracks"]["features"]) == 1
    assert len(cover["tracks"]["features"][0]["geometry"]["coordinates"]) == len(points)


def test_a_late_batch_after_the_end_is_counted(duty: City, clock: FakeClock):
    rt, me = duty.rt, duty.actor("inspector")
    field.clock(rt, me, "in")
    pid = field.start_patrol(rt, me)["patrol_id"]
    points = walk(centre(1, 1), centre(1, 2), clock.now)
    field.post_track(rt, me, pid, 0, points[:10])
    first = field.end_patrol(rt, me, pid)
    assert first["grids"] == [grid(1, 1)]
    late = field.post_track(rt, me, pid, 1, points[10:])
    assert late["stored"]
    day = clock.now.astimezone(rt.settings.tz).date()
    table = figures.figures(rt, me, figures.period_of(rt, day.isoformat()), "inspector")
    assert table["rows"][0]["counts"]["grids_visited"] == 2


def test_only_the_inspector_posts_his_own_track(duty: City):
    rt, me = duty.rt, duty.actor("inspector")
    field.clock(rt, me, "in")
    pid = field.start_patrol(rt, me)["patrol_id"]
    with pytest.raises(NotFound):
        field.post_track(rt, duty.actor("inspector2"), pid, 0, [{"t": 1_800_000_000, "lon": 113.2, "lat": 35.2}])
    with pytest.raises(Forbidden):
        field.clock(rt, duty.actor("leader"), "in")
    with pytest.raises(InvalidInput):
        field.post_track(rt, me, pid, 0, [{"t": 1_800_000_000, "lon": 999, "lat": 35.2}])
    with pytest.raises(Conflict):
        field.start_patrol(rt, me)  # one open patrol at a time


def test_tasks_go_to_the_inspector_on_duty_then_the_street_and_follow_a_reassignment(duty: City, clock: FakeClock):
    rt = duty.rt
    wang, liu = duty.actor("inspector"), duty.actor("inspector2")
    mine = report(duty, who="hotline", community=1, seq=1)
    act(duty, "acceptor", mine, Action.ACCEPT)
    elsewhere = report(duty, who="hotline", community=2, seq=3)
    act(duty, "acceptor", elsewhere, Action.ACCEPT)
    wang_tasks = tasks.my_tasks(rt, wang, *centre(1, 1))
    assert [(t["case_no"], t["kind"], t["reason"], t["light"]) for t in wang_tasks] == [
        (mine, "verify", "当班责任网格", "green")]
    assert [(t["case_no"], t["reason"]) for t in tasks.my_tasks(rt, liu)] == [(elsewhere, "街道监督员")]
    clock.advance(minutes=100)  # 100 of 120 minutes: past 80 %
    assert tasks.my_tasks(rt, wang)[0]["light"] == "yellow"
    clock.advance(minutes=21)
    assert tasks.my_tasks(rt, wang)[0]["light"] == "red"
    with pytest.raises(Forbidden):
        setup.reassign(rt, wang, mine, duty.users["inspector2"]["id"])
    setup.reassign(rt, duty.actor("leader"), mine, duty.users["inspector2"]["id"], "老王请假")
    assert tasks.my_tasks(rt, wang) == []
    near = tasks.my_tasks(rt, liu, *centre(1, 1))
    assert [t["case_no"] for t in near] == [mine, elsewhere]  # nearest first
    assert near[0]["reason"] == "值班长改派" and near[0]["distance_m"] < near[1]["distance_m"]
    act(duty, "inspector2", mine, Action.VERIFY)
    assert [t["case_no"] for t in tasks.my_tasks(rt, liu)] == [elsewhere]
    board = tasks.all_tasks(rt, duty.actor("leader"))
    assert [(t["case_no"], t["assignee_names"]) for t in board] == [(elsewhere, ["监督员小刘"])]


def test_a_handled_case_is_checked_by_the_inspector_on_duty(duty: City, clock: FakeClock):
    from tests.builders.cases import dispatched

    case_no = report(duty, community=1, seq=2)
    dispatched(duty, case_no)
    act(duty, "facility", case_no, Action.HANDLE, note="已更换井盖")
    found = tasks.my_tasks(duty.rt, duty.actor("inspector"))
    assert [(t["case_no"], t["kind"], t["kind_label"]) for t in found] == [(case_no, "check", "核查")]
    clock.advance(minutes=30)
    act(duty, "inspector", case_no, Action.CHECK_PASS)
    day = clock.now.astimezone(duty.rt.settings.tz).date()
    table = figures.figures(duty.rt, duty.actor("leader"), figures.period_of(duty.rt, day.isoformat()), "inspector")
    row = next(r for r in table["rows"] if r["key"] == duty.users["inspector"]["id"])
    assert (row["counts"]["checked"], row["counts"]["checked_on_time"], row["rates"]["on_time_check_rate"]) == (1, 1, 100.0)


def test_roster_and_bindings_refuse_what_does_not_exist(duty: City):
    rt, leader = duty.rt, duty.actor("leader")
    day = rt.now().date()
    with pytest.raises(InvalidInput):
        setup.bind(rt, leader, duty.users["inspector"]["id"], ["410802001009009"])
    with pytest.raises(NotFound):
        setup.bind(rt, leader, duty.users["hotline"]["id"], [grid(1, 1)])
    with pytest.raises(InvalidInput):
        setup.put_roster(rt, leader, [setup.RosterInput(duty.users["inspector"]["id"], day, "night")])
    with pytest.raises(Forbidden):
        setup.put_roster(rt, duty.actor("inspector"), [setup.RosterInput(duty.users["inspector"]["id"], day, "early")])
    entries = setup.roster(rt, leader, day, day)
    assert [(e["name"], e["shift_label"], e["passes"]) for e in entries] == [("监督员老王", "早班", 2)]
    setup.put_roster(rt, leader, [setup.RosterInput(duty.users["inspector"]["id"], day, "early", (grid(1, 1),), 3)])
    assert [(e["grid_codes"], e["passes"]) for e in setup.roster(rt, leader, day, day)] == [([grid(1, 1)], 3)]
    setup.delete_roster(rt, leader, entries[0]["id"])
    assert setup.roster(rt, leader, day, day) == []


def test_raw_points_are_purged_after_the_retention_and_the_summary_stays(duty: City, clock: FakeClock):
    rt, me = duty.rt, duty.actor("inspector")
    field.clock(rt, me, "in")
    pid = field.start_patrol(rt, me)["patrol_id"]
    field.post_track(rt, me, pid, 0, walk(centre(1, 1), centre(1, 2), clock.now))
    summary = field.end_patrol(rt, me, pid)
    clock.advance(days=89)
    assert field.purge_tracks(rt) == 0
    clock.advance(days=2)
    assert field.purge_tracks(rt) == 1
    day = (clock.now - timedelta(days=91)).astimezone(rt.settings.tz).date()
    table = figures.figures(rt, duty.actor("leader"), figures.period_of(rt, day.isoformat()), "total")
    assert table["total"]["counts"]["patrols"] == 1
    assert table["total"]["counts"]["km"] == pytest.approx(summary["distance_m"] / 1000, abs=0.01)
    assert math.isclose(summary["distance_m"], 910, rel_tol=0.02)


def test_the_board_shows_a_task_nobody_holds(city: City):
    case_no = report(city, who="hotline", community=2, seq=8)
    act(city, "acceptor", case_no, Action.ACCEPT)
    board = tasks.all_tasks(city.rt, city.actor("leader"))
    assert [(t["case_no"], t["assignees"], t["reason"]) for t in board] == [(case_no, [], "街道监督员")]
    assert tasks.my_tasks(city.rt, city.actor("inspector")) == []
