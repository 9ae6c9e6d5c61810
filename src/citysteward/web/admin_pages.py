"""Administration pages (系统管理, admin only): units, users and roles, grids (map and GeoJSON
import), categories and time limits, the working calendar, responsibility rules. Each form posts
to a handler that calls one admin service; errors come back on the same page."""

from __future__ import annotations

import calendar as pycal
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from citysteward.api.deps import RuntimeDep
from citysteward.domain import catalogue as cat_domain
from citysteward.domain.catalogue import Urgency
from citysteward.domain.errors import DomainError, InvalidInput
from citysteward.domain.model import Role
from citysteward.domain.timelimit import LimitUnit
from citysteward.services import admin, areas, calendar, reference
from citysteward.services.runtime import Runtime
from citysteward.web.render import AdminPageUser, PageRoute, Shell, render

router = APIRouter(prefix="/console/admin", route_class=PageRoute, include_in_schema=False)
SECTIONS = {"units": "单位管理", "users": "用户与角色", "grids": "网格管理", "categories": "类别与时限",
            "calendar": "工作日历", "rules": "责任划分规则"}


@dataclass(frozen=True)
class AdminPage:
    """Every admin page: the frame, its section, a message or an error, and its own rows."""

    shell: Shell
    section: str
    rows: list[Any] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    error: str = ""

    @property
    def title(self) -> str:
        return SECTIONS.get(self.section, "系统管理")

    @property
    def sections(self) -> dict[str, str]:
        return SECTIONS


def _done(section: str, query: str = "") -> RedirectResponse:
    return RedirectResponse(f"/console/admin/{section}?done=1{query}", status_code=303)


def _attempt(call: Callable[[], Any], section: str, again: Callable[[str, int], Response], query: str = "") -> Response:
    """Run one admin service call; success goes back to the list, an error re-renders it."""
    try:
        call()
    except DomainError as exc:
        return again(exc.message, exc.status)
    return _done(section, query)


def _message(done: str) -> str:
    return "已保存" if done else ""


@router.get("", response_class=HTMLResponse)
def admin_home(request: Request, user: AdminPageUser) -> HTMLResponse:
    return render(request, "admin/index.html", AdminPage(Shell.of(user, "admin"), "index"))


# ------------------------------------------------------------------ units
def _units_page(request: Request, rt: Runtime, user: Any, error: str = "", status: int = 200,
                done: str = "") -> HTMLResponse:
    page = AdminPage(Shell.of(user, "admin"), "units", admin.list_units(rt), {"kinds": admin.UNIT_KINDS},
                     _message(done), error)
    return render(request, "admin/units.html", page, status_code=status)


@router.get("/units", response_class=HTMLResponse)
def units(request: Request, rt: RuntimeDep, user: AdminPageUser, done: str = "") -> HTMLResponse:
    return _units_page(request, rt, user, done=done)


@router.post("/units")
def create_unit(request: Request, rt: RuntimeDep, user: AdminPageUser, name: Annotated[str, Form()] = "",
                code: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "other",
                phone: Annotated[str, Form()] = "") -> Response:
    data = {"name": name, "code": code, "kind": kind, "phone": phone or None}
    return _attempt(lambda: admin.create_unit(rt, user.actor, data), "units",
                    lambda e, s: _units_page(request, rt, user, e, s))


@router.post("/units/{unit_id}")
def update_unit(request: Request, unit_id: int, rt: RuntimeDep, user: AdminPageUser,
                active: Annotated[str, Form()] = "") -> Response:
    return _attempt(lambda: admin.update_unit(rt, user.actor, unit_id, {"active": active == "1"}), "units",
                    lambda e, s: _units_page(request, rt, user, e, s))


# ------------------------------------------------------------------ users
def _users_page(request: Request, rt: Runtime, user: Any, error: str = "", status: int = 200,
                done: str = "") -> HTMLResponse:
    roles = [r for r in Role if r not in (Role.CITIZEN, Role.SYSTEM)]
    page = AdminPage(Shell.of(user, "admin"), "users", admin.list_users(rt),
                     {"roles": roles, "units": admin.list_units(rt), "unit_names": reference.unit_names(rt)},
                     _message(done), error)
    return render(request, "admin/users.html", page, status_code=status)


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, rt: RuntimeDep, user: AdminPageUser, done: str = "") -> HTMLResponse:
    return _users_page(request, rt, user, done=done)


