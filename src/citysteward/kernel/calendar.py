"""Working calendar (工作日历): work periods (作息时间), seasonal timetables (夏令/冬令作息),
public holidays (法定节假日) and make-up workdays (调休上班).

Handling limits (处置时限) are counted in working time, so every deadline needs to know which
minutes of which days are worked. The calendar is data: the holidays of a year come either from the
`chinese_calendar` package (see calendar_seed) or from an administrator's import, and a year that
was never loaded is refused rather than guessed (CalendarMissing).

Instants crossing this module are timezone-aware datetimes (results are UTC); work periods are
wall-clock times in the city's timezone (Asia/Shanghai by default).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

from citysteward.kernel.errors import CalendarMissing, InvalidInput

OverrideKind = Literal["holiday", "workday"]

CITY_TZ = ZoneInfo("Asia/Shanghai")
MON_TO_FRI: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # date.weekday() numbering

_MD_RE = re.compile(r"(\d{2})-(\d{2})")
_PERIOD_RE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*[-–~～至]\s*(\d{1,2}):(\d{2})\s*")


@dataclass(frozen=True, slots=True)
class WorkPeriod:
    """One stretch of work within a day (e.g. 08:30–12:00), local wall-clock times."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise InvalidInput(
                f"作息时段的开始时间必须早于结束时间：{self.start:%H:%M}-{self.end:%H:%M}",
                {"start": self.start.isoformat(), "end": self.end.isoformat()},
            )

    @property
    def minutes(self) -> float:
        return (_seconds(self.end) - _seconds(self.start)) / 60

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _seconds(t: time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6


def _check_periods(periods: tuple[WorkPeriod, ...]) -> tuple[WorkPeriod, ...]:
    """Sort and refuse overlaps: an overlap would count the same minute twice."""
    if not periods:
        raise InvalidInput("作息时间表至少需要一个工作时段")
    ordered = tuple(sorted(periods, key=lambda p: p.start))
    for prev, nxt in itertools.pairwise(ordered):
        if nxt.start < prev.end:
            raise InvalidInput(f"作息时段重叠：{prev} 与 {nxt}", {"periods": [str(p) for p in ordered]})
    return ordered


def parse_periods(text: str) -> tuple[WorkPeriod, ...]:
    """Parse '08:30-12:00,14:30-18:00' (Chinese commas and '至' accepted) into sorted periods."""
    parts = [p for p in re.split(r"[,，;；]", text or "") if p.strip()]
    if not parts:
        raise InvalidInput("作息时段不能为空，格式如 08:30-12:00,14:30-18:00", {"text": text})
    periods = []
    for part in parts:
        m = _PERIOD_RE.fullmatch(part)
        if not m:
            raise InvalidInput(f"无法识别的作息时段：{part.strip()}（格式如 08:30-12:00）", {"text": text})
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise InvalidInput(f"作息时段中的时间无效：{part.strip()}", {"text": text})
        periods.append(WorkPeriod(time(h1, m1), time(h2, m2)))
    return _check_periods(tuple(periods))


@functools.lru_cache(maxsize=64)  # a handful of distinct boundaries, asked for on every day lookup
def _parse_md(md: str) -> tuple[int, int]:
    m = _MD_RE.fullmatch(md or "")
    if not m:
        raise InvalidInput(f"作息时间表的起止日期格式应为 MM-DD：{md}", {"value": md})
    month, day = int(m.group(1)), int(m.group(2))
    try:
        date(2000, month, day)  # a leap year, so that 02-29 is a valid boundary
    except ValueError as exc:
        raise InvalidInput(f"作息时间表的起止日期无效：{md}", {"value": md}) from exc
    return month, day


@dataclass(frozen=True, slots=True)
class WorkSchedule:
    """A seasonal timetable, valid each year from start_md to end_md inclusive.

    A range whose end precedes its start wraps the year end: '10-01'..'04-30' is the winter timetable.
    """

    name: str
    start_md: str
    end_md: str
    periods: tuple[WorkPeriod, ...]
    weekdays: frozenset[int] = field(default=MON_TO_FRI)

    def __post_init__(self) -> None:
        _parse_md(self.start_md)
        _parse_md(self.end_md)
        object.__setattr__(self, "periods", _check_periods(tuple(self.periods)))
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        if not self.weekdays <= set(range(7)):
            raise InvalidInput("工作日只能是 0（周一）到 6（周日）", {"weekdays": sorted(self.weekdays)})

    def covers(self, d: date) -> bool:
        start, end, md = _parse_md(self.start_md), _parse_md(self.end_md), (d.month, d.day)
        if start <= end:
            return start <= md <= end
        return md >= start or md <= end

    @property
    def day_minutes(self) -> float:
        """Minutes of one full working day under this timetable."""
        return sum(p.minutes for p in self.periods)


DEFAULT_SCHEDULES: tuple[WorkSchedule, ...] = (
    WorkSchedule("全年作息", "01-01", "12-31", parse_periods("08:30-12:00,14:30-18:00")),
)


@dataclass(frozen=True, slots=True)
class DayOverride:
    """A public holiday (day off) or a make-up workday (调休上班: a weekend day that is worked)."""

    day: date
    kind: OverrideKind
    name: str

    def __post_init__(self) -> None:
        if self.kind not in ("holiday", "workday"):
            raise InvalidInput(
                f"日历类型只能是 holiday 或 workday：{self.kind}", {"day": self.day.isoformat()}
            )


@functools.lru_cache(maxsize=32)  # calendars are rebuilt often from the same few timetables
def _coverage_problem(schedules: tuple[WorkSchedule, ...]) -> tuple[str, dict[str, str]] | None:
    d = date(2000, 1, 1)  # leap year: 02-29 must be covered too
    while d.year == 2000:
        names = [s.name for s in schedules if s.covers(d)]
        if len(names) != 1:
            md = d.strftime("%m-%d")
            if not names:
                return f"作息时间表没有覆盖 {md}", {"day": md}
            return f"作息时间表在 {md} 重叠：{'、'.join(names)}", {"day": md}
        d += timedelta(days=1)
    return None


class WorkCalendar:
    """Answers which minutes are worked, and counts working time between instants.

    Per-day period lists are cached on the instance, so one calendar can serve many deadline
    computations; build a new calendar when the administrator edits schedules or overrides.
    """

    def __init__(
        self,
        schedules: Iterable[WorkSchedule] = DEFAULT_SCHEDULES,
        overrides: Mapping[date, DayOverride] | None = None,
        loaded_years: Iterable[int] = frozenset(),
        tz: tzinfo = CITY_TZ,
    ) -> None:
        self.schedules: tuple[WorkSchedule, ...] = tuple(schedules)
        self.overrides: Mapping[date, DayOverride] = MappingProxyType(dict(overrides or {}))
        self.loaded_years: frozenset[int] = frozenset(loaded_years)
        self.tz = tz
        for key, ov in self.overrides.items():
            if key != ov.day:
                raise InvalidInput(f"日历条目的日期不一致：{key} / {ov.day}")
        self._check_schedule_coverage()
        self._periods: dict[date, tuple[WorkPeriod, ...]] = {}
        self._intervals: dict[date, tuple[tuple[datetime, datetime], ...]] = {}
        self._day_total: dict[date, float] = {}

    @classmethod
    def from_overrides(
        cls,
        overrides: Iterable[DayOverride],
        loaded_years: Iterable[int],
        schedules: Iterable[WorkSchedule] = DEFAULT_SCHEDULES,
        tz: tzinfo = CITY_TZ,
    ) -> WorkCalendar:
        by_day: dict[date, DayOverride] = {}
        for ov in overrides:
            if ov.day in by_day and by_day[ov.day] != ov:
                raise InvalidInput(f"{ov.day.isoformat()} 在日历中出现了两次且内容不同")
            by_day[ov.day] = ov
        return cls(schedules, by_day, loaded_years, tz)

    def _check_schedule_coverage(self) -> None:
        """Every day of the year must fall in exactly one timetable, else a deadline is ambiguous."""
        if not self.schedules:
            raise InvalidInput("至少需要一个作息时间表")
        problem = _coverage_problem(self.schedules)
        if problem is not None:
            raise InvalidInput(*problem)

    # --- days -----------------------------------------------------------------------------------

    def schedule_for(self, d: date) -> WorkSchedule:
        """The timetable in force on d (seasonal, independent of whether d's year is loaded)."""
        for s in self.schedules:
            if s.covers(d):
                return s
        raise InvalidInput(f"作息时间表没有覆盖 {d:%m-%d}")  # unreachable after the coverage check

    def _require_year(self, year: int) -> None:
        if year not in self.loaded_years:
            raise CalendarMissing(
                f"{year} 年的节假日与调休数据尚未导入，"
                f"请管理员先导入该年工作日历（citysteward import-calendar {year}）",
                {"year": year},
            )

    def is_workday(self, d: date) -> bool:
        self._require_year(d.year)
        ov = self.overrides.get(d)
        if ov is not None:
            return ov.kind == "workday"
        return d.weekday() in self.schedule_for(d).weekdays

    def periods_on(self, d: date) -> tuple[WorkPeriod, ...]:
        cached = self._periods.get(d)
        if cached is None:
            # A make-up workday follows the timetable of its season, like any other workday.
            cached = self.schedule_for(d).periods if self.is_workday(d) else ()
            self._periods[d] = cached
        return cached

    def _utc_intervals(self, d: date) -> tuple[tuple[datetime, datetime], ...]:
        cached = self._intervals.get(d)
        if cached is None:
            cached = tuple(
                (
                    datetime.combine(d, p.start, tzinfo=self.tz).astimezone(UTC),
                    datetime.combine(d, p.end, tzinfo=self.tz).astimezone(UTC),
                )
                for p in self.periods_on(d)
            )
            self._intervals[d] = cached
            self._day_total[d] = sum((e - s).total_seconds() for s, e in cached) / 60
        return cached

    # --- instants -------------------------------------------------------------------------------

    def _utc(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise InvalidInput("时间必须带时区", {"value": moment.isoformat()})
        return moment.astimezone(UTC)

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        """The instant `minutes` of working time after start (UTC).

        Counting starts at start if it lies in a work period, else at the next period start. A
        result that exhausts a period exactly is that period's end (18:00), not the next start.
        Adding 0 returns start unchanged, so a zero-length suspension leaves a deadline alone.
        """
        if not (isinstance(minutes, int | float) and math.isfinite(minutes)) or minutes < 0:
            raise InvalidInput("工作时长必须是非负数", {"minutes": minutes})
        start = self._utc(start)
        if minutes == 0:
            return start
        remaining = float(minutes)
        d = self._local_date(start)
        while True:
            intervals = self._utc_intervals(d)
            if intervals and intervals[0][0] >= start and remaining > self._day_total[d]:
                # Whole day still ahead and not enough: skip it in one step.
                remaining -= self._day_total[d]
            else:
                for ps, pe in intervals:
                    if pe <= start:
                        continue
                    s = max(ps, start)
                    available = (pe - s).total_seconds() / 60
                    if remaining <= available:
                        return s + timedelta(minutes=remaining)
                    remaining -= available
            d += timedelta(days=1)

    def working_minutes_between(self, a: datetime, b: datetime) -> float:
        """Working minutes in [a, b]; 0 when b <= a. Inverse of add_working_minutes."""
        a, b = self._utc(a), self._utc(b)
        if b <= a:
            return 0.0
        total = 0.0
        d, last = self._local_date(a), self._local_date(b)
        while d <= last:
            intervals = self._utc_intervals(d)
            if intervals and intervals[0][0] >= a and intervals[-1][1] <= b:
                total += self._day_total[d]
            else:
                for ps, pe in intervals:
                    lo, hi = max(ps, a), min(pe, b)
                    if hi > lo:
                        total += (hi - lo).total_seconds() / 60
            d += timedelta(days=1)
        return total

    def working_day_minutes(self, at: datetime) -> float:
        """Minutes in one working day for a limit starting at `at`: the timetable of at's local date."""
        return self.schedule_for(self._local_date(self._utc(at))).day_minutes

    def add_working_days(self, start: datetime, days: float) -> datetime:
        """N working days = N × the minutes of a full working day in the timetable in force on the
        start's local date, then counted like working hours.

        So a case registered Tuesday 10:00 with 1 working day is due 10:00 on the next working day,
        and one registered outside work hours is due at the end of the Nth working day. Counting in
        minutes (not in calendar steps) keeps deadlines consistent with working_minutes_between, which
        the timer lights use; across a seasonal change the due time may shift by the difference in
        day length.
        """
        if not (isinstance(days, int | float) and math.isfinite(days)) or days < 0:
            raise InvalidInput("工作日数必须是非负数", {"days": days})
        return self.add_working_minutes(start, days * self.working_day_minutes(start))
