"""Mount the web pages on the API application: the page routers, the static files (vendored Leaflet,
ECharts and htmx: no CDN) and the Jinja environment. `create_app` calls `mount(app)`."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from citysteward.web import admin_pages, case_page, citizen, console, dashboard, ledger
from citysteward.web.render import STATIC_DIR, make_templates


def mount(app: FastAPI) -> None:
    app.state.web_templates = make_templates(app.state.settings)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (console, ledger, case_page, admin_pages, citizen, dashboard):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/console", status_code=303)
