"""Pages of the citizens context: the acceptor's review of a report (suggestion with one-click
correction, likely duplicates with one-click merge), and the citizen's pages — my reports by a
verified phone, the public list and map of reports, area alerts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from citysteward.cases.services import actions as case_service
from citysteward.cases.services import photos
from citysteward.cases.services.detail import CaseDetail
from citysteward.catalogue.suggest import services as suggest_services
from citysteward.citizens import domain
from citysteward.citizens import services as citizens
from citysteward.citizens.domain import COOKIE
from citysteward.kernel.errors import DomainError, InvalidInput
from citysteward.org.deps import PageUser, Shell
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.pages import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


# ------------------------------------------------------------------ the acceptor's review
@dataclass(frozen=True)
class ReviewPage:
    shell: Shell
    case: CaseDetail
    suggestion: suggest_services.SuggestionResult
    duplicates: list[dict[str, Any]]
    can_act: bool
    message: str = ""
    error: str = ""


def _review(rt: Any, user: Any, case_no: str, message: str = "", error: str = "") -> ReviewPage:
    detail = case_service.case_detail(rt, case_no, user.actor)
    suggestion = suggest_services.suggest(rt, detail.description)
    dups = citizens.duplicates_of(rt, user.actor, case_no) if not detail.state.is_final else []
    can_act = any(a.value in ("register", "merge") for a in detail.allowed_actions)
    return ReviewPage(Shell.of(user, "intake"), detail, suggestion, dups, can_act, message, error)


_DONE = {"register": "已立案", "merge": "已合并，双方反映人已收到通知"}


@router.get("/console/intake/{case_no}", response_class=HTMLResponse)
def review(request: Request, case_no: str, rt: RuntimeDep, user: PageUser, done: str = "") -> HTMLResponse:
    return render(request, "citizens/review.html", _review(rt, user, case_no, _DONE.get(done, "")))


@router.post("/console/intake/{case_no}/register")
def register(request: Request, case_no: str, rt: RuntimeDep, user: PageUser,
             category_code: Annotated[str, Form(max_length=16)] = "", urgency: Annotated[str, Form(max_length=16)] = "",
             version: Annotated[int | None, Form()] = None) -> Response:
    try:
        citizens.correct_and_register(rt, case_no, user.actor, category_code.strip(), version, urgency or None)
    except DomainError as exc:
        return render(request, "citizens/review.html", _review(rt, user, case_no, error=exc.message),
                      status_code=status_of(exc))
    return RedirectResponse(f"/console/intake/{case_no}?done=register", status_code=303)


@router.post("/console/intake/{case_no}/merge")
def merge(request: Request, case_no: str, rt: RuntimeDep, user: PageUser,
          into: Annotated[str, Form(max_length=32)] = "", version: Annotated[int | None, Form()] = None) -> Response:
    try:
        citizens.merge_duplicate(rt, case_no, into.strip(), user.actor, version)
    except DomainError as exc:
        return render(request, "citizens/review.html", _review(rt, user, case_no, error=exc.message),
                      status_code=status_of(exc))
    return RedirectResponse(f"/console/intake/{case_no}?done=merge", status_code=303)


# ------------------------------------------------------------------ the citizen's pages
@dataclass(frozen=True)
class MinePage:
    phone: str | None
    reports: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[domain.AreaAlert] = field(default_factory=list)

    @property
    def masked(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]}" if self.phone else ""


@router.get("/me", response_class=HTMLResponse)
def mine(request: Request, rt: RuntimeDep) -> HTMLResponse:
    phone = citizens.session_phone(rt, request.cookies.get(COOKIE))
    if phone is None:
        return render(request, "citizens/me.html", MinePage(None))
    return render(request, "citizens/me.html", MinePage(phone, citizens.my_reports(rt, phone),
                                                        citizens.my_messages(rt, phone), citizens.my_alerts(rt, phone)))


@router.post("/me/logout")
def sign_out(request: Request, rt: RuntimeDep) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        citizens.sign_out(rt, token)
    response = RedirectResponse("/me", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@dataclass(frozen=True)
class PublicPage:
    listing: dict[str, Any]
    state: str
    category: str
    area: str
    areas: list[tuple[str, str]]  # streets and communities: (code, name)
    problems: tuple[domain.Problem, ...] = domain.PROBLEMS


@router.get("/reports", response_class=HTMLResponse)
def public_reports(request: Request, rt: RuntimeDep, state: str = "", category: str = "", area: str = "",
                   page: int = 1) -> HTMLResponse:
    listing = citizens.public_list(rt, state or None, category or None, area or None, max(page, 1), 50)
    return render(request, "citizens/reports.html", PublicPage(listing, state, category, area, citizens.area_choices(rt)))


@router.post("/track/{case_no}/photos")
async def add_photos(request: Request, case_no: str, rt: RuntimeDep) -> Response:
    """The reporter adds photos later from the tracking link (a hotline caller, a citizen who had none)."""
    form = await request.form(max_files=rt.settings.max_photos_per_report + 1)
    token = str(form.get("t") or "")
    files = [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
    if len(files) > rt.settings.max_photos_per_report:
        raise InvalidInput(f"每次最多上传 {rt.settings.max_photos_per_report} 张照片", {"field": "photos"})
    prepared = [await run_in_threadpool(photos.prepare_photo, rt, await f.read(), "before", f.filename or "")
                for f in files]
    await run_in_threadpool(citizens.add_photos, rt, case_no, token, prepared)
    return RedirectResponse(f"/track/{quote(case_no)}?done=photos&t={quote(token)}", status_code=303)


@dataclass(frozen=True)
class AlertOffPage:
    area: str


@router.get("/alerts/off/{token}", response_class=HTMLResponse)
def alert_off(request: Request, token: str, rt: RuntimeDep) -> HTMLResponse:
    alert = citizens.unsubscribe(rt, token)
    return render(request, "citizens/alert_off.html", AlertOffPage(alert.area_label))
