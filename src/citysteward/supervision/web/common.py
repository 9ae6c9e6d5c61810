"""What the supervision pages share: the tabs, day bounds of a filter, reading a form."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from citysteward.kernel import periods as kernel_periods
from citysteward.kernel.actor import Role
from citysteward.kernel.errors import InvalidInput
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.tickets import ISSUERS

TABS = (("ledger", "督导单台账", "/console/supervision"), ("new", "下发督导单", "/console/supervision/new"),
        ("hotspots", "难点点位与挂牌督办", "/console/supervision/hotspots"))


def tabs_for(role: Role) -> tuple[tuple[str, str, str], ...]:
    return tuple(t for t in TABS if t[0] != "new" or role in ISSUERS)


def parse_day(value: str, field: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", {"field": field}) from exc


def day_bounds(rt: Runtime, first: date | None, last: date | None) -> dict[str, Any]:
    if not first and not last:
        return {}
    first = first or date(2000, 1, 1)
    last = last or rt.now().astimezone(rt.settings.tz).date()
    if last < first:
        raise InvalidInput("结束日期不能早于开始日期", {"field": "date_to"})
    period = kernel_periods.Period.days(first, last, rt.settings.tz)
    return {"start": period.start, "end": period.end}


def local_deadline(rt: Runtime, value: str) -> datetime | None:
    """A `datetime-local` field (the city's time) as an aware moment."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput("整改期限格式有误", {"field": "deadline"}) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=rt.settings.tz)
    return moment


def end_of_day(rt: Runtime, day: date) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=rt.settings.tz)


def optional_float(value: Any, field: str, label: str) -> float | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise InvalidInput(f"{label}应为数字", {"field": field}) from exc


def int_list(values: list[Any], field: str) -> tuple[int, ...]:
    out = []
    for v in values:
        text = str(v).strip()
        if not text:
            continue
        if not text.isdigit():
            raise InvalidInput("单位编号有误", {"field": field})
        out.append(int(text))
    return tuple(out)
