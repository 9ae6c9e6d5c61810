"""Deadlines (处置期限), suspension (挂账), extension (延期) and timer lights (计时灯)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from citysteward.kernel.calendar import WorkCalendar
from citysteward.kernel.calendar_seed import calendar_from_chinesecalendar
from citysteward.kernel.deadlines import (
    LIGHT_THRESHOLDS,
    Light,
    clock_for,
    deadline_for,
    extend,
    limit_minutes,
    shift_for_suspension,
    timer_light,
)
from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.timelimit import LimitUnit, TimeLimit

SH = ZoneInfo("Asia/Shanghai")
CAL = calendar_from_chinesecalendar([2025, 2026])
NO_YEARS = WorkCalendar(loaded_years=())

FOUR_WORKING_HOURS = TimeLimit(4, LimitUnit.WORKING_HOURS)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


# --- deadlines ---------------------------------------------------------------------------------


def test_working_hours_deadline_skips_the_national_day_holiday() -> None:
    due = deadline_for(at(2026, 9, 30, 16), FOUR_WORKING_HOURS, CAL)
    assert due == at(2026, 10, 8, 10, 30)
    assert due.tzinfo is UTC


def test_working_days_deadline_lands_at_the_same_time_on_a_later_working_day() -> None:
    assert deadline_for(at(2026, 9, 15, 10), TimeLimit(1, LimitUnit.WORKING_DAYS), CAL) == at(2026, 9, 16, 10)
    assert deadline_for(at(2026, 9, 30, 10), TimeLimit(1, LimitUnit.WORKING_DAYS), CAL) == at(2026, 10, 8, 10)


def test_natural_hours_ignore_the_calendar() -> None:
    limit = TimeLimit(36, LimitUnit.NATURAL_HOURS)
    assert deadline_for(at(2026, 9, 30, 16), limit, CAL) == at(2026, 10, 2, 4)
    # No year loaded at all: natural time still works.
    assert deadline_for(at(2030, 10, 1, 16), limit, NO_YEARS) == at(2030, 10, 3, 4)


def test_limit_minutes_are_measured_on_the_limits_own_clock() -> None:
    start = at(2026, 9, 30, 16)
    assert limit_minutes(start, deadline_for(start, FOUR_WORKING_HOURS, CAL), FOUR_WORKING_HOURS, CAL) == 240
    natural = TimeLimit(36, LimitUnit.NATURAL_HOURS)
    assert limit_minutes(start, deadline_for(start, natural, CAL), natural, CAL) == 36 * 60
    one_day = TimeLimit(1, LimitUnit.WORKING_DAYS)
    assert limit_minutes(start, deadline_for(start, one_day, CAL), one_day, CAL) == 420


def test_a_limit_starting_at_night_is_not_shortened() -> None:
    start = at(2026, 9, 15, 20)
    due = deadline_for(start, FOUR_WORKING_HOURS, CAL)
    assert due == at(2026, 9, 16, 15)
    assert limit_minutes(start, due, FOUR_WORKING_HOURS, CAL) == 240


def test_clock_follows_the_unit() -> None:
    assert clock_for(TimeLimit(6, LimitUnit.NATURAL_HOURS)) == "natural"
    assert clock_for(FOUR_WORKING_HOURS) == "working"
    assert clock_for(TimeLimit(7, LimitUnit.WORKING_DAYS)) == "working"


# --- suspension and extension ------------------------------------------------------------------


def test_suspension_stops_the_clock() -> None:
    # Suspended 09-30 17:00, resumed 10-08 09:00: 60 + 30 working minutes passed, holiday in between.
    deadline = at(2026, 10, 8, 10, 30)
    shifted = shift_for_suspension(deadline, at(2026, 9, 30, 17), at(2026, 10, 8, 9), "working", CAL)
    assert shifted == at(2026, 10, 8, 12)


def test_suspension_outside_work_hours_moves_nothing_on_the_working_clock() -> None:
    deadline = at(2026, 9, 16, 15)
    assert shift_for_suspension(deadline, at(2026, 9, 15, 19), at(2026, 9, 16, 7), "working", CAL) == deadline
    assert (
        shift_for_suspension(deadline, at(2026, 9, 15, 19), at(2026, 9, 15, 19), "working", CAL) == deadline
    )


def test_suspension_on_the_natural_clock_moves_by_wall_time() -> None:
    deadline = at(2026, 10, 2, 4)
    shifted = shift_for_suspension(deadline, at(2026, 9, 30, 20), at(2026, 10, 1, 20), "natural", CAL)
    assert shifted == deadline + timedelta(hours=24)


def test_resuming_before_suspending_is_refused() -> None:
    with pytest.raises(InvalidInput):
        shift_for_suspension(at(2026, 9, 16, 15), at(2026, 9, 15, 12), at(2026, 9, 15, 11), "working", CAL)


def test_extension_moves_the_deadline() -> None:
    deadline = at(2026, 10, 8, 10, 30)
    assert extend(deadline, TimeLimit(1, LimitUnit.WORKING_DAYS), CAL) == at(2026, 10, 9, 10, 30)
    # 10:30–12:00 is 90 minutes, the other 30 after lunch.
    assert extend(deadline, TimeLimit(2, LimitUnit.WORKING_HOURS), CAL) == at(2026, 10, 8, 15)
    assert extend(deadline, TimeLimit(12, LimitUnit.NATURAL_HOURS), CAL) == at(2026, 10, 8, 22, 30)


# --- timer lights ------------------------------------------------------------------------------

# Tuesday 08:30 with 4 working hours: 08:30–12:00 (210 min) + 30 min → due 15:00.
START = at(2026, 9, 15, 8, 30)
DUE = deadline_for(START, FOUR_WORKING_HOURS, CAL)


def light_at(now: datetime) -> Light:
    return timer_light(now, DUE, limit_minutes(START, DUE, FOUR_WORKING_HOURS, CAL), "working", CAL)


def test_timer_light_is_green_at_half_yellow_at_ninety_and_red_past_the_limit() -> None:
    assert DUE == at(2026, 9, 15, 15)
    assert light_at(at(2026, 9, 15, 10, 30)) is Light.GREEN  # 120/240 = 50%
    assert light_at(at(2026, 9, 15, 14, 36)) is Light.YELLOW  # 216/240 = 90%
    assert light_at(at(2026, 9, 15, 15, 24)) is Light.RED  # 264/240 = 110%


def test_timer_light_boundaries_are_inclusive() -> None:
    assert light_at(at(2026, 9, 15, 11, 42)) is Light.GREEN  # exactly 80%
    assert light_at(DUE) is Light.YELLOW  # exactly 100%


def test_the_lunch_break_does_not_advance_the_light() -> None:
    assert light_at(at(2026, 9, 15, 12)) is light_at(at(2026, 9, 15, 14, 29)) is Light.YELLOW


def test_a_night_before_the_deadline_does_not_turn_the_light_red() -> None:
    start = at(2026, 9, 15, 16)
    due = deadline_for(start, FOUR_WORKING_HOURS, CAL)  # 2h today, 2h tomorrow → 10:30
    total = limit_minutes(start, due, FOUR_WORKING_HOURS, CAL)
    assert timer_light(at(2026, 9, 15, 23), due, total, "working", CAL) is Light.GREEN  # 50%


def test_timer_light_on_the_natural_clock() -> None:
    start = at(2026, 10, 1)
    due = start + timedelta(hours=10)
    assert timer_light(at(2026, 10, 1, 5), due, 600, "natural", CAL) is Light.GREEN
    assert timer_light(at(2026, 10, 1, 9), due, 600, "natural", CAL) is Light.YELLOW
    assert timer_light(at(2026, 10, 1, 11), due, 600, "natural", CAL) is Light.RED


def test_lights_carry_chinese_labels_and_colours() -> None:
    assert [(light.value, light.label) for light in Light] == [
        ("green", "绿灯"),
        ("yellow", "黄灯"),
        ("red", "红灯"),
    ]
    assert all(light.colour.startswith("#") and len(light.colour) == 7 for light in Light)
    assert LIGHT_THRESHOLDS == ((0.8, Light.GREEN), (1.0, Light.YELLOW))


def test_a_zero_total_is_refused() -> None:
    with pytest.raises(InvalidInput):
        timer_light(START, DUE, 0, "working", CAL)
