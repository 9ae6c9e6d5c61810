"""Pages of the subsurface context: the survey dashboard with the defect map coloured by grade, the
defect ledger and a defect's page (history of observations, actions, treatment, photos)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from citysteward.kernel.errors import DomainError, InvalidInput
from citysteward.org.deps import PageUser, Shell
from citysteward.org.services import accounts
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.pages import PageRoute, render
from citysteward.subsurface import services as ss
from citysteward.subsurface.domain import DefectType, SurveyMethod, TreatmentMethod

router = APIRouter(prefix="/console/subsurface", route_class=PageRoute, include_in_schema=False)
SCRIPT = Path(__file__).parent / "templates" / "subsurface" / "defect-map.js"
MAX_FORM_FIELDS = 40


@dataclass(frozen=True)
class DashboardPage:
    shell: Shell
    board: dict[str, Any]
    defects: dict[str, Any]
    surveys: list[dict[str, Any]]
    rules: dict[str, Any]
    filters: dict[str, Any]
    due: list[dict[str, Any]]
    types: list[Any] = field(default_factory=lambda: list(DefectType))
    methods: list[Any] = field(default_factory=lambda: list(SurveyMethod))
    error: str = ""
    message: str = ""


@dataclass(frozen=True)
class DefectPage:
    shell: Shell
    d: dict[str, Any]
    rules: dict[str, Any]
    units: list[dict[str, Any]]
    types: list[Any] = field(default_factory=lambda: list(DefectType))
    methods: list[Any] = field(default_factory=lambda: list(SurveyMethod))
    treatments: list[Any] = field(default_factory=lambda: list(TreatmentMethod))
    error: str = ""
    message: str = ""


def _dashboard(request: Request, rt: Any, user: Any, filters: dict[str, Any], error: str = "", status: int = 200,
               message: str = "") -> HTMLResponse:
    page = DashboardPage(Shell.of(user, "subsurface"), ss.dashboard(rt, user.actor),
                         ss.list_defects(rt, user.actor, filters, 1, 100), ss.list_surveys(rt, user.actor),
                         ss.rules_view(rt), filters, ss.resurveys_due(rt, user.actor), error=error, message=message)
    return render(request, "subsurface/dashboard.html", page, status_code=status)


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, rt: RuntimeDep, user: PageUser, road: str = "", type: str = "",  # noqa: A002
              grade: str = "", state: str = "", done: str = "") -> HTMLResponse:
    filters = {"road": road[:100], "type": type[:16], "grade": grade[:16], "state": state[:16]}
    return _dashboard(request, rt, user, filters, message="已保存" if done else "")


@router.get("/defect-map.js", include_in_schema=False)
def script(user: PageUser) -> FileResponse:
    return FileResponse(SCRIPT, media_type="text/javascript")


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form(max_fields=MAX_FORM_FIELDS)
    return {k: (v if isinstance(v, UploadFile) else str(v).strip()) for k, v in form.multi_items()}


@router.post("/defects")
async def record(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    data = {k: v for k, v in (await _form(request)).items() if v != ""}
    try:
        result = await run_in_threadpool(ss.record_defect, rt, user.actor, data)
    except DomainError as exc:
        return _dashboard(request, rt, user, {}, exc.message, status_of(exc))
    return RedirectResponse(f"/console/subsurface/defects/{quote(result['code'])}?done=1", status_code=303)


@router.post("/surveys")
async def create_survey(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    data = {k: v for k, v in (await _form(request)).items() if v != ""}
    try:
        data["roads"] = ss.parse_roads(str(data.get("roads") or ""))
        await run_in_threadpool(ss.create_survey, rt, user.actor, data)
    except DomainError as exc:
        return _dashboard(request, rt, user, {}, exc.message, status_of(exc))
    return RedirectResponse("/console/subsurface?done=1", status_code=303)


def _defect_page(request: Request, rt: Any, user: Any, code: str, error: str = "", status: int = 200,
                 message: str = "") -> HTMLResponse:
    units = [u for u in accounts.list_units(rt) if u.get("active")]
    page = DefectPage(Shell.of(user, "subsurface"), ss.defect_detail(rt, user.actor, code), ss.rules_view(rt), units,
                      error=error, message=message)
    return render(request, "subsurface/defect.html", page, status_code=status)


@router.get("/defects/{code}", response_class=HTMLResponse)
def defect(request: Request, code: str, rt: RuntimeDep, user: PageUser, done: str = "") -> HTMLResponse:
    return _defect_page(request, rt, user, code[:32], message="已保存" if done else "")


@router.post("/defects/{code}/{what}")
async def act(request: Request, code: str, what: str, rt: RuntimeDep, user: PageUser) -> Response:
    code = code[:32]
    data = await _form(request)
    try:
        if what == "resurvey":
            await run_in_threadpool(ss.resurvey, rt, user.actor, code, {k: v for k, v in data.items() if v != ""})
        elif what == "treat":
            await run_in_threadpool(ss.start_treatment, rt, user.actor, code, {k: v for k, v in data.items() if v != ""})
        elif what == "complete":
            await run_in_threadpool(ss.complete_treatment, rt, user.actor, code,
                                    {k: v for k, v in data.items() if v != ""})
        elif what == "photo":
            upload = data.get("photo")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InvalidInput("请选择照片", {"field": "photo"})
            await run_in_threadpool(ss.add_photo, rt, user.actor, code, await upload.read(), upload.filename)
        else:
            version = data.get("version")
            await run_in_threadpool(ss.defect_action, rt, user.actor, code, what, str(data.get("note") or ""),
                                    str(data.get("verify_method") or "") or None,
                                    int(version) if isinstance(version, str) and version.isdigit() else None)
    except DomainError as exc:
        return _defect_page(request, rt, user, code, exc.message, status_of(exc))
    return RedirectResponse(f"/console/subsurface/defects/{quote(code)}?done=1", status_code=303)
