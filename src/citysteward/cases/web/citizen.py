"""The citizen's pages (市民随手拍): report a problem from a phone, follow it by case number, rate the
result or say it is not fixed. No account, no personal data shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from citysteward.cases.domain.model import Action, CaseState, Satisfaction
from citysteward.cases.services import actions as case_service
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import DomainError, NotFound
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.pages import PageRoute, render
from citysteward.platform.http.schemas import LongText

router = APIRouter(route_class=PageRoute, include_in_schema=False)
CITIZEN = Actor(role=Role.CITIZEN, name="市民")


@dataclass(frozen=True)
class ReportPage:
    max_photos: int


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request, rt: RuntimeDep) -> HTMLResponse:
    return render(request, "citizen/report.html", ReportPage(rt.settings.max_photos_per_report))


@dataclass(frozen=True)
class TrackPage:
    case: dict[str, Any] | None
    case_no: str = ""
    message: str = ""
    error: str = ""
    token: str = ""
    satisfactions: list[Satisfaction] = field(default_factory=lambda: list(Satisfaction))

    @property
    def state(self) -> CaseState | None:
        return CaseState(self.case["state"]) if self.case else None

    @property
    def photos_after(self) -> list[dict[str, Any]]:
        return [p for p in (self.case or {}).get("photos", []) if p["kind"] == "after"]

    @property
    def photos_before(self) -> list[dict[str, Any]]:
        return [p for p in (self.case or {}).get("photos", []) if p["kind"] == "before"]


@router.get("/track", response_class=HTMLResponse)
def track_search(request: Request, no: str = "") -> Response:
    no = no.strip().upper()
    if no:
        return RedirectResponse(f"/track/{no}", status_code=303)
    return render(request, "citizen/track.html", TrackPage(None))


_DONE = {"rate": "感谢您的评价！", "reopen": "已收到您的反映，问题将重新核查处理。",
         "photos": "照片已补充，感谢您的反映。"}  # photos: citizens/web.py (issue 15)


@router.get("/track/{case_no}", response_class=HTMLResponse)
def track(request: Request, case_no: str, rt: RuntimeDep, done: str = "", t: str = "") -> Response:
    try:
        case = case_service.public_case(rt, case_no, t or None)
    except NotFound as exc:
        return render(request, "citizen/track.html", TrackPage(None, case_no, error=exc.message), status_code=404)
    return render(request, "citizen/track.html", TrackPage(case, case_no, message=_DONE.get(done, ""), token=t))


def _citizen_step(request: Request, rt: Any, case_no: str, action: Action,
                  data: case_service.ActionInput) -> Response:
    try:
        case_service.perform_action(rt, case_no, action, CITIZEN, data)
    except NotFound:
        raise
    except DomainError as exc:
        case = case_service.public_case(rt, case_no, data.token)
        return render(request, "citizen/track.html", TrackPage(case, case_no, error=exc.message, token=data.token or ""),
                      status_code=status_of(exc))
    return RedirectResponse(f"/track/{case_no}?done={action.value}&t={quote(data.token or '')}", status_code=303)


@router.post("/track/{case_no}/rate")
def rate(request: Request, case_no: str, rt: RuntimeDep, satisfaction: Annotated[str, Form()] = "",
         note: Annotated[LongText, Form()] = "", t: Annotated[str, Form()] = "") -> Response:
    data = case_service.ActionInput(version=None, note=note.strip()[:500], satisfaction=satisfaction or None,
                                    token=t or None)
    return _citizen_step(request, rt, case_no, Action.RATE, data)


@router.post("/track/{case_no}/reopen")
def reopen(request: Request, case_no: str, rt: RuntimeDep, note: Annotated[LongText, Form()] = "",
           t: Annotated[str, Form()] = "") -> Response:
    data = case_service.ActionInput(version=None, note=note.strip()[:500], token=t or None)
    return _citizen_step(request, rt, case_no, Action.REOPEN, data)
