"""Deadlines (处置期限) and timer lights (计时灯: 绿灯/黄灯/红灯).

A handling limit (处置时限) turns into a deadline on the working calendar (working hours, working
days) or on the wall clock (natural hours, for urgent items). Suspension (挂账) stops the clock,
extension (延期) adds time, and the timer light tells how much of the limit has been used.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta
from typing import Literal

from citysteward.kernel.calendar import WorkCalendar
from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.timelimit import LimitUnit, TimeLimit

Clock = Literal["working", "natural"]


def clock_for(limit: TimeLimit) -> Clock:
    """Which clock a limit runs on: natural hours ignore the calendar, the rest follow it."""
    return "natural" if limit.unit is LimitUnit.NATURAL_HOURS else "working"


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("时间必须带时区", {"value": moment.isoformat()})
    return moment.astimezone(UTC)


def deadline_for(start: datetime, limit: TimeLimit, calendar: WorkCalendar) -> datetime:
    """The deadline (UTC) of a limit that starts running at `start`."""
    if limit.unit is LimitUnit.NATURAL_HOURS:
        return _aware(start) + timedelta(hours=limit.amount)
    if limit.unit is LimitUnit.WORKING_HOURS:
        return calendar.add_working_minutes(start, limit.amount * 60)
    return calendar.add_working_days(start, limit.amount)


def elapsed_minutes(a: datetime, b: datetime, clock: Clock, calendar: WorkCalendar) -> float:
    """Minutes from a to b on the given clock; 0 when b <= a."""
    if clock == "natural":
        return max(0.0, (_aware(b) - _aware(a)).total_seconds() / 60)
    return calendar.working_minutes_between(a, b)


def limit_minutes(start: datetime, deadline: datetime, limit: TimeLimit, calendar: WorkCalendar) -> float:
    """Size of the limit in its own clock, measured between start and deadline.

    Measured rather than taken from limit.amount so that it stays right when the deadline was
    moved by an extension or a suspension, and so that a start outside work hours (which only
    begins counting at the next period) is not penalised.
    """
    return elapsed_minutes(start, deadline, clock_for(limit), calendar)


class Light(enum.StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def label(self) -> str:
        return {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}[self.value]

    @property
    def colour(self) -> str:
        return {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828"}[self.value]


# Upper bound of the used fraction (inclusive) → light; anything beyond the last bound is red.
LIGHT_THRESHOLDS: tuple[tuple[float, Light], ...] = ((0.8, Light.GREEN), (1.0, Light.YELLOW))


def timer_light(
    now: datetime, deadline: datetime, total_minutes: float, clock: Clock, calendar: WorkCalendar
) -> Light:
    """Green while ≤ 80% of the limit is used, yellow up to 100%, red once the deadline has passed.

    Used fraction = 1 − remaining/total, with remaining counted on the limit's clock, so nights
    and holidays do not turn a working-time case yellow.
    """
    if not total_minutes > 0:
        raise InvalidInput("时限总长必须大于 0", {"total_minutes": total_minutes})
    if _aware(now) > _aware(deadline):
        return Light.RED
    remaining = elapsed_minutes(now, deadline, clock, calendar)
    used = 1 - remaining / total_minutes
    for bound, light in LIGHT_THRESHOLDS:
        if used <= bound:
            return light
    return Light.RED


def shift_for_suspension(
    deadline: datetime, suspended_at: datetime, resumed_at: datetime, clock: Clock, calendar: WorkCalendar
) -> datetime:
    """挂账 stops the clock: the deadline moves later by the time (on the limit's clock) that passed
    while the case was suspended."""
    if _aware(resumed_at) < _aware(suspended_at):
        raise InvalidInput("恢复时间不能早于挂账时间")
    paused = elapsed_minutes(suspended_at, resumed_at, clock, calendar)
    if clock == "natural":
        return _aware(deadline) + timedelta(minutes=paused)
    return calendar.add_working_minutes(deadline, paused)


def extend(deadline: datetime, extra: TimeLimit, calendar: WorkCalendar) -> datetime:
    """延期 adds `extra` to the current deadline, counted on extra's own clock."""
    return deadline_for(deadline, extra, calendar)
