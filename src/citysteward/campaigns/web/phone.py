"""The inspector's phone page (390 px): subjects nearby, tick the checklist with photos, then turn a
failed item into a case (or, for a supervisor, a supervision ticket) with one tap."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from citysteward.campaigns.domain import Outcome, RoundKind, Template
from citysteward.campaigns.services import inspections, setup
from citysteward.campaigns.web.common import optional_float, optional_int, read_photos, texts
from citysteward.kernel.actor import Role
from citysteward.kernel.errors import DomainError, Forbidden, NotFound
from citysteward.org.deps import PageUser
from citysteward.org.services.auth import StaffUser
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.pages import PageRoute, render
from citysteward.supervision.domain.tickets import ISSUERS

router = APIRouter(prefix="/m/campaigns", route_class=PageRoute, include_in_schema=False)


def _may_inspect(user: StaffUser) -> None:
    if user.role not in setup.INSPECTORS:
        raise Forbidden("此页面供监督员和督查人员现场检查使用")


@dataclass(frozen=True)
class NearPage:
    user: StaffUser
    located: bool
    subjects: list[dict[str, Any]]
    campaigns: list[dict[str, Any]]
    campaign: str
    lon: str
    lat: str
    browse: bool = False  # a kind was chosen: list by kind, do not ask for the position


@router.get("", response_class=HTMLResponse)
def near(request: Request, rt: RuntimeDep, user: PageUser, lon: str = "", lat: str = "", campaign: str = "",
         kind: str = "") -> HTMLResponse:
    _may_inspect(user)
    x, y = optional_float(lon, "lon", "经度"), optional_float(lat, "lat", "纬度")
    if x is not None and y is not None:
        rows = setup.nearby_subjects(rt, x, y)
    else:
        rows = setup.subjects(rt, kind or None)[:50]
    active = [c for c in setup.list_campaigns(rt) if c["state"] == "active"]
    return render(request, "campaigns/m_near.html", NearPage(user, x is not None and y is not None, rows, active,
                                                             campaign, lon, lat, bool(kind)))


@dataclass(frozen=True)
class FormPage:
    user: StaffUser
    subject: dict[str, Any]
    template: Template | None
    templates: list[dict[str, Any]]
    campaign: str
    rounds: list[RoundKind] = field(default_factory=lambda: list(RoundKind))
    outcomes: list[Outcome] = field(default_factory=lambda: list(Outcome))
    posted: dict[str, str] = field(default_factory=dict)
    error: str = ""


def _form_page(rt: Any, user: StaffUser, subject_id: int, template_id: int | None, campaign: str,
               posted: dict[str, str] | None = None, error: str = "") -> FormPage:
    subject = next(iter(setup.subjects_by_id(rt, [subject_id])), None)
    if subject is None:
        raise NotFound("检查对象不存在")
    options = setup.templates(rt, subject["kind"])
    chosen = template_id or (options[0]["id"] if options else None)
    return FormPage(user, subject, setup.template(rt, chosen) if chosen else None, options, campaign,
                    posted=posted or {}, error=error)


@router.get("/inspect/{subject_id}", response_class=HTMLResponse)
def inspect_form(request: Request, rt: RuntimeDep, user: PageUser, subject_id: int, template: str = "",
                 campaign: str = "") -> HTMLResponse:
    _may_inspect(user)
    page = _form_page(rt, user, subject_id, optional_int(template, "template", "模板"), campaign)
    return render(request, "campaigns/m_inspect.html", page)


@router.post("/inspect/{subject_id}")
async def inspect_post(request: Request, rt: RuntimeDep, user: PageUser, subject_id: int) -> Response:
    _may_inspect(user)
    form = await request.form()
    posted = texts(form)
    template_id = optional_int(posted.get("template_id"), "template_id", "模板")
    try:
        if template_id is None:
            raise NotFound("请选择检查标准模板")
        template = setup.template(rt, template_id)
        results = []
        for item in template.items:
            results.append(inspections.ResultInput(
                item.code, posted.get(f"o_{item.code}", ""),
                optional_int(posted.get(f"n_{item.code}"), item.code, f"「{item.text}」的数量"),
                posted.get(f"note_{item.code}", ""), await read_photos(rt, form, f"p_{item.code}")))
        data = inspections.InspectionInput(subject_id, template_id, posted.get("round_kind", ""), tuple(results),
                                           campaign_code=posted.get("campaign", ""), note=posted.get("note", ""))
        done = await run_in_threadpool(inspections.inspect, rt, user.actor, data)
    except DomainError as exc:
        page = _form_page(rt, user, subject_id, template_id, posted.get("campaign", ""), posted, exc.message)
        return render(request, "campaigns/m_inspect.html", page, status_code=status_of(exc))
    return RedirectResponse(f"/m/campaigns/inspections/{done['id']}", status_code=303)


@dataclass(frozen=True)
class DonePage:
    user: StaffUser
    inspection: dict[str, Any]
    may_case: bool
    may_ticket: bool
    done: str = ""
    error: str = ""


@router.get("/inspections/{inspection_id}", response_class=HTMLResponse)
def inspection_page(request: Request, rt: RuntimeDep, user: PageUser, inspection_id: int, done: str = "",
                    error: str = "") -> HTMLResponse:
    _may_inspect(user)
    detail = inspections.inspection_detail(rt, inspection_id)
    return render(request, "campaigns/m_done.html", _done_page(user, detail, done, error))


def _done_page(user: StaffUser, detail: dict[str, Any], done: str = "", error: str = "") -> DonePage:
    return DonePage(user, detail, user.role is Role.INSPECTOR, user.role in ISSUERS, done, error)


@router.post("/results/{result_id}/{target}")
async def hand_over(request: Request, rt: RuntimeDep, user: PageUser, result_id: int, target: str) -> Response:
    """转为案件 / 下发督导单: one tap on a failed item."""
    form = texts(await request.form())
    inspection_id = optional_int(form.get("inspection_id"), "inspection_id", "检查记录") or 0
    try:
        if target == "case":
            made = await run_in_threadpool(inspections.to_case, rt, user.actor, result_id, form.get("category_code", ""))
            message = f"已上报案件 {made['case_no']}"
        elif target == "ticket":
            made = await run_in_threadpool(inspections.to_ticket, rt, user.actor, result_id, form.get("level", "white"))
            message = f"已下发督导单 {made['ticket_no']}"
        else:
            raise NotFound("页面不存在")
    except DomainError as exc:
        detail = inspections.inspection_detail(rt, inspection_id)
        return render(request, "campaigns/m_done.html", _done_page(user, detail, error=exc.message),
                      status_code=status_of(exc))
    detail = inspections.inspection_detail(rt, inspection_id)
    return render(request, "campaigns/m_done.html", _done_page(user, detail, done=message))
