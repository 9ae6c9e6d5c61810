"""Periods: a span of local days as UTC bounds (a day, a month, any range), and parsing the dates and
months people type. Every report, indicator and ledger filter counts days in the city's time zone."""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from citysteward.kernel.errors import InvalidInput

# The days the service reasons about. A date outside them (0001-01-01, 9999-12-31) is a typing error or a
# probe: it is refused here, with a message, before any time-zone arithmetic overflows on it. Every day a
# request names, in a period, a paper or a list filter, passes `check_day` or `check_moment`.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def check_day(day: date, field: str = "date") -> date:
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(f"日期超出范围：{day.isoformat()}（应在 {EARLIEST} 至 {LATEST} 之间）", {"field": field})
    return day


def check_moment(moment: datetime, field: str = "date") -> datetime:
    check_day(moment.date(), field)
    return moment


@dataclass(frozen=True, slots=True)
class Period:
    """A span of local days [first, last], as UTC bounds [start, end)."""

    first: date
    last: date
    start: datetime
    end: datetime
    label: str

    @classmethod
    def days(cls, first: date, last: date, tz: ZoneInfo, label: str | None = None) -> Period:
        check_day(first, "date_from")
        check_day(last, "date_to")
        if last < first:
            raise InvalidInput("结束日期不能早于开始日期")
        if (last - first).days > 3660:
            raise InvalidInput("统计区间不能超过十年")
        start = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        text = label or (f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}")
        return cls(first, last, start, end, text)

    @classmethod
    def day(cls, day: date, tz: ZoneInfo) -> Period:
        check_day(day)
        return cls.days(day, day, tz, f"{day.year}年{day.month}月{day.day}日")

    @classmethod
    def month(cls, year: int, month: int, tz: ZoneInfo) -> Period:
        if not 1 <= month <= 12:
            raise InvalidInput(f"月份无效：{month}")
        if not EARLIEST.year <= year <= LATEST.year:
            raise InvalidInput(f"年份超出范围：{year}（应在 {EARLIEST.year} 至 {LATEST.year} 之间）", {"field": "period"})
        last = _calendar.monthrange(year, month)[1]
        return cls.days(date(year, month, 1), date(year, month, last), tz, f"{year}年{month}月")

    @property
    def month_key(self) -> str:
        return f"{self.first:%Y-%m}"

    def previous_month(self, tz: ZoneInfo) -> Period:
        prev = self.first.replace(day=1) - timedelta(days=1)
        return Period.month(prev.year, prev.month, tz)


def parse_month(text: str) -> tuple[int, int]:
    try:
        year, month = (int(x) for x in text.strip().split("-")[:2])
        date(year, month, 1)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"月份格式应为 YYYY-MM：{text}", {"field": "period"}) from exc
    return year, month


def parse_day(text: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except (ValueError, AttributeError) as exc:
        raise InvalidInput(f"日期格式应为 YYYY-MM-DD：{text}", {"field": "date"}) from exc
    return check_day(day)
