"""The intake desk (热线受理台): the 12345 operator registers a phone call or a walk-in report —
caller name and phone (with the caller's earlier reports), address search over roads, communities
and grids, a pin on the city map, the description with the category suggestion (top 3 and the urgent
hazard flag) — and the acceptor's queue of reports awaiting acceptance, each opening the review
page (/console/intake/{case_no}, citizens/web.py) with the suggestion, one-click correction and
likely duplicates. The page's script talks to the JSON API (/api/v1/suggest, /api/v1/places/search,
/api/v1/intake/callers, /api/v1/reports)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from citysteward.cases.domain.ledger import CaseFilter
from citysteward.cases.domain.model import CaseState
from citysteward.cases.services import actions as case_service
from citysteward.catalogue.domain.categories import Urgency
from citysteward.kernel.actor import Role
from citysteward.org.deps import PageUser, Shell
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.pages import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
AWAITING = CaseFilter(states=(CaseState.REPORTED,))
QUEUE_SIZE = 20
REVIEWERS = frozenset({Role.ACCEPTOR, Role.SHIFT_LEADER})


@dataclass(frozen=True)
class IntakePage:
    shell: Shell
    urgencies: list[Urgency]
    awaiting: list[dict[str, Any]]
    awaiting_total: int
    can_review: bool
    can_register: bool


@router.get("/console/intake", response_class=HTMLResponse)
def intake_page(request: Request, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    listed = case_service.list_cases(rt, user.actor, AWAITING, 1, QUEUE_SIZE, "oldest")
    return render(request, "console/intake.html", IntakePage(
        Shell.of(user, "intake"), list(Urgency), listed["items"], listed["total"],
        can_review=user.role in REVIEWERS, can_register=user.role is Role.HOTLINE))