def _unit_id(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


@router.post("/users")
def create_user(request: Request, rt: RuntimeDep, user: AdminPageUser, username: Annotated[str, Form()] = "",
                display_name: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                role: Annotated[str, Form()] = "", unit_id: Annotated[str, Form()] = "",
                phone: Annotated[str, Form()] = "") -> Response:
    data = {"username": username, "display_name": display_name, "password": password, "role": role,
            "unit_id": _unit_id(unit_id), "phone": phone or None}
    return _attempt(lambda: admin.create_user(rt, user.actor, data), "users",
                    lambda e, s: _users_page(request, rt, user, e, s))


@router.post("/users/{user_id}")
def update_user(request: Request, user_id: int, rt: RuntimeDep, user: AdminPageUser,
                role: Annotated[str, Form()] = "", unit_id: Annotated[str, Form()] = "",
                active: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "") -> Response:
    changes: dict[str, Any] = {"role": role, "unit_id": _unit_id(unit_id), "active": active == "1"}
    if password:
        changes["password"] = password
    return _attempt(lambda: admin.update_user(rt, user.actor, user_id, changes), "users",
                    lambda e, s: _users_page(request, rt, user, e, s))


# ------------------------------------------------------------------ grids
def _grids_page(request: Request, rt: Runtime, user: Any, error: str = "", status: int = 200,
                done: str = "") -> HTMLResponse:
    names = reference.area_names(rt)
    counts = {"district": 0, "street": 0, "community": 0, "grid": 0}
    for code in names:
        counts[{6: "district", 9: "street", 12: "community", 15: "grid"}.get(len(code), "grid")] += 1
    page = AdminPage(Shell.of(user, "admin"), "grids", [], {"counts": counts, "levels": areas.LEVEL_LABELS},
                     _message(done), error)
    return render(request, "admin/grids.html", page, status_code=status)


@router.get("/grids", response_class=HTMLResponse)
def grids(request: Request, rt: RuntimeDep, user: AdminPageUser, done: str = "") -> HTMLResponse:
    return _grids_page(request, rt, user, done=done)


@router.post("/grids/import")
async def import_grids(request: Request, rt: RuntimeDep, user: AdminPageUser, file: UploadFile,
                       crs: Annotated[str, Form()] = "wgs84") -> Response:
    raw = await file.read()

    def run() -> None:
        try:
            collection = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidInput("上传的文件不是有效的 GeoJSON（UTF-8 编码的 JSON）") from exc
        areas.import_areas(rt, user.actor, collection, crs)

    try:
        await run_in_threadpool(run)
    except DomainError as exc:
        return await run_in_threadpool(_grids_page, request, rt, user, exc.message, exc.status)
    return _done("grids")


# ------------------------------------------------------------------ categories and time limits
def _categories_page(request: Request, rt: Runtime, user: Any, q: str = "", error: str = "", status: int = 200,
                     done: str = "") -> HTMLResponse:
    cats = admin.list_categories(rt)
    found = cat_domain.search(cats, q, include_inactive=True, limit=60) if q else cats[:60]
    page = AdminPage(Shell.of(user, "admin"), "categories", found,
                     {"q": q, "total": len(cats), "urgencies": list(Urgency), "limit_units": list(LimitUnit)},
                     _message(done), error)
    return render(request, "admin/categories.html", page, status_code=status)


@router.get("/categories", response_class=HTMLResponse)
def categories(request: Request, rt: RuntimeDep, user: AdminPageUser, q: str = "", done: str = "") -> HTMLResponse:
    return _categories_page(request, rt, user, q.strip()[:50], done=done)


@router.post("/categories/{code}")
async def update_category(request: Request, code: str, rt: RuntimeDep, user: AdminPageUser) -> Response:
    form = await request.form()
    limits = {}
    for u in Urgency:
        amount = str(form.get(f"amount_{u.value}") or "").strip()
        if amount:
            limits[u.value] = {"amount": amount, "unit": str(form.get(f"unit_{u.value}") or "")}
    changes: dict[str, Any] = {"active": form.get("active") == "1", "same_day": form.get("same_day") == "1"}
    if limits:
        changes["limits"] = limits
    q = str(form.get("q") or "")
    return await run_in_threadpool(
        _attempt, lambda: admin.update_category(rt, user.actor, code, changes), "categories",
        lambda e, s: _categories_page(request, rt, user, q, e, s), f"&q={q}")


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


# ------------------------------------------------------------------ responsibility rules
def _rules_page(request: Request, rt: Runtime, user: Any, error: str = "", status: int = 200,
                done: str = "") -> HTMLResponse:
    catalogue = reference.catalogue(rt)
    names = reference.area_names(rt)
    page = AdminPage(Shell.of(user, "admin"), "rules", admin.list_rules(rt), {
        "units": admin.list_units(rt), "unit_names": reference.unit_names(rt),
        "classes": sorted(catalogue.class_names.items()), "category_names": catalogue.name,
        "areas": sorted((c, n) for c, n in names.items() if len(c) < 15), "area_names": names,
    }, _message(done), error)
    return render(request, "admin/rules.html", page, status_code=status)


@router.get("/rules", response_class=HTMLResponse)
def rules(request: Request, rt: RuntimeDep, user: AdminPageUser, done: str = "") -> HTMLResponse:
    return _rules_page(request, rt, user, done=done)


@router.post("/rules")
def create_rule(request: Request, rt: RuntimeDep, user: AdminPageUser, main_unit_id: Annotated[str, Form()] = "",
                category_class: Annotated[str, Form()] = "", category_code: Annotated[str, Form()] = "",
                grid_code: Annotated[str, Form()] = "", area_code: Annotated[str, Form()] = "",
                road: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "") -> Response:
    data = {"main_unit_id": main_unit_id or None, "category_class": category_class, "category_code": category_code,
            "grid_code": grid_code.strip(), "area_code": area_code, "road": road, "note": note}
    return _attempt(lambda: admin.create_rule(rt, user.actor, data), "rules",
                    lambda e, s: _rules_page(request, rt, user, e, s))


@router.post("/rules/{rule_id}/delete")
def delete_rule(request: Request, rule_id: int, rt: RuntimeDep, user: AdminPageUser) -> Response:
    return _attempt(lambda: admin.delete_rule(rt, user.actor, rule_id), "rules",
                    lambda e, s: _rules_page(request, rt, user, e, s))
