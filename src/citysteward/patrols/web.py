"""Pages of the patrols context: the inspector's phone (城管通, /m: clock in and out, patrol with the
phone's position, report a finding in two taps, self-handle, tasks nearest first) and the console page
(/console/patrols: today's coverage map, figures, the task board with reassignment)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from citysteward.catalogue import services as catalogue_services
from citysteward.kernel.actor import Role
from citysteward.kernel.errors import DomainError, Forbidden
from citysteward.org.deps import PageUser, Shell
from citysteward.patrols.domain import figures as figure_rules
from citysteward.patrols.services import figures, setup, tasks
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.pages import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


# ------------------------------------------------------------------ the phone
@dataclass(frozen=True)
class PhonePage:
    name: str
    sample_s: int
    batch_points: int
    quick: list[dict[str, str]]
    max_photos: int


@router.get("/m", response_class=HTMLResponse)
def phone(request: Request, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    if user.role is not Role.INSPECTOR:
        raise Forbidden("城管通仅供监督员使用；其他岗位请使用工作台")
    cfg = setup.config(rt)
    catalogue = catalogue_services.catalogue(rt)
    quick = [{"code": c, "name": catalogue.by_code[c].name} for c in cfg.quick_categories if c in catalogue.by_code]
    return render(request, "patrols/m_home.html", PhonePage(user.display_name, cfg.sample_s, cfg.batch_points, quick,
                                                            rt.settings.max_photos_per_report))


# ------------------------------------------------------------------ the console
@dataclass(frozen=True)
class ConsolePage:
    shell: Shell
    day: str
    period: str
    cut: str
    cuts: dict[str, str]
    table: dict[str, Any]
    columns: list[tuple[str, str]]
    rate_columns: list[tuple[str, str]]
    board: list[dict[str, Any]] = field(default_factory=list)
    inspectors: list[dict[str, Any]] = field(default_factory=list)
    roster: list[dict[str, Any]] = field(default_factory=list)
    shifts: dict[str, str] = field(default_factory=dict)
    manager: bool = False
    message: str = ""
    error: str = ""


_COLUMNS = ["patrols", "effective", "hours", "own_hours", "km", "grids_visited", "reports", "self_handled",
            "verified", "checked", "missed"]


@router.get("/console/patrols", response_class=HTMLResponse)
def console(request: Request, rt: RuntimeDep, user: PageUser, day: date | None = None, period: str = "",
            cut: str = "inspector", done: str = "", error: str = "") -> HTMLResponse:
    today = rt.now().astimezone(rt.settings.tz).date()
    shown_day = day or today
    month = period or f"{today:%Y-%m}"
    if cut not in figure_rules.CUTS:
        cut = "inspector"
    table = figures.figures(rt, user.actor, figures.period_of(rt, month), cut)
    manager = user.role in setup.MANAGERS
    board = tasks.all_tasks(rt, user.actor) if manager else []
    people = setup.inspectors(rt, user.actor) if manager else []
    roster = setup.roster(rt, user.actor, shown_day, shown_day) if manager else []
    labels = table["labels"]
    return render(request, "patrols/console.html", ConsolePage(
        Shell.of(user, "patrols"), shown_day.isoformat(), month, cut, figure_rules.CUTS, table,
        [(c, labels[c]) for c in _COLUMNS], [(c, label) for c, label, _n, _d in figure_rules.RATES],
        board, people, roster, {k: v.label for k, v in setup.config(rt).shifts.items()}, manager,
        _DONE.get(done, ""), error))


_DONE = {"reassign": "已改派", "areas": "责任区域已保存", "roster": "排班已保存"}


def _codes(text: str) -> list[str]:
    return [c for c in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if c]


def _back(action: Any, done: str, day: str = "") -> Response:
    try:
        action()
    except DomainError as exc:
        return RedirectResponse(f"/console/patrols?day={quote(day)}&error={quote(exc.message)}", status_code=303)
    return RedirectResponse(f"/console/patrols?day={quote(day)}&done={done}", status_code=303)


@router.post("/console/patrols/areas")
def save_areas(rt: RuntimeDep, user: PageUser, user_id: Annotated[int, Form()] = 0,
               area_codes: Annotated[str, Form(max_length=4000)] = "") -> Response:
    return _back(lambda: setup.bind(rt, user.actor, user_id, _codes(area_codes)), "areas")


@router.post("/console/patrols/roster")
def save_roster(rt: RuntimeDep, user: PageUser, user_id: Annotated[int, Form()] = 0,
                day: Annotated[date | None, Form()] = None, shift: Annotated[str, Form(max_length=16)] = "",
                grid_codes: Annotated[str, Form(max_length=4000)] = "",
                passes: Annotated[int, Form(ge=1, le=24)] = 1) -> Response:
    when = day or rt.now().astimezone(rt.settings.tz).date()
    entry = setup.RosterInput(user_id, when, shift, tuple(_codes(grid_codes)), passes)
    return _back(lambda: setup.put_roster(rt, user.actor, [entry]), "roster", when.isoformat())


@router.post("/console/patrols/reassign")
def reassign(request: Request, rt: RuntimeDep, user: PageUser, case_no: Annotated[str, Form()] = "",
             user_id: Annotated[int, Form()] = 0, note: Annotated[str, Form(max_length=200)] = "") -> Response:
    try:
        setup.reassign(rt, user.actor, case_no.strip(), user_id, note)
    except DomainError as exc:
        return RedirectResponse(f"/console/patrols?error={quote(exc.message)}", status_code=303)
    return RedirectResponse("/console/patrols?done=reassign", status_code=303)
