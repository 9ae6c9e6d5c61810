"""Composition root: settings → engine → unit of work → runtime → the web application (every
context's routers, pages and templates). Contexts never wire themselves at import time; the CLI,
the ASGI entry point, the workers and the tests all start here."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from citysteward import __version__
from citysteward.assets import api as assets_api
from citysteward.assets import web as assets_pages
from citysteward.campaigns import api as campaigns_api
from citysteward.campaigns import web as campaigns_pages
from citysteward.cases.api import cases as cases_api
from citysteward.cases.api import places as places_api
from citysteward.cases.api import rules as rules_api
from citysteward.cases.web import case_page, citizen, console, intake, ledger
from citysteward.cases.web import rules as rules_pages
from citysteward.cases.web.template_globals import TEMPLATE_GLOBALS as CASE_GLOBALS
from citysteward.catalogue import api as catalogue_api
from citysteward.catalogue import services as catalogue_services
from citysteward.catalogue import web as catalogue_pages
from citysteward.catalogue.domain.categories import load_default_catalogue
from citysteward.citizens import api as citizens_api
from citysteward.citizens import web as citizens_pages
from citysteward.config import Settings
from citysteward.evaluation import api as evaluation_api
from citysteward.evaluation import web as evaluation_pages
from citysteward.flood import api as flood_api
from citysteward.flood import web as flood_pages
from citysteward.geography import api as geography_api
from citysteward.geography import services as geography_services
from citysteward.geography import web as geography_pages
from citysteward.kernel.actor import Actor
from citysteward.notify import api as notify_api
from citysteward.notify import web as notify_pages
from citysteward.open311 import api as open311_api
from citysteward.org import api as org_api
from citysteward.org.services import accounts
from citysteward.org.web import accounts as org_pages
from citysteward.org.web import shell as admin_shell
from citysteward.patrols import api as patrols_api
from citysteward.patrols import web as patrols_pages
from citysteward.platform import heap
from citysteward.platform.db import Checkpoints, make_engine
from citysteward.platform.http import edge as http_edge
from citysteward.platform.http import errors
from citysteward.platform.http.pages import STATIC_DIR, make_templates
from citysteward.platform.http.routing import guard_routers, include_shared
from citysteward.platform.runtime import Runtime
from citysteward.platform.throttle import CounterStore, DatabaseCounters
from citysteward.platform.throttle_redis import RedisCounters
from citysteward.sensors import api as sensors_api
from citysteward.sensors import web as sensors_pages
from citysteward.subsurface import api as subsurface_api
from citysteward.subsurface import web as subsurface_pages
from citysteward.supervision import api as supervision_api
from citysteward.supervision import web as supervision_pages
from citysteward.unit_of_work import SqlUnitOfWorkFactory
from citysteward.worktime import api as worktime_api
from citysteward.worktime import services as worktime
from citysteward.worktime import web as worktime_pages

log = logging.getLogger(__name__)
PACKAGE = Path(__file__).parent
# JSON API routers, in the order their paths are matched.
API_ROUTERS = (org_api.router, catalogue_api.router, geography_api.router, places_api.router,
               rules_api.router, worktime_api.router, cases_api.router, cases_api.public, supervision_api.router,
               evaluation_api.router, notify_api.router,
               assets_api.router, patrols_api.router, subsurface_api.router, flood_api.router, campaigns_api.router, sensors_api.router, citizens_api.router)
# Page routers (HTML): the console first, then administration, the citizen page and the big screen.
PAGE_MODULES = (console, ledger, case_page, admin_shell, org_pages, geography_pages, catalogue_pages, worktime_pages,
                rules_pages, citizen, intake, evaluation_pages, supervision_pages, notify_pages,
                assets_pages, patrols_pages, subsurface_pages, flood_pages, campaigns_pages, sensors_pages, citizens_pages)
# Every context with pages keeps its templates in <context>/templates; names are unique across them.
TEMPLATE_DIRS = tuple(PACKAGE / d for d in ("platform/http/templates", "cases/templates", "org/templates",
                                             "geography/templates", "catalogue/templates", "worktime/templates",
                                             "evaluation/templates", "supervision/templates", "notify/templates",
                                             "assets/templates", "patrols/templates", "subsurface/templates", "flood/templates", "campaigns/templates", "sensors/templates", "citizens/templates"))

# GET requests whose reads a streaming replica may serve (CITYSTEWARD_REPLICA_URL, docs/deploy.md): lists,
# dashboards, indicators, rankings, papers, map layers and Open311 GETs; a prefix ends in "/" or "*".
REPLICA_PATHS = ("/api/v1/cases", "/api/v1/indicators*", "/api/v1/rankings*", "/api/v1/reports/", "/api/v1/areas",
                 "/api/v1/grids", "/dashboard*", "/open311/v2/")

# Whole-file imports sent as one JSON body: they get the upload limit, not the small body limit.
BULK_UPLOAD_PATHS = ("/api/v1/areas/import",)

SWAGGER = "/static/vendor/swagger-ui"  # Swagger UI from npm (swagger-ui-dist), see tools/vendor.sh


@dataclass
class InitResult:
    categories: int
    calendar_years: list[int]


def initialise(rt: Runtime) -> InitResult:
    """Idempotent: categories are upserted, calendar years already loaded are kept (with their edits)."""
    actor = Actor.system("初始化")
    with rt.uow(readonly=True) as uow:
        existing = {c.code for c in uow.catalogue.all()}
    fresh = [c for c in load_default_catalogue() if c.code not in existing]
    catalogue_services.load_catalogue(rt, fresh)
    years = worktime.seed_default_years(rt, actor)
    return InitResult(len(fresh), years)


def build_runtime(settings: Settings) -> Runtime:
    engine = make_engine(settings.database_url)
    replica = make_engine(settings.replica_url) if settings.replica_url else None  # docs/deploy.md
    uow = SqlUnitOfWorkFactory(engine, replica)
    return Runtime(uow=uow, settings=settings, counters=throttle_counters(settings, uow))


# -- throttling (docs/security.md "Throttling"): counters every worker shares
def throttle_counters(settings: Settings, uow: SqlUnitOfWorkFactory) -> CounterStore:
    """Redis when `CITYSTEWARD_REDIS_URL` is set (the database if it stops answering), else the database."""
    counters = DatabaseCounters(uow)
    return RedisCounters(settings.redis_url, fallback=counters) if settings.redis_url else counters


def warm(rt: Runtime) -> None:
    """Load each worker's reference data (the grid index takes about a second) before it takes requests,
    so the first reports after a start or a deploy do not wait for it (docs/performance.md)."""
    loads = (geography_services.grid_index, geography_services.area_names, catalogue_services.catalogue,
             accounts.unit_names)
    for load in loads:
        try:
            load(rt)
        except Exception as exc:  # a database not set up yet, a city without grids: loaded on first use instead
            log.warning("reference data not preloaded (%s): %s", load.__name__, exc)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None, *,
               settle_heap: bool = False) -> FastAPI:
    """`settle_heap`: a worker process's one application (citysteward.asgi) freezes its start-up heap once
    its reference data is loaded, out of the garbage collector's full walks (platform/heap.py)."""
    settings = settings or (runtime.settings if runtime else Settings.from_env())
    rt = runtime or build_runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(warm, rt)
        engine = getattr(rt.uow, "engine", None)  # the SQL store's (the tests' in-memory store has none)
        checkpoints = Checkpoints.start_for(engine) if engine is not None else None
        _app.state.checkpoints = checkpoints
        if settle_heap:
            log.info("start-up heap settled: %d objects frozen", heap.settle())
        yield
        if checkpoints is not None:
            checkpoints.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="CitySteward 市政管家 API",
        version=__version__,
        description="网格化城市管理：问题上报、立案、派遣、处置、核查、结案；Open311 GeoReport v2。",
        docs_url=None, redoc_url=None,  # served below from the vendored Swagger UI: no CDN
        telemetry=None if settings.otel else {"tracing": False, "metrics": False, "logs": False},
    )
    app.state.runtime = rt
    app.state.settings = settings
    errors.install(app)
    for router in API_ROUTERS:
        include_shared(app, router)
    open311_api.mount(app)
    mount_pages(app)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} — 接口文档",
                                   swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{SWAGGER}/swagger-ui.css",
                                   swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png")

    @app.get("/healthz", tags=["ops"], summary="健康检查")
    def healthz() -> dict[str, object]:
        return {"status": "ok", "warnings": worktime.readiness(rt)}

    # -- the HTTP edge (last: it wraps everything above): the client's address, security headers, 500s, the
    # replica for reads that may be a moment old (docs/deploy.md), body limits, same-origin writes, form
    # bodies decoded strictly (docs/security.md), Open311's URL repairs; and the OpenAPI document
    http_edge.install(app, settings, bulk_paths=BULK_UPLOAD_PATHS, rewrites=(open311_api.normalise_path,),
                      replica_paths=REPLICA_PATHS if settings.replica_url else ())
    guard_routers(app)  # a request is matched against its own router's routes only (docs/performance.md)
    return app


def mount_pages(app: FastAPI) -> None:
    """The page routers, the static files (vendored Leaflet, ECharts and htmx: no CDN) and the Jinja
    environment."""
    app.state.web_templates = make_templates(app.state.settings, TEMPLATE_DIRS, CASE_GLOBALS)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in PAGE_MODULES:
        include_shared(app, module.router)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/console", status_code=303)
