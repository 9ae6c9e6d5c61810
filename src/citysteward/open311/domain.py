"""Open311 GeoReport v2, the rules of the protocol (shared/standards/open311.md): parameters as real
clients send them, the 90-day window on requested time, what a POST must carry, and how case states
read as open/closed. Pure; services/open311.py adds storage and intake.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from urllib.parse import urlsplit

from citysteward.cases.domain.case import PUBLIC_ACTIONS, PUBLIC_NOTE_ACTIONS, Event
from citysteward.cases.domain.model import FINAL_STATES, OPEN_STATES, Action, CaseState
from citysteward.kernel.errors import InvalidInput

MAX_SPAN = timedelta(days=90)
DEFAULT_PAGE_SIZE = 1000
MAX_IDS = 1000
# Notes of these steps are written for the public (the same set the citizen's tracking page shows).
# Public steps that change what a follower of a request should know.
UPDATE_ACTIONS = frozenset(PUBLIC_ACTIONS - {Action.REPORT, Action.ME_TOO, Action.RATE})
_TZ_SPACE = re.compile(r" (\d{2}(?::?\d{2})?)$")  # "…T08:00:00 08:00": a '+' the client did not encode


@dataclass(frozen=True, slots=True)
class Page:
    page: int = 1
    size: int = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


@dataclass(frozen=True, slots=True)
class RequestQuery:
    """GET requests: ids override every other filter; otherwise codes, a window and statuses."""

    service_request_ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: frozenset[str] = frozenset()
    page: Page = Page()

    @property
    def states(self) -> list[str]:
        """The case states the status filter keeps ([] for both or neither)."""
        if self.statuses == {"open"}:
            return sorted(s.value for s in OPEN_STATES)
        if self.statuses == {"closed"}:
            return sorted(s.value for s in FINAL_STATES)
        return []


@dataclass(frozen=True, slots=True)
class NewRequest:
    """A POST requests.{fmt} body: fields as sent, `attribute[code]` and `attribute[code][]` gathered."""

    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    description: str = ""
    media_url: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_items(cls, items: Iterable[tuple[str, str]]) -> NewRequest:
        """The first non-empty value of each field wins; unknown fields are ignored."""
        names = set(cls.__dataclass_fields__) - {"attributes"}
        values: dict[str, str] = {}
        answers: dict[str, list[str]] = {}
        for key, value in items:
            key = key.strip()
            if key.startswith("attribute[") and "]" in key:
                code = key[len("attribute["):key.index("]")].strip()
                if code:
                    answers.setdefault(code, []).append(value)
            elif key in names and value.strip() != "" and key not in values:
                values[key] = value
        return cls(**values, attributes=answers)

    def location(self) -> tuple[float, float]:
        """(lon, lat) in WGS-84. Grids are found by point, so an address alone is not enough."""
        if self.lat.strip() and self.long.strip():
            try:
                return float(self.long), float(self.lat)
            except ValueError as exc:
                raise InvalidInput("lat 和 long 应为数字（WGS-84 经纬度）", {"field": "lat"}) from exc
        if self.address_string.strip() or self.address_id.strip():
            raise InvalidInput("本系统按经纬度定位网格：请同时提供 lat 和 long（WGS-84），address_string 可作补充说明",
                               {"field": "lat"})
        raise InvalidInput("缺少位置：请提供 lat 和 long（WGS-84）", {"field": "lat"})

    def checked_media_url(self) -> str:
        value = self.media_url.strip()
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 500:
            raise InvalidInput("media_url 应为 http(s) 地址，最长 500 字符", {"field": "media_url"})
        return value

    def person(self) -> str | None:
        """The reporter's name: 姓在前 without a space for Chinese names, "first last" otherwise."""
        first, last = self.first_name.strip(), self.last_name.strip()
        if not (first or last):
            return None
        cjk = any("\u4e00" <= ch <= "\u9fff" for ch in first + last)
        return (f"{last}{first}" if cjk else " ".join(p for p in (first, last) if p))[:64]


# ------------------------------------------------------------------ parameters
def csv(value: str | None) -> list[str]:
    """A comma list; blanks and repeats dropped, order kept."""
    items: list[str] = []
    for part in (value or "").split(","):
        part = part.strip()
        if part and part not in items:
            items.append(part)
    return items


def parse_time(value: str, tz: tzinfo, *, end_of_day: bool = False, name: str = "date") -> datetime:
    """ISO 8601. Liberal: 'Z', a '+' sent unencoded (a space), a date alone (its start, or its end for
    an end_date) and a time without zone (read in the city's zone) are all understood."""
    text = _TZ_SPACE.sub(r"+\1", value.strip())
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time.max if end_of_day else time.min)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{name} 不是有效的 ISO 8601 日期时间：{value}（例如 2026-11-22T08:15:30+08:00）",
                           {"field": name}) from exc
    if not 1900 <= moment.year <= 2999:  # also keeps the 90-day arithmetic and zone changes in range
        raise InvalidInput(f"{name} 超出可查询的年份范围（1900–2999）：{value}", {"field": name})
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def _int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{name} 应为整数：{value}", {"field": name}) from exc
    if not low <= number <= high:
        raise InvalidInput(f"{name} 应在 {low}–{high} 之间", {"field": name})
    return number


def parse_page(params: Mapping[str, str]) -> Page:
    """The common `page`/`page_size` extension; 1000 a page by default and at most."""
    return Page(_int(params.get("page"), "page", 1, 1, 1_000_000),
                _int(params.get("page_size"), "page_size", DEFAULT_PAGE_SIZE, 1, DEFAULT_PAGE_SIZE))


def date_range(params: Mapping[str, str], now: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """The window on requested time: at most 90 days; the last 90 days when neither end is given."""
    start = parse_time(params["start_date"], tz, name="start_date") if params.get("start_date") else None
    end = parse_time(params["end_date"], tz, end_of_day=True, name="end_date") if params.get("end_date") else None
    if start is None:
        end = end or now
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise InvalidInput("end_date 不能早于 start_date", {"field": "end_date"})
    if end - start > MAX_SPAN + timedelta(days=1):  # a whole last day counts as within 90 days
        raise InvalidInput("start_date 与 end_date 的跨度不能超过 90 天", {"field": "end_date"})
    return start, end


def parse_query(params: Mapping[str, str], now: datetime, tz: tzinfo) -> RequestQuery:
    ids = csv(params.get("service_request_id"))
    if len(ids) > MAX_IDS:
        raise InvalidInput(f"service_request_id 一次最多 {MAX_IDS} 个", {"field": "service_request_id"})
    page = parse_page(params)
    if ids:
        return RequestQuery(service_request_ids=tuple(ids), page=page)
    statuses = {s.lower() for s in csv(params.get("status"))}
    unknown = statuses - {"open", "closed"}
    if unknown:
        raise InvalidInput(f"status 只能是 open 或 closed：{'、'.join(sorted(unknown))}", {"field": "status"})
    start, end = date_range(params, now, tz)
    return RequestQuery(service_codes=tuple(csv(params.get("service_code"))), start=start, end=end,
                        statuses=frozenset(statuses), page=page)


# ------------------------------------------------------------------ reading cases as requests
def status_of(state: CaseState) -> str:
    """closed = closed, voided, rejected, merged; every other state is open."""
    return "closed" if state in FINAL_STATES else "open"


def public_note(event: Event) -> str:
    return event.note.strip() if event.action in PUBLIC_NOTE_ACTIONS and event.note else ""
