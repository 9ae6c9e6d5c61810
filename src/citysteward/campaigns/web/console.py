"""Console pages: the campaigns with their progress report and daily scheduling, the subjects' ledger
(台账), and the checklist templates an administrator adds and edits without code."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from citysteward.campaigns.domain import CampaignInput, Member, Phase, SubjectKind, Template
from citysteward.campaigns.services import figures, inspections, report, setup
from citysteward.campaigns.web.common import TABS, optional_float, optional_int, texts
from citysteward.kernel.actor import Role
from citysteward.kernel.errors import DomainError, InvalidInput
from citysteward.org.deps import PageUser, Shell
from citysteward.org.services import accounts
from citysteward.org.services.auth import StaffUser
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.pages import PageRoute, render
from citysteward.platform.runtime import Runtime

router = APIRouter(prefix="/console/campaigns", route_class=PageRoute, include_in_schema=False)


@dataclass(frozen=True)
class ListPage:
    shell: Shell
    tabs: tuple[tuple[str, str, str], ...]
    campaigns: list[dict[str, Any]]
    units: list[dict[str, Any]]
    may_manage: bool
    streets: list[dict[str, Any]] = field(default_factory=list)
    form: dict[str, str] = field(default_factory=dict)
    kinds: list[SubjectKind] = field(default_factory=lambda: list(SubjectKind))
    error: str = ""
    done: str = ""

    @property
    def kind_labels(self) -> dict[str, str]:
        return {k.value: k.label for k in SubjectKind}


def _list_page(rt: Runtime, user: StaffUser, form: dict[str, str] | None = None, error: str = "",
               done: str = "") -> ListPage:
    rows = setup.list_campaigns(rt)
    return ListPage(Shell.of(user, "campaigns"), TABS, rows, [u for u in accounts.list_units(rt) if u["active"]],
                    user.role in setup.MANAGERS, setup.streets(rt), form or {}, error=error, done=done)


@router.get("", response_class=HTMLResponse)
def campaigns(request: Request, rt: RuntimeDep, user: PageUser, done: str = "") -> HTMLResponse:
    return render(request, "campaigns/list.html", _list_page(rt, user, done=done))


def _phases(text: str) -> tuple[Phase, ...]:
    """One phase a line: `名称 | YYYY-MM-DD | YYYY-MM-DD | 目标`."""
    out = []
    for n, line in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
        parts = [p.strip() for p in line.split("|")] + ["", "", ""]
        out.append(Phase(n, parts[0], setup.day(parts[1], "phases"), setup.day(parts[2], "phases"), parts[3]))
    return tuple(out)


def _members(text: str) -> tuple[Member, ...]:
    out = []
    for line in (ln for ln in text.splitlines() if ln.strip()):
        parts = [p.strip() for p in line.split("|")] + [""]
        out.append(Member(parts[0][:64], parts[1][:32]))
    return tuple(out)


@router.post("")
async def create(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    form = await request.form()
    posted = texts(form)
    try:
        data = CampaignInput(
            code=posted.get("code", ""), name=posted.get("name", ""),
            starts_on=setup.day(posted.get("starts_on", ""), "starts_on"),
            ends_on=setup.day(posted.get("ends_on", ""), "ends_on"), office=posted.get("office", ""),
            lead_unit_id=optional_int(posted.get("lead_unit_id"), "lead_unit_id", "牵头单位"),
            goal=posted.get("goal", ""), members=_members(posted.get("members", "")),
            subject_kinds=tuple(str(k) for k in form.getlist("subject_kinds")),
            area_codes=tuple(str(a) for a in form.getlist("area_codes") if isinstance(a, str) and a),
            phases=_phases(posted.get("phases", "")))
        made = await run_in_threadpool(setup.create_campaign, rt, user.actor, data)
    except DomainError as exc:
        return render(request, "campaigns/list.html", _list_page(rt, user, posted, exc.message),
                      status_code=status_of(exc))
    return RedirectResponse(f"/console/campaigns/c/{made['code']}?done=create", status_code=303)


@dataclass(frozen=True)
class CampaignPage:
    shell: Shell
    tabs: tuple[tuple[str, str, str], ...]
    figures: dict[str, Any]
    daily: dict[str, Any]
    inspections: list[dict[str, Any]]
    query: dict[str, str]
    may_manage: bool
    done: str = ""
    kinds: list[SubjectKind] = field(default_factory=lambda: list(SubjectKind))

    @property
    def done_text(self) -> str:
        what, _, n = self.done.partition("-")
        return {"create": "已创建", "targets": f"已加入目标清单 {n} 个", "tickets": f"已关联督导单 {n} 张"}.get(what, "")


def _optional_day(value: str, name: str) -> date | None:
    return setup.day(value, name) if (value or "").strip() else None


@router.get("/c/{code}", response_class=HTMLResponse)
def campaign(request: Request, rt: RuntimeDep, user: PageUser, code: str, date_from: str = "", date_to: str = "",
             day: str = "", done: str = "") -> HTMLResponse:
    fig = figures.campaign_figures(rt, code, _optional_day(date_from, "date_from"), _optional_day(date_to, "date_to"))
    today = rt.now().astimezone(rt.settings.tz).date()
    the_day = _optional_day(day, "day") or min(max(today, fig["campaign"]["starts_on"]), fig["campaign"]["ends_on"])
    daily = figures.daily_report(rt, code, the_day)
    with_id = setup.campaign_id(rt, code)
    rows = inspections.recent(rt, campaign_id=with_id)[-50:][::-1]
    return render(request, "campaigns/campaign.html", CampaignPage(
        Shell.of(user, "campaigns"), TABS, fig, daily, rows,
        {"date_from": date_from, "date_to": date_to, "day": the_day.isoformat()}, user.role in setup.MANAGERS, done))


@router.post("/c/{code}/targets")
async def add_targets(request: Request, rt: RuntimeDep, user: PageUser, code: str) -> Response:
    """目标清单: every registered subject of the chosen kinds (in the campaign's areas, if it has any)."""
    form = await request.form()
    kinds = [k for k in form.getlist("kind") if isinstance(k, str)]
    n = await run_in_threadpool(setup.add_targets_by_kind, rt, user.actor, code, kinds)
    return RedirectResponse(f"/console/campaigns/c/{code}?done=targets-{n}", status_code=303)


@router.post("/c/{code}/tickets")
async def link_tickets(request: Request, rt: RuntimeDep, user: PageUser, code: str) -> Response:
    posted = texts(await request.form())
    nos = [n for n in posted.get("ticket_nos", "").replace("，", " ").replace(",", " ").split() if n]
    n = await run_in_threadpool(setup.link_tickets, rt, user.actor, code, nos, posted.get("title_prefix", ""))
    return RedirectResponse(f"/console/campaigns/c/{code}?done=tickets-{n}", status_code=303)


@router.get("/c/{code}/report.{fmt}")
def download(rt: RuntimeDep, user: PageUser, code: str, fmt: str, date_from: str = "", date_to: str = "") -> Response:
    first, last = _optional_day(date_from, "date_from"), _optional_day(date_to, "date_to")
    if fmt == "xlsx":
        content, media = report.xlsx(rt, code, first, last), report.XLSX
    elif fmt == "docx":
        content, media = report.docx(rt, code, first, last), report.DOCX
    else:
        raise InvalidInput("只能导出 xlsx 或 docx", {"field": "fmt"})
    name = f"campaign-{code}.{fmt}"
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote('专项行动进展报告-' + name)}"
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})


