"""Console pages: appraisals (红蓝旗评比: preview with the rule, publish, history) and the key-task
ledger (民生实事: monthly scheduling, progress, overdue milestones raise supervision)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from citysteward.campaigns.domain import FLAG_SCHEMES, AppraisalRule
from citysteward.campaigns.services import appraisal, setup, tasks
from citysteward.campaigns.web.common import TABS, optional_int, texts
from citysteward.kernel.errors import DomainError
from citysteward.org.deps import PageUser, Shell
from citysteward.org.services import accounts
from citysteward.org.services.auth import StaffUser
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.pages import PageRoute, render
from citysteward.platform.runtime import Runtime

router = APIRouter(prefix="/console/campaigns", route_class=PageRoute, include_in_schema=False)
RULE_FIELDS = ("inspection_weight", "case_weight", "top", "bottom", "scheme", "min_inspections")


@dataclass(frozen=True)
class AppraisalPage:
    shell: Shell
    tabs: tuple[tuple[str, str, str], ...]
    form: dict[str, str]
    campaigns: list[dict[str, Any]]
    preview: dict[str, Any] | None
    history: list[dict[str, Any]]
    may_publish: bool
    schemes: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(FLAG_SCHEMES))
    scopes: dict[str, str] = field(default_factory=lambda: dict(appraisal.SCOPES))
    error: str = ""
    done: str = ""


def _rule(form: dict[str, str], rt: Runtime) -> AppraisalRule:
    base = appraisal.default_rule(rt).to_dict()
    given = {k: form[k] for k in RULE_FIELDS if form.get(k, "").strip()}
    return AppraisalRule.from_dict({**base, **given})


def _appraisal_page(rt: Runtime, user: StaffUser, form: dict[str, str], error: str = "", done: str = "",
                    preview: bool = True) -> AppraisalPage:
    shown = None
    if preview and form.get("date_from") and form.get("date_to") and not error:
        shown = appraisal.compute(rt, form.get("scope", "area"), setup.day(form["date_from"], "date_from"),
                                  setup.day(form["date_to"], "date_to"), _rule(form, rt), form.get("campaign", ""))
    rule = _rule(form, rt) if not error else appraisal.default_rule(rt)
    full = {**{k: str(v) for k, v in rule.to_dict().items()}, "scope": "area", **form}
    return AppraisalPage(Shell.of(user, "campaigns"), TABS, full, setup.list_campaigns(rt), shown,
                         appraisal.history(rt, form.get("campaign", "")), user.role in setup.MANAGERS,
                         error=error, done=done)


@router.get("/appraisals", response_class=HTMLResponse)
def appraisals(request: Request, rt: RuntimeDep, user: PageUser, campaign: str = "", scope: str = "area",
               date_from: str = "", date_to: str = "", done: str = "", inspection_weight: str = "",
               case_weight: str = "", top: str = "", bottom: str = "", scheme: str = "",
               min_inspections: str = "") -> HTMLResponse:
    form = {k: v for k, v in {"campaign": campaign, "scope": scope, "date_from": date_from, "date_to": date_to,
                              "inspection_weight": inspection_weight, "case_weight": case_weight, "top": top,
                              "bottom": bottom, "scheme": scheme, "min_inspections": min_inspections}.items() if v}
    return render(request, "campaigns/appraisals.html", _appraisal_page(rt, user, form, done=done))


@router.post("/appraisals")
async def publish(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    form = texts(await request.form())
    try:
        aid = await run_in_threadpool(
            appraisal.publish, rt, user.actor, form.get("title", ""), form.get("scope", "area"),
            setup.day(form.get("date_from", ""), "date_from"), setup.day(form.get("date_to", ""), "date_to"),
            _rule(form, rt), form.get("campaign", ""))
    except DomainError as exc:
        return render(request, "campaigns/appraisals.html", _appraisal_page(rt, user, form, exc.message, preview=False),
                      status_code=status_of(exc))
    return RedirectResponse(f"/console/campaigns/appraisals?campaign={form.get('campaign', '')}&done={aid}",
                            status_code=303)


# ---------------------------------------------------------------- key tasks
@dataclass(frozen=True)
class TasksPage:
    shell: Shell
    tabs: tuple[tuple[str, str, str], ...]
    ledger: dict[str, Any]
    may_raise: bool
    units: list[dict[str, Any]] = field(default_factory=list)
    form: dict[str, str] = field(default_factory=dict)
    done: str = ""
    error: str = ""


def _month_now(rt: Runtime) -> str:
    today = rt.now().astimezone(rt.settings.tz).date()
    return f"{today:%Y-%m}"


@router.get("/tasks", response_class=HTMLResponse)
def key_tasks(request: Request, rt: RuntimeDep, user: PageUser, month: str = "", done: str = "") -> HTMLResponse:
    month = month or _month_now(rt)
    year = int(month[:4]) if month[:4].isdigit() else date.today().year
    return render(request, "campaigns/tasks.html", TasksPage(
        Shell.of(user, "campaigns"), TABS, tasks.ledger(rt, year, month), user.role in setup.MANAGERS,
        _units(rt), done=done))


def _units(rt: Runtime) -> list[dict[str, Any]]:
    return [u for u in accounts.list_units(rt) if u["active"]]


@router.post("/tasks")
async def add_task(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    """A task with its milestones, one a line: `名称 | YYYY-MM-DD`."""
    posted = texts(await request.form())
    try:
        year = optional_int(posted.get("year"), "year", "年度") or 0
        milestones = []
        for line in (ln for ln in posted.get("milestones", "").splitlines() if ln.strip()):
            name, _, due = (p.strip() for p in line.partition("|"))
            milestones.append(tasks.MilestoneInput(name, setup.day(due, "milestones")))
        await run_in_threadpool(tasks.add_task, rt, user.actor, tasks.TaskInput(
            year, posted.get("level", ""), optional_int(posted.get("seq"), "seq", "序号") or 1, posted.get("name", ""),
            posted.get("target", ""), optional_int(posted.get("owner_unit_id"), "owner_unit_id", "责任单位"),
            posted.get("owner_name", ""), tuple(milestones)))
    except DomainError as exc:
        month = f"{posted.get('year', '')}-01" if posted.get("year", "").isdigit() else _month_now(rt)
        return render(request, "campaigns/tasks.html", TasksPage(
            Shell.of(user, "campaigns"), TABS, tasks.ledger(rt, int(month[:4]), month), user.role in setup.MANAGERS,
            _units(rt), posted, error=exc.message), status_code=status_of(exc))
    return RedirectResponse(f"/console/campaigns/tasks?month={posted.get('year')}-01&done=task", status_code=303)


@router.post("/tasks/{task_id}/progress")
async def progress(request: Request, rt: RuntimeDep, user: PageUser, task_id: int) -> Response:
    form = await request.form()
    posted = texts(form)
    month = posted.get("month", "") or _month_now(rt)
    try:
        percent = optional_int(posted.get("percent"), "percent", "完成进度")
        done = [int(x) for x in form.getlist("done") if isinstance(x, str) and x.isdigit()]
        await run_in_threadpool(tasks.report_progress, rt, user.actor, task_id, month,
                                percent if percent is not None else -1, posted.get("note", ""), done)
    except DomainError as exc:
        year = int(month[:4]) if month[:4].isdigit() else date.today().year
        return render(request, "campaigns/tasks.html", TasksPage(
            Shell.of(user, "campaigns"), TABS, tasks.ledger(rt, year, _month_now(rt)), user.role in setup.MANAGERS,
            _units(rt), error=exc.message), status_code=status_of(exc))
    return RedirectResponse(f"/console/campaigns/tasks?month={month}&done=progress", status_code=303)


@router.post("/tasks/overdue")
async def overdue(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    if user.role not in setup.MANAGERS:
        setup.may_manage(user.actor)
    made = await run_in_threadpool(tasks.raise_overdue, rt, user.actor)
    return RedirectResponse(f"/console/campaigns/tasks?done=overdue-{len(made)}", status_code=303)
