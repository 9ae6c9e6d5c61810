"""The case ledger's filter (问题台账筛选): the one definition of what a list of cases can be narrowed by.

The REST API, the console pages and the store all speak `CaseFilter`; `parse_case_filter` is the one
place where query-string values become it, and it says in words what is wrong with a bad value.
Dates: a bare day (YYYY-MM-DD) is a local day and `date_to` includes all of it; a date-time must carry
its zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import Enum
from typing import Any

from citysteward.cases.domain.model import CaseState, Source
from citysteward.kernel.deadlines import Light
from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.periods import check_day, check_moment
from citysteward.kernel.text import clean_text

# Matches beyond this are reported as "10,000+": a ledger page needs no exact count of a million rows.
COUNT_CAP = 10_000
MAX_KEYWORD = 100
ORDERS = ("newest", "oldest", "deadline")  # newest / oldest reported first, nearest deadline first
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200
MAX_UNIT_ID = 2**53  # an id past this is a bad value (422), never an overflow in the database driver


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Cases matching every given key; an empty key matches anything."""

    states: tuple[CaseState, ...] = ()
    categories: tuple[str, ...] = ()
    units: tuple[int, ...] = ()  # the main (主办) unit
    grids: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    lights: tuple[Light, ...] = ()
    reported_from: datetime | None = None  # inclusive
    reported_before: datetime | None = None  # exclusive
    overdue: bool | None = None
    pending_request: bool = False
    keyword: str = ""  # a case number (prefix) or words in the description or address
    # Who may see what (see access.py), not a choice of the user: None = no limit.
    led_by: tuple[int, ...] | None = None

    def query_pairs(self) -> list[tuple[str, str]]:
        """The filter as query-string pairs (the inverse of `parse_case_filter`; `led_by` is never sent)."""
        pairs: list[tuple[str, str]] = []
        for key, name in QUERY_KEYS.items():
            value = getattr(self, name)
            if isinstance(value, tuple):
                pairs += [(key, _text(v)) for v in value]
            elif isinstance(value, bool):
                if value or name == "overdue":  # overdue=0 asks for cases on time; pending=0 asks nothing
                    pairs.append((key, "1" if value else "0"))
            elif value:
                pairs.append((key, _text(value)))
        return pairs


# Query-string key -> field. The keys are the REST API's and the pages' parameter names.
QUERY_KEYS: Mapping[str, str] = {
    "state": "states", "category": "categories", "unit": "units", "grid": "grids", "community": "communities",
    "street": "streets", "district": "districts", "source": "sources", "light": "lights",
    "date_from": "reported_from", "date_to": "reported_before", "overdue": "overdue", "pending": "pending_request",
    "q": "keyword",
}

_TRUE, _FALSE = ("1", "true", "on", "yes"), ("0", "false", "off", "no")
FLAG_WORDS = _TRUE + _FALSE  # what `overdue` and `pending` accept (any case)
_ENUMS: Mapping[str, tuple[type[Enum], str]] = {
    "state": (CaseState, "状态"), "source": (Source, "来源"), "light": (Light, "计时灯"),
}


def parse_case_filter(params: Mapping[str, Iterable[Any] | None], tz: tzinfo) -> CaseFilter:
    """Query values (strings, or values a web framework already typed) keyed as in `QUERY_KEYS` ->
    a filter. Unknown keys are ignored; a bad value raises `InvalidInput` naming the parameter."""
    out: dict[str, Any] = {}
    for key, name in QUERY_KEYS.items():
        values = [v.strip() if isinstance(v, str) else v for v in params.get(key) or ()]
        values = [v for v in values if v is not None and v != ""]
        if not values:
            continue
        if key in _ENUMS:
            out[name] = tuple(_member(key, v) for v in values)
        elif key == "unit":
            out[name] = tuple(_unit(v) for v in values)
        elif key in ("date_from", "date_to"):
            out[name] = _moment(values[-1], tz, end=key == "date_to")
        elif key in ("overdue", "pending"):
            out[name] = _flag(key, values[-1])
        elif key == "q":
            out[name] = _keyword(values[-1])
        else:
            out[name] = tuple(clean_text(str(v), field=key) for v in values)
    return CaseFilter(**out)


def _member(key: str, value: Any) -> Any:
    enum_cls, what = _ENUMS[key]
    try:
        return enum_cls(value)
    except ValueError as exc:
        raise InvalidInput(f"未知的{what}：{value}", {"field": key}) from exc


def _unit(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_UNIT_ID:
        return int(value)
    raise InvalidInput("单位参数有误", {"field": "unit"})


def _moment(value: Any, tz: tzinfo, *, end: bool) -> datetime:
    """A local day (`end`: the next day's start, so the day is included) or a zoned date-time."""
    if isinstance(value, datetime):
        return _zoned(value)
    if isinstance(value, date):
        return _day_start(value, tz, end=end)
    text = str(value)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return _day_start(day, tz, end=end)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"日期格式有误：{text}（应为 YYYY-MM-DD）") from exc
    return _zoned(moment)


def _day_start(day: date, tz: tzinfo, *, end: bool) -> datetime:
    check_day(day, "date_to" if end else "date_from")
    return datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=tz)


def _zoned(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput("日期时间需带时区，例如 2026-11-22T00:00:00+08:00")
    return check_moment(moment)


def _flag(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise InvalidInput(f"参数 {key} 只能是 1 或 0", {"field": key})


def _keyword(value: Any) -> str:
    text = clean_text(str(value), field="q")
    if len(text) > MAX_KEYWORD:
        raise InvalidInput(f"关键词不能超过 {MAX_KEYWORD} 字", {"field": "q"})
    return text


def _text(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
