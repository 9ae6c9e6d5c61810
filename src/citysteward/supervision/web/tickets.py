"""Ticket pages (督导单): the ledger with its filters and counts, the issue form (from one or several
cases, or a place picked on the map, to one or several units), a ticket's page (replies with photos,
accept or send back, the escalation history). Forms post here; a domain error re-renders the form
with the message and what was typed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from citysteward.cases.services import actions as case_service
from citysteward.cases.services import photos
from citysteward.kernel.errors import DomainError, Forbidden, InvalidInput, NotFound, StaleCase
from citysteward.kernel.text import clean_text
from citysteward.org.deps import PageUser, Shell
from citysteward.org.services import accounts
from citysteward.org.services.auth import StaffUser
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.pages import PageRoute, render
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.tickets import ISSUERS, TicketAction, TicketLevel, TicketSource, TicketState
from citysteward.supervision.services import tickets as supervision_service
from citysteward.supervision.web.common import day_bounds, int_list, local_deadline, optional_float, parse_day, tabs_for

router = APIRouter(prefix="/console/supervision", route_class=PageRoute, include_in_schema=False)
PAGE_SIZES = (20, 50, 100)
NOTE_REQUIRED = {TicketAction.REPLY, TicketAction.SEND_BACK, TicketAction.CANCEL}


@dataclass(frozen=True)
class LedgerPage:
    shell: Shell
    tabs: tuple[tuple[str, str, str], ...]
    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    summary: dict[str, Any]
    query: dict[str, Any]
    units: list[dict[str, Any]]
    levels: list[TicketLevel] = field(default_factory=lambda: list(TicketLevel))
    states: list[TicketState] = field(default_factory=lambda: list(TicketState))
    sources: list[TicketSource] = field(default_factory=lambda: list(TicketSource))
    page_sizes: tuple[int, ...] = PAGE_SIZES
    done: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def page_url(self, n: int) -> str:
        pairs = [(k, v) for k, vs in self.query.items() for v in (vs if isinstance(vs, list) else [vs]) if v]
        return "/console/supervision?" + urlencode([*pairs, ("page", n)])


@router.get("", response_class=HTMLResponse)
def ledger(
    request: Request, rt: RuntimeDep, user: PageUser,
    level: list[str] = Query(default=[]), state: list[str] = Query(default=[]),  # noqa: B008
    unit: str = "", source: str = "", overdue: str = "", date_from: str = "", date_to: str = "", case: str = "",
    page: int = Query(1, ge=1, le=100000), page_size: int = 20, done: str = "",
) -> HTMLResponse:
    if page_size not in PAGE_SIZES:
        raise InvalidInput(f"每页条数只能是 {'、'.join(map(str, PAGE_SIZES))}", {"field": "page_size"})
    unit_ids = int_list([unit], "unit")
    filters: dict[str, Any] = {"level": level, "state": state, "unit": list(unit_ids), "source": [source] if source else [],
                               "overdue": True if overdue else None, "case_no": case,
                               **day_bounds(rt, parse_day(date_from, "date_from"), parse_day(date_to, "date_to"))}
    data = supervision_service.list_tickets(rt, user.actor, filters, page, page_size)
    query = {"level": level, "state": state, "unit": unit, "source": source, "overdue": overdue,
             "date_from": date_from, "date_to": date_to, "page_size": str(page_size), "case": case}
    return render(request, "supervision/ledger.html", LedgerPage(
        Shell.of(user, "supervision"), tabs_for(user.role), data["items"], data["total"], page, page_size,
        data["summary"], query, [u for u in accounts.list_units(rt) if u["active"]], done=done))


# ---------------------------------------------------------------- issuing
@dataclass(frozen=True)
class IssuePage:
    shell: Shell
    tabs: tuple[tuple[str, str, str], ...]
    units: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    form: dict[str, Any]
    chosen_units: set[int]
    level_hours: dict[str, float]
    levels: list[TicketLevel] = field(default_factory=lambda: list(TicketLevel))
    error: str = ""

    @property
    def map_config(self) -> dict[str, Any]:
        pins = [{"lon": c["lon"], "lat": c["lat"], "label": c["case_no"]} for c in self.cases]
        return {"pins": pins, "lon": self.form.get("lon") or None, "lat": self.form.get("lat") or None}


def _case_briefs(rt: Runtime, user: StaffUser, case_nos: list[str]) -> list[dict[str, Any]]:
    out = []
    for no in case_nos:
        d = case_service.case_detail(rt, no, user.actor)
        out.append({"case_no": d.case_no, "category_name": d.category_name, "address": d.address, "lon": d.lon,
                    "lat": d.lat, "main_unit_id": d.main_unit_id, "main_unit_name": d.main_unit_name,
                    "state_label": d.state.label, "description": d.description})
    return out


def _issue_page(rt: Runtime, user: StaffUser, case_nos: list[str], form: dict[str, Any], units: set[int],
                error: str = "") -> IssuePage:
    cases = _case_briefs(rt, user, case_nos)
    if not form.get("title") and cases:
        first = cases[0]
        form["title"] = (f"{first['category_name']}：{first['address']}" if len(cases) == 1
                         else f"{first['category_name']}等 {len(cases)} 件案件督办")[:200]
    if not units:
        units = {c["main_unit_id"] for c in cases if c["main_unit_id"]}
    form.setdefault("case_nos", " ".join(c["case_no"] for c in cases))
    form.setdefault("level", TicketLevel.WHITE.value)
    return IssuePage(Shell.of(user, "supervision"), tabs_for(user.role),
                     [u for u in accounts.list_units(rt) if u["active"]], cases, form, units,
                     dict(supervision_service.rules(rt).level_hours), error=error)


def _may_issue(user: StaffUser) -> None:
    if user.role not in ISSUERS:
        raise Forbidden(f"「{user.role.label}」不能下发督导单（限督查员、领导和系统管理员）")


@router.get("/new", response_class=HTMLResponse)
def issue_form(request: Request, rt: RuntimeDep, user: PageUser,
               case: list[str] = Query(default=[]),  # noqa: B008
               lon: str = "", lat: str = "") -> HTMLResponse:
    _may_issue(user)
    nos = [c.strip() for c in case if c.strip()][: supervision_service.MAX_CASES]
    return render(request, "supervision/new.html", _issue_page(rt, user, nos, {"lon": lon, "lat": lat}, set()))


def split_case_nos(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,，;；、]+", text or "") if c]


@router.post("/new")
async def issue(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    _may_issue(user)
    form = await request.form()
    posted = {k: v for k, v in form.items() if isinstance(v, str)}
    case_nos = split_case_nos(posted.get("case_nos", ""))
    try:
        unit_ids = int_list(form.getlist("unit_ids"), "unit_ids")
        hours = optional_float(posted.get("limit_hours"), "limit_hours", "整改时限")
        data = supervision_service.TicketInput(
            level=posted.get("level", "white"),
            title=clean_text(posted.get("title", ""), field="title", label="标题"),
            content=clean_text(posted.get("content", ""), multiline=True, field="content", label="督导内容"),
            unit_ids=unit_ids, case_nos=tuple(case_nos),
            lon=optional_float(posted.get("lon"), "lon", "经度"), lat=optional_float(posted.get("lat"), "lat", "纬度"),
            address=clean_text(posted.get("address", ""), field="address", label="地址"),
            deadline=local_deadline(rt, posted.get("deadline", "")), limit_hours=hours)
        result = await run_in_threadpool(supervision_service.issue_ticket, rt, user.actor, data)
    except DomainError as exc:
        known = []
        for no in case_nos:  # the form comes back with the cases that exist; the message names the others
            try:
                case_service.case_detail(rt, no, user.actor)
                known.append(no)
            except NotFound:
                continue
        page = _issue_page(rt, user, known, {**posted, "case_nos": " ".join(case_nos)},
                           set(int_list([u for u in form.getlist("unit_ids") if str(u).isdigit()], "unit_ids")),
                           error=exc.message)
        return render(request, "supervision/new.html", page, status_code=status_of(exc))
    return RedirectResponse(f"/console/supervision/tickets/{result['ticket_no']}?done=issue", status_code=303)


# ---------------------------------------------------------------- one ticket
@dataclass(frozen=True)
class TicketPage:
    shell: Shell
    tabs: tuple[tuple[str, str, str], ...]
    ticket: dict[str, Any]
    reply_photos: dict[int, list[str]]
    timeline: list[dict[str, Any]]
    done: str = ""
    error: str = ""
    stale: bool = False
    open_action: str = ""
    posted: dict[str, str] = field(default_factory=dict)
    note_required: frozenset[str] = frozenset(a.value for a in NOTE_REQUIRED)


def _timeline(rt: Runtime, ticket: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[int, list[str]]]:
    """The history in words (escalations name both levels) and, per unit, the photos of its latest reply."""
    units = {u["unit_id"]: u["unit_name"] for u in ticket["units"]}
    tz = rt.settings.tz
    rows = []
    photos_by_unit: dict[int, list[str]] = {}
    for e in ticket["timeline"]:
        p = e["payload"] or {}
        lines = []
        if e["action"] == "issue":
            lines.append("交办单位：" + "、".join(units.get(u, str(u)) for u in p.get("unit_ids", [])))
        if e["action"] == "escalate":
            lines.append(f"{TicketLevel(p['from_level']).label} → {TicketLevel(p['to_level']).label}")
        if p.get("deadline"):
            lines.append(f"整改期限：{datetime.fromisoformat(p['deadline']).astimezone(tz):%Y-%m-%d %H:%M}")
        if e["action"] == "reply" and p.get("waiting_units"):
            lines.append("待回复：" + "、".join(units.get(u, str(u)) for u in p["waiting_units"]))
        urls = [f"/api/v1/photos/{i}" for i in p.get("photo_ids", [])]
        if e["action"] == "reply" and e["unit_id"] is not None:
            photos_by_unit[e["unit_id"]] = urls
        unit = units.get(e["unit_id"]) if e["unit_id"] else None
        rows.append({**e, "lines": lines, "photos": urls, "unit_name": unit})
    return rows, photos_by_unit


def ticket_page(rt: Runtime, user: StaffUser, ticket_no: str, **extra: Any) -> TicketPage:
    ticket = supervision_service.ticket_detail(rt, ticket_no, user.actor)
    timeline, reply_photos = _timeline(rt, ticket)
    for u in ticket["units"]:  # photos belong to the reply that stands, not one sent back
        if u["replied_at"] is None:
            reply_photos.pop(u["unit_id"], None)
    return TicketPage(Shell.of(user, "supervision"), tabs_for(user.role), ticket, reply_photos, timeline, **extra)


@router.get("/tickets/{ticket_no}", response_class=HTMLResponse)
def ticket_view(request: Request, ticket_no: str, rt: RuntimeDep, user: PageUser, done: str = "") -> HTMLResponse:
    label = TicketAction(done).label if done in TicketAction._value2member_map_ else ""
    return render(request, "supervision/ticket.html", ticket_page(rt, user, ticket_no, done=label))


async def _reply_photos(rt: Runtime, user: StaffUser, form: FormData) -> tuple[int, ...]:
    files = [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
    if not files:
        return ()
    if len(files) > supervision_service.MAX_REPLY_PHOTOS:
        raise InvalidInput(f"每次回复最多附 {supervision_service.MAX_REPLY_PHOTOS} 张照片", {"field": "photos"})
    prepared = [await run_in_threadpool(photos.prepare_photo, rt, await f.read(), "after", f.filename or "")
                for f in files]
    return tuple(await run_in_threadpool(photos.upload_photos, rt, prepared, user.display_name))


@router.post("/tickets/{ticket_no}/act/{action}")
async def act(request: Request, ticket_no: str, action: str, rt: RuntimeDep, user: PageUser) -> Response:
    allowed = (TicketAction.REPLY, TicketAction.ACCEPT, TicketAction.SEND_BACK, TicketAction.CANCEL)
    if action not in {a.value for a in allowed}:
        raise NotFound(f"没有「{action}」这个操作")
    chosen = TicketAction(action)
    form = await request.form(max_files=supervision_service.MAX_REPLY_PHOTOS + 1)
    posted = {k: v for k, v in form.items() if isinstance(v, str) and k != "version"}
    try:
        version_text = str(form.get("version") or "")
        version = int(version_text) if version_text.strip().isdigit() else None
        note = clean_text(posted.get("note", ""), multiline=True, field="note", label="说明")
        photo_ids = await _reply_photos(rt, user, form) if chosen is TicketAction.REPLY else ()
        await run_in_threadpool(supervision_service.ticket_action, rt, ticket_no, chosen, user.actor, note, version,
                                photo_ids)
    except NotFound:
        raise
    except DomainError as exc:
        stale = isinstance(exc, StaleCase) or exc.code == "stale_version"
        page = await run_in_threadpool(ticket_page, rt, user, ticket_no, error=exc.message, stale=stale,
                                       open_action=chosen.value, posted=posted)
        return render(request, "supervision/ticket.html", page, status_code=status_of(exc))
    return RedirectResponse(f"/console/supervision/tickets/{ticket_no}?done={chosen.value}", status_code=303)
