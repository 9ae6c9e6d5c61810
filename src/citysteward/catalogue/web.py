"""Administration pages (系统管理, admin only): units, users and roles, grids (map and GeoJSON
import), categories and time limits, the working calendar, responsibility rules. Each form posts
to a handler that calls one admin service; errors come back on the same page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from citysteward.catalogue import services as catalogue_services
from citysteward.catalogue.domain import categories as cat_domain
from citysteward.catalogue.domain.categories import Urgency
from citysteward.kernel.timelimit import LimitUnit
from citysteward.org.deps import AdminPageUser, Shell
from citysteward.org.web.shell import AdminPage, _attempt, _message
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.pages import PageRoute, render
from citysteward.platform.runtime import Runtime

router = APIRouter(prefix="/console/admin", route_class=PageRoute, include_in_schema=False)


# ------------------------------------------------------------------ categories and time limits
def _categories_page(request: Request, rt: Runtime, user: Any, q: str = "", error: str = "", status: int = 200,
                     done: str = "") -> HTMLResponse:
    cats = catalogue_services.list_categories(rt)
    found = cat_domain.search(cats, q, include_inactive=True, limit=60) if q else cats[:60]
    page = AdminPage(Shell.of(user, "admin"), "categories", found,
                     {"q": q, "total": len(cats), "urgencies": list(Urgency), "limit_units": list(LimitUnit)},
                     _message(done), error)
    return render(request, "admin/categories.html", page, status_code=status)


@router.get("/categories", response_class=HTMLResponse)
def categories(request: Request, rt: RuntimeDep, user: AdminPageUser, q: str = "", done: str = "") -> HTMLResponse:
    return _categories_page(request, rt, user, q.strip()[:50], done=done)


@router.post("/categories/{code}")
async def update_category(request: Request, code: str, rt: RuntimeDep, user: AdminPageUser) -> Response:
    form = await request.form()
    limits = {}
    for u in Urgency:
        amount = str(form.get(f"amount_{u.value}") or "").strip()
        if amount:
            limits[u.value] = {"amount": amount, "unit": str(form.get(f"unit_{u.value}") or "")}
    changes: dict[str, Any] = {"active": form.get("active") == "1", "same_day": form.get("same_day") == "1"}
    if limits:
        changes["limits"] = limits
    q = str(form.get("q") or "")
    return await run_in_threadpool(
        _attempt, lambda: catalogue_services.update_category(rt, user.actor, code, changes), "categories",
        lambda e, s: _categories_page(request, rt, user, q, e, s), f"&q={q}")
