"""The command-centre screen (指挥大屏). The page polls `_dashboard_data.html` with htmx: the figures
come back as tiles plus a JSON block that dashboard.js turns into charts and the district map."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse

from citysteward.evaluation.services import dashboard, screen
from citysteward.org.deps import PageUser
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.pages import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
REFRESH_SECONDS = 60


@dataclass(frozen=True)
class DashboardPage:
    figures: dashboard.DashboardFigures
    refresh_seconds: int = REFRESH_SECONDS


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard_page(request: Request, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    page = DashboardPage(await run_in_threadpool(dashboard.cached_figures, rt))
    return render(request, "dashboard/dashboard.html", page)


@router.get("/dashboard/_data", response_class=HTMLResponse)
async def dashboard_data(request: Request, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    page = DashboardPage(await run_in_threadpool(dashboard.cached_figures, rt))
    return render(request, "dashboard/_dashboard_data.html", page)


@router.get("/dashboard/data.json")
async def dashboard_json(rt: RuntimeDep, user: PageUser) -> JSONResponse:
    return JSONResponse((await run_in_threadpool(dashboard.cached_figures, rt)).to_dict())


@router.get("/dashboard/desk.json")
async def dashboard_desk(rt: RuntimeDep, user: PageUser) -> JSONResponse:
    """The red-light list, figures by street, today's reports, the top and bottom of the ranking."""
    return JSONResponse(await run_in_threadpool(screen.cached, rt))
