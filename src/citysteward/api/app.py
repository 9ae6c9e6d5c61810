"""The application factory: wire settings, engine and services once; no module-level state."""

from __future__ import annotations

from fastapi import FastAPI

from citysteward import __version__
from citysteward.api import admin as admin_api
from citysteward.api import cases as cases_api
from citysteward.api import errors
from citysteward.api import open311 as open311_api
from citysteward.api import supervision as supervision_api
from citysteward.config import Settings
from citysteward.services import calendar
from citysteward.services.runtime import Runtime
from citysteward.store.db import make_engine
from citysteward.store.uow import SqlUnitOfWorkFactory
from citysteward.web import routes as web_routes


def build_runtime(settings: Settings) -> Runtime:
    engine = make_engine(settings.database_url)
    return Runtime(uow=SqlUnitOfWorkFactory(engine), settings=settings)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or (runtime.settings if runtime else Settings.from_env())
    rt = runtime or build_runtime(settings)
    app = FastAPI(
        title="CitySteward 市政管家 API",
        version=__version__,
        description="网格化城市管理：问题上报、立案、派遣、处置、核查、结案；Open311 GeoReport v2。",
    )
    app.state.runtime = rt
    app.state.settings = settings
    errors.install(app)
    app.include_router(admin_api.router)
    app.include_router(cases_api.router)
    app.include_router(cases_api.public)
    app.include_router(supervision_api.router)
    open311_api.mount(app)
    web_routes.mount(app)

    @app.get("/healthz", tags=["ops"], summary="健康检查")
    def healthz() -> dict[str, object]:
        return {"status": "ok", "warnings": calendar.readiness(rt)}

    return app
