"""Staff console (工作台): sign in and out, the workbench with each role's queues, the case map."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from citysteward.cases.domain.ledger import CaseFilter
from citysteward.cases.domain.model import OPEN_STATES, TIMED_STATES, CaseState
from citysteward.cases.domain.worklists import Queue, queues_for
from citysteward.cases.services import actions as case_service
from citysteward.catalogue.domain.categories import Urgency
from citysteward.kernel.deadlines import Light
from citysteward.kernel.errors import TooManyRequests, Unauthorized
from citysteward.org.deps import PageUser, Shell
from citysteward.org.services import auth
from citysteward.platform.http.client import ClientIP
from citysteward.platform.http.deps import RuntimeDep, bearer_token
from citysteward.platform.http.errors import headers_of, status_of
from citysteward.platform.http.pages import COOKIE, PageRoute, render
from citysteward.platform.http.urls import is_https

router = APIRouter(route_class=PageRoute, include_in_schema=False)
OPEN_CASES = CaseFilter(states=tuple(sorted(OPEN_STATES)))


# ------------------------------------------------------------------ sign in / out
@dataclass(frozen=True)
class LoginPage:
    next: str
    username: str = ""
    error: str = ""


def _safe_next(target: str | None) -> str:
    """Only local paths: a login link must not send the user to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/console"
    return target


@router.get("/console/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/console") -> HTMLResponse:
    return render(request, "console/login.html", LoginPage(_safe_next(next)))


@router.post("/console/login")
def login(request: Request, rt: RuntimeDep, client: ClientIP, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/console") -> Response:
    try:
        result = auth.login(rt, username, password, client)
    except (Unauthorized, TooManyRequests) as exc:
        return render(request, "console/login.html", LoginPage(_safe_next(next), username, exc.message),
                      status_code=status_of(exc), headers=headers_of(exc))
    response = RedirectResponse(_safe_next(next), status_code=303)
    max_age = int((result.expires_at - rt.now()).total_seconds())
    response.set_cookie(COOKIE, result.token, max_age=max_age, httponly=True, samesite="lax", path="/",
                        secure=is_https(request.scope, rt.settings))  # behind HTTPS the cookie never travels in clear
    return response


@router.post("/console/logout")
def logout(request: Request, rt: RuntimeDep) -> Response:
    token = bearer_token(request)
    if token:
        auth.logout(rt, token)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


# ------------------------------------------------------------------ workbench
PREVIEW = 6
_SCAN = 50  # rows read per queue to pick the most urgent of the oldest


@dataclass(frozen=True)
class QueueView:
    queue: Queue
    total: int
    items: list[dict[str, Any]]
    href: str
    capped: bool = False


@dataclass(frozen=True)
class WorkbenchPage:
    shell: Shell
    queues: list[QueueView]
    open_total: str


def queue_href(queue: Queue) -> str:
    return "/console/cases?" + urlencode([*queue.filter.query_pairs(), ("order", queue.order)])


def _urgency_first(row: dict[str, Any]) -> tuple[int, datetime]:
    """Most urgent first, then the nearest deadline (or the longest wait)."""
    return -Urgency(row["urgency"]).rank, row["deadline"] or row["reported_at"]


@router.get("/console", response_class=HTMLResponse)
def workbench(request: Request, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    views = []
    for q in queues_for(user.role):
        listed = case_service.list_cases(rt, user.actor, q.filter, 1, _SCAN, q.order)
        items = sorted(listed["items"], key=_urgency_first)[:PREVIEW]
        views.append(QueueView(q, listed["total"], items, queue_href(q), bool(listed.get("total_capped"))))
    open_listed = case_service.list_cases(rt, user.actor, OPEN_CASES, 1, 1)
    open_total = f"{open_listed['total']}+" if open_listed.get("total_capped") else str(open_listed["total"])
    return render(request, "console/workbench.html", WorkbenchPage(Shell.of(user, "workbench"), views, open_total))


# ------------------------------------------------------------------ map
@dataclass(frozen=True)
class MapPage:
    shell: Shell
    lights: list[Light]
    untimed_colour: str


MAP_LIMIT = 2000  # markers drawn at once; the ledger lists the rest
UNTIMED_COLOUR = "#6c757d"


@router.get("/console/map", response_class=HTMLResponse)
def case_map(request: Request, user: PageUser) -> HTMLResponse:
    return render(request, "console/map.html", MapPage(Shell.of(user, "map"), list(Light), UNTIMED_COLOUR))


@router.get("/console/map/cases.json")
def map_cases(rt: RuntimeDep, user: PageUser) -> JSONResponse:
    """Open cases as light-coloured points (newest first, at most MAP_LIMIT)."""
    out: list[dict[str, Any]] = []
    page, total = 1, 0
    while len(out) < MAP_LIMIT:
        listed = case_service.list_cases(rt, user.actor, OPEN_CASES, page, 200)
        for r in listed["items"]:
            # Only a running (or paused) clock has a light; the rest are drawn in one neutral colour.
            light = Light(r["light"]) if r["light"] and CaseState(r["state"]) in TIMED_STATES else None
            out.append({"case_no": r["case_no"], "lon": r["lon"], "lat": r["lat"], "light": light and light.value,
                        "colour": light.colour if light else UNTIMED_COLOUR,
                        "label": f"{r['case_no']} {r['category_name']}（{r['state_label']}）"})
        total = max(total, listed["total"])
        if len(listed["items"]) < 200:
            break
        page += 1
    return JSONResponse({"cases": out[:MAP_LIMIT], "total": max(total, len(out))})