# ---------------------------------------------------------------- subjects (台账)
@dataclass(frozen=True)
class SubjectsPage:
    shell: Shell
    tabs: tuple[tuple[str, str, str], ...]
    subjects: list[dict[str, Any]]
    units: list[dict[str, Any]]
    kind: str
    may_manage: bool
    form: dict[str, str] = field(default_factory=dict)
    kinds: list[SubjectKind] = field(default_factory=lambda: list(SubjectKind))
    error: str = ""
    done: str = ""


def _subjects_page(rt: Runtime, user: StaffUser, kind: str, form: dict[str, str] | None = None, error: str = "",
                   done: str = "") -> SubjectsPage:
    if kind and kind not in {k.value for k in SubjectKind}:
        raise InvalidInput(f"未知的检查对象类型：{kind}", {"field": "kind"})
    return SubjectsPage(Shell.of(user, "campaigns"), TABS, setup.subjects(rt, kind or None),
                        [u for u in accounts.list_units(rt) if u["active"]], kind, user.role in setup.MANAGERS,
                        form or {}, error=error, done=done)


@router.get("/subjects", response_class=HTMLResponse)
def subjects(request: Request, rt: RuntimeDep, user: PageUser, kind: str = "", done: str = "") -> HTMLResponse:
    return render(request, "campaigns/subjects.html", _subjects_page(rt, user, kind, done=done))


