"""Administration pages (系统管理, admin only): units, users and roles, grids (map and GeoJSON
import), categories and time limits, the working calendar, responsibility rules. Each form posts
to a handler that calls one admin service; errors come back on the same page."""

from __future__ import annotations

import calendar as pycal
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from citysteward.kernel.errors import InvalidInput
from citysteward.org.deps import AdminPageUser, Shell
from citysteward.org.web.shell import AdminPage, _attempt, _message
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.pages import PageRoute, render
from citysteward.platform.runtime import Runtime
from citysteward.worktime import services as calendar

router = APIRouter(prefix="/console/admin", route_class=PageRoute, include_in_schema=False)


# ------------------------------------------------------------------ working calendar
DAY_KINDS = {"holiday": ("休", "放假"), "workday": ("班", "调休上班")}
NEXT_KIND = {None: "holiday", "holiday": "workday", "workday": None}  # a click cycles through these


@dataclass(frozen=True)
class DayCell:
    day: date
    kind: str | None
    name: str
    weekend: bool

    @property
    def mark(self) -> str:
        return DAY_KINDS[self.kind][0] if self.kind else ""

    @property
    def title(self) -> str:
        if self.kind:
            return f"{self.day:%Y-%m-%d} {self.name}（{DAY_KINDS[self.kind][1]}）"
        return f"{self.day:%Y-%m-%d} {'周末休息' if self.weekend else '工作日'}"


def _cells(view: dict[str, Any]) -> dict[date, dict[str, Any]]:
    return {date.fromisoformat(d["day"]): d for d in view["days"]}


def _cell(day: date, known: dict[date, dict[str, Any]], weekdays: set[int]) -> DayCell:
    hit = known.get(day)
    return DayCell(day, hit["kind"] if hit else None, hit["name"] if hit else "", day.weekday() not in weekdays)


def _weekdays(view: dict[str, Any]) -> set[int]:
    return set(view["schedules"][0]["weekdays"]) if view["schedules"] else {0, 1, 2, 3, 4}


def _calendar_page(request: Request, rt: Runtime, user: Any, year: int, error: str = "", status: int = 200,
                   done: str = "") -> HTMLResponse:
    view = calendar.calendar_view(rt, year)
    known, weekdays = _cells(view), _weekdays(view)
    months = []
    for m in range(1, 13):
        weeks = [[_cell(d, known, weekdays) if d.month == m else None for d in week]
                 for week in pycal.Calendar().monthdatescalendar(year, m)]
        months.append({"title": f"{m}月", "weeks": weeks})
    page = AdminPage(Shell.of(user, "admin"), "calendar", months,
                     {"year": year, "view": view, "kinds": DAY_KINDS}, _message(done), error)
    return render(request, "admin/calendar.html", page, status_code=status)


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise InvalidInput("年份应在 2000–2100 之间")
    return year


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, rt: RuntimeDep, user: AdminPageUser, year: int = 0,
                  done: str = "") -> HTMLResponse:
    year = _year(year or rt.now().astimezone(rt.settings.tz).year)
    return _calendar_page(request, rt, user, year, done=done)


@router.post("/calendar/day", response_class=HTMLResponse)
def cycle_day(request: Request, rt: RuntimeDep, user: AdminPageUser, day: Annotated[str, Form()]) -> HTMLResponse:
    """One click: 常规 → 放假 → 调休上班 → 常规. Returns the day's cell (htmx swaps it in place)."""
    try:
        when = date.fromisoformat(day)
    except ValueError as exc:
        raise InvalidInput(f"日期格式有误：{day}") from exc
    view = calendar.calendar_view(rt, _year(when.year))
    current = _cells(view).get(when)
    calendar.set_day(rt, user.actor, when, NEXT_KIND[current["kind"] if current else None])
    view = calendar.calendar_view(rt, when.year)
    return render(request, "admin/_calendar_day.html", _cell(when, _cells(view), _weekdays(view)))


@router.post("/calendar/{year}/import")
def import_year(request: Request, year: int, rt: RuntimeDep, user: AdminPageUser) -> Response:
    return _attempt(lambda: calendar.import_year(rt, user.actor, _year(year)), "calendar",
                    lambda e, s: _calendar_page(request, rt, user, year, e, s), f"&year={year}")
