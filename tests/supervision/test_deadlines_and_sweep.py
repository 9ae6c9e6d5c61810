"""Deadlines in working time through the services, timer lights and the idempotent sweep."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from citysteward.cases.domain.ledger import CaseFilter
from citysteward.cases.domain.model import Action
from citysteward.cases.services import actions as cases
from citysteward.cases.services import intake
from citysteward.cases.services.actions import ActionInput
from citysteward.kernel.deadlines import Light
from citysteward.supervision.services.sweep import sweep
from citysteward.worktime.services import readiness
from tests.conftest import City, FakeClock, grid_point

LOCAL = ZoneInfo("Asia/Shanghai")
GARBAGE = "06010"  # 暴露垃圾: 4 working hours


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL).astimezone(UTC)


def dispatched_case(city: City, clock: FakeClock, at: datetime) -> str:
    clock.set(at)
    lon, lat = grid_point(2, 2)
    r = intake.report_case(city.rt, intake.ReportInput(category_code=GARBAGE, description="暴露垃圾", lon=lon, lat=lat),
                           city.actor("inspector"))
    cases.perform_action(city.rt, r.case_no, Action.REGISTER, city.actor("acceptor"), ActionInput(version=1))
    cases.perform_action(city.rt, r.case_no, Action.DISPATCH, city.actor("dispatcher"),
                         ActionInput(version=2, unit_id=city.units["sanitation"]))
    return r.case_no


def test_national_day_holiday_is_skipped_and_make_up_days_count(city: City, clock: FakeClock) -> None:
    case_no = dispatched_case(city, clock, local(2026, 9, 30, 16, 0))
    detail = cases.case_detail(city.rt, case_no, city.actor("dispatcher"))
    # 2 h on 09-30 (16:00-18:00), 10-01..10-07 off, 2 h more on 10-08 from 08:30.
    assert detail.deadline == local(2026, 10, 8, 10, 30)
    case_no = dispatched_case(city, clock, local(2026, 9, 19, 10, 0))  # Saturday: counting starts on make-up Sunday
    assert cases.case_detail(city.rt, case_no, city.actor("dispatcher")).deadline == local(2026, 9, 20, 15, 0)


def test_lights_turn_yellow_then_red_and_the_sweep_is_idempotent(city: City, clock: FakeClock) -> None:
    case_no = dispatched_case(city, clock, local(2026, 11, 17, 8, 30))  # due 14:30 + 0.5 h = 15:00 local
    view = cases.case_detail(city.rt, case_no, city.actor("dispatcher"))
    assert view.deadline == local(2026, 11, 17, 15, 0) and view.light == "green"
    clock.set(local(2026, 11, 17, 14, 45))  # 3.75 of 4 hours used
    first = sweep(city.rt)
    assert first.changed == 1 and first.overdue == 0
    assert cases.case_detail(city.rt, case_no, city.actor("dispatcher")).light == "yellow"
    assert sweep(city.rt).changed == 0
    clock.set(local(2026, 11, 17, 15, 1))
    assert sweep(city.rt).overdue == 1
    again = sweep(city.rt)
    assert again.overdue == 0 and again.changed == 0
    view = cases.case_detail(city.rt, case_no, city.actor("dispatcher"))
    assert view.light == "red" and view.overdue is True
    assert [e.action for e in view.timeline].count("overdue") == 1
    listed = cases.list_cases(city.rt, city.actor("leader"), CaseFilter(lights=(Light.RED,)))
    assert [i["case_no"] for i in listed["items"]] == [case_no]


def test_handling_after_the_deadline_is_recorded_as_late(city: City, clock: FakeClock) -> None:
    case_no = dispatched_case(city, clock, local(2026, 11, 17, 8, 30))
    clock.set(local(2026, 11, 18, 9, 0))
    cases.perform_action(city.rt, case_no, Action.HANDLE, city.actor("sanitation"), ActionInput(version=3, note="已清理"))
    view = cases.case_detail(city.rt, case_no, city.actor("dispatcher"))
    assert view.handled_on_time is False and view.timeline[-1].payload["on_time"] is False


def test_calendar_readiness_warns_before_the_year_runs_out(city: City, clock: FakeClock) -> None:
    clock.set(local(2026, 6, 1, 9, 0))
    assert readiness(city.rt) == []
    clock.set(local(2026, 11, 22, 9, 0))
    warnings = readiness(city.rt)
    assert len(warnings) == 1 and "2027" in warnings[0] and "import-calendar" in warnings[0]