@router.post("/subjects")
async def add_subject(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    posted = texts(await request.form())
    try:
        data = setup.SubjectInput(
            kind=posted.get("kind", ""), name=posted.get("name", ""), address=posted.get("address", ""),
            lon=optional_float(posted.get("lon"), "lon", "经度"), lat=optional_float(posted.get("lat"), "lat", "纬度"),
            unit_id=optional_int(posted.get("unit_id"), "unit_id", "责任单位"), leader=posted.get("leader", ""),
            contact=posted.get("contact", ""), point_type=posted.get("point_type", ""), zone=posted.get("zone", ""))
        await run_in_threadpool(setup.add_subject, rt, user.actor, data)
    except DomainError as exc:
        return render(request, "campaigns/subjects.html", _subjects_page(rt, user, "", posted, exc.message),
                      status_code=status_of(exc))
    return RedirectResponse(f"/console/campaigns/subjects?kind={posted.get('kind', '')}&done=1", status_code=303)


# ---------------------------------------------------------------- checklist templates
@dataclass(frozen=True)
class TemplatesPage:
    shell: Shell
    tabs: tuple[tuple[str, str, str], ...]
    templates: list[dict[str, Any]]
    shown: Template | None
    is_admin: bool
    form: dict[str, str] = field(default_factory=dict)
    kinds: list[SubjectKind] = field(default_factory=lambda: list(SubjectKind))
    error: str = ""
    done: str = ""


def _items_text(template: Template) -> str:
    return "\n".join(" | ".join([i.text, f"{i.weight:g}", "照片" if i.photo_required else "",
                                 "" if i.count_min is None else str(i.count_min), i.count_unit, i.category_code]).rstrip(" |")
                     for i in template.items)


def _templates_page(rt: Runtime, user: StaffUser, shown_id: int | None, form: dict[str, str] | None = None,
                    error: str = "", done: str = "") -> TemplatesPage:
    shown = setup.template(rt, shown_id) if shown_id else None
    if form is None and shown is not None:  # editing starts from the current version
        form = {"code": shown.code, "name": shown.name, "subject_kind": shown.subject_kind.value,
                "items": _items_text(shown), "note": shown.note}
    return TemplatesPage(Shell.of(user, "campaigns"), TABS, setup.templates(rt), shown, user.role is Role.ADMIN,
                         form or {}, error=error, done=done)


@router.get("/templates", response_class=HTMLResponse)
def templates(request: Request, rt: RuntimeDep, user: PageUser, show: str = "", done: str = "") -> HTMLResponse:
    return render(request, "campaigns/templates.html",
                  _templates_page(rt, user, optional_int(show, "show", "模板"), done=done))


@router.post("/templates")
async def save_template(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    posted = texts(await request.form())
    try:
        data = setup.TemplateInput(code=posted.get("code", ""), name=posted.get("name", ""),
                                   subject_kind=posted.get("subject_kind", ""),
                                   items=setup.parse_items(posted.get("items", "")), note=posted.get("note", ""))
        saved = await run_in_threadpool(setup.save_template, rt, user.actor, data)
    except DomainError as exc:
        return render(request, "campaigns/templates.html", _templates_page(rt, user, None, posted, exc.message),
                      status_code=status_of(exc))
    return RedirectResponse(f"/console/campaigns/templates?show={saved['id']}&done={saved['version']}", status_code=303)
