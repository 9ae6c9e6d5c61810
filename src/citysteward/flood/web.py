"""Pages of the flood context: the season page (warnings, events, 易涝点, materials, checklist, duty) and
the command page of one event (level and its history, points with depths, deployments, tagged cases)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from citysteward.flood import services as fl
from citysteward.flood.domain import CheckKind, ResponseLevel, WarningColour
from citysteward.kernel.errors import DomainError, InvalidInput
from citysteward.org.deps import PageUser, Shell
from citysteward.org.services import accounts
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.pages import PageRoute, render
from citysteward.platform.http.schemas import PathId

router = APIRouter(prefix="/console/flood", route_class=PageRoute, include_in_schema=False)
SCRIPT = Path(__file__).parent / "templates" / "flood" / "flood-map.js"
MAX_FORM_FIELDS = 30


@dataclass(frozen=True)
class SeasonPage:
    shell: Shell
    year: int
    season: dict[str, Any]
    events: list[dict[str, Any]]
    active: dict[str, Any] | None
    points: list[dict[str, Any]]
    materials: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    duty: dict[str, Any]
    units: list[dict[str, Any]]
    colours: list[Any] = field(default_factory=lambda: list(WarningColour))
    check_kinds: list[Any] = field(default_factory=lambda: list(CheckKind))
    error: str = ""
    message: str = ""


@dataclass(frozen=True)
class CommandPage:
    shell: Shell
    v: dict[str, Any]
    points: list[dict[str, Any]]
    units: list[dict[str, Any]]
    levels: list[Any] = field(default_factory=lambda: list(ResponseLevel))
    colours: list[Any] = field(default_factory=lambda: list(WarningColour))
    error: str = ""
    message: str = ""


def _units(rt: Any) -> list[dict[str, Any]]:
    return [u for u in accounts.list_units(rt) if u.get("active")]


def _season(request: Request, rt: Any, user: Any, error: str = "", status: int = 200, message: str = "") -> HTMLResponse:
    now = rt.now().astimezone(rt.settings.tz)
    start = datetime(now.year, 1, 1, tzinfo=rt.settings.tz).astimezone(UTC)
    end = datetime(now.year + 1, 1, 1, tzinfo=rt.settings.tz).astimezone(UTC)
    page = SeasonPage(Shell.of(user, "flood"), now.year, fl.season_figures(rt, user.actor, start, end),
                      fl.list_events(rt, user.actor), fl.active_event(rt), fl.points(rt), fl.materials(rt, user.actor),
                      fl.checklist(rt, user.actor, now.year), fl.duty_day(rt, user.actor, now.date()), _units(rt),
                      error=error, message=message)
    return render(request, "flood/season.html", page, status_code=status)


@router.get("", response_class=HTMLResponse)
def season(request: Request, rt: RuntimeDep, user: PageUser, done: str = "") -> HTMLResponse:
    return _season(request, rt, user, message="已保存" if done else "")


@router.get("/flood-map.js", include_in_schema=False)
def script(user: PageUser) -> FileResponse:
    return FileResponse(SCRIPT, media_type="text/javascript")


async def _form(request: Request) -> dict[str, str]:
    form = await request.form(max_fields=MAX_FORM_FIELDS)
    return {k: str(v).strip() for k, v in form.multi_items() if str(v).strip() != ""}


@router.post("/warnings")
async def warning(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    data = await _form(request)
    try:
        result = await run_in_threadpool(fl.record_warning, rt, user.actor, data)
    except DomainError as exc:
        return _season(request, rt, user, exc.message, status_of(exc))
    return RedirectResponse(f"/console/flood/events/{result['event_id']}?done=1", status_code=303)


@router.post("/{what}")
async def season_action(request: Request, what: str, rt: RuntimeDep, user: PageUser) -> Response:
    data = await _form(request)
    try:
        if what == "events":
            result = await run_in_threadpool(fl.open_event, rt, user.actor, data)
            return RedirectResponse(f"/console/flood/events/{result['id']}?done=1", status_code=303)
        if what == "checks":
            await run_in_threadpool(fl.add_check, rt, user.actor, data)
        elif what == "points":
            await run_in_threadpool(fl.add_point, rt, user.actor, data)
        elif what == "materials":
            await run_in_threadpool(fl.add_material, rt, user.actor, data)
        elif what == "duty":
            await run_in_threadpool(fl.add_duty, rt, user.actor, [data])
        elif what == "check-result":
            check_id = data.get("check_id", "")
            if not check_id.isdigit():
                raise InvalidInput("请选择检查项", {"field": "check_id"})
            await run_in_threadpool(fl.record_check, rt, user.actor, int(check_id), data.get("result", ""),
                                    data.get("note", ""))
        elif what == "movements":
            material_id = data.get("material_id", "")
            if not material_id.isdigit():
                raise InvalidInput("请选择物资", {"field": "material_id"})
            await run_in_threadpool(fl.move_material, rt, user.actor, int(material_id), data)
        else:
            raise InvalidInput("未知的操作")
    except DomainError as exc:
        return _season(request, rt, user, exc.message, status_of(exc))
    return RedirectResponse("/console/flood?done=1", status_code=303)


def _command(request: Request, rt: Any, user: Any, event_id: int, error: str = "", status: int = 200,
             message: str = "") -> HTMLResponse:
    page = CommandPage(Shell.of(user, "flood"), fl.command(rt, user.actor, event_id), fl.points(rt), _units(rt),
                       error=error, message=message)
    return render(request, "flood/event.html", page, status_code=status)


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event(request: Request, event_id: PathId, rt: RuntimeDep, user: PageUser, done: str = "") -> HTMLResponse:
    return _command(request, rt, user, event_id, message="已保存" if done else "")


@router.post("/events/{event_id}/{what}")
async def event_action(request: Request, event_id: PathId, what: str, rt: RuntimeDep, user: PageUser) -> Response:
    data = await _form(request)
    try:
        if what == "level":
            await run_in_threadpool(fl.declare_level, rt, user.actor, event_id, data.get("level") or None,
                                    data.get("reason", ""))
        elif what == "warning":
            await run_in_threadpool(fl.record_warning, rt, user.actor, {**data, "event_id": event_id})
        elif what == "deploy":
            await run_in_threadpool(fl.add_deployment, rt, user.actor, event_id, data)
        elif what == "depth":
            await run_in_threadpool(fl.add_observation, rt, user.actor, event_id, data)
        elif what == "clear":
            point_id = data.get("point_id", "")
            if not point_id.isdigit():
                raise InvalidInput("请选择易涝点", {"field": "point_id"})
            await run_in_threadpool(fl.clear_point, rt, user.actor, event_id, int(point_id))
        elif what == "tag":
            nos = [n for n in data.get("case_nos", "").replace("，", ",").replace(" ", ",").split(",") if n]
            await run_in_threadpool(fl.tag_cases, rt, user.actor, event_id, nos)
        elif what == "tag-window":
            await run_in_threadpool(fl.tag_event_window, rt, user.actor, event_id)
        elif what == "close":
            await run_in_threadpool(fl.close_event, rt, user.actor, event_id, data.get("note", ""))
        else:
            raise InvalidInput("未知的操作")
    except DomainError as exc:
        return _command(request, rt, user, event_id, exc.message, status_of(exc))
    return RedirectResponse(f"/console/flood/events/{event_id}?done=1", status_code=303)
