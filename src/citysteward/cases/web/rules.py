"""Administration pages (系统管理, admin only): units, users and roles, grids (map and GeoJSON
import), categories and time limits, the working calendar, responsibility rules. Each form posts
to a handler that calls one admin service; errors come back on the same page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from citysteward.cases.services import rules as cases_services_rules
from citysteward.catalogue import services as catalogue_services
from citysteward.geography import services as geography_services
from citysteward.org.deps import AdminPageUser, Shell
from citysteward.org.services import accounts
from citysteward.org.web.shell import AdminPage, _attempt, _message
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.pages import PageRoute, render
from citysteward.platform.http.schemas import PathId
from citysteward.platform.runtime import Runtime

router = APIRouter(prefix="/console/admin", route_class=PageRoute, include_in_schema=False)


# ------------------------------------------------------------------ responsibility rules
def _rules_page(request: Request, rt: Runtime, user: Any, error: str = "", status: int = 200,
                done: str = "") -> HTMLResponse:
    catalogue = catalogue_services.catalogue(rt)
    names = geography_services.area_names(rt)
    page = AdminPage(Shell.of(user, "admin"), "rules", cases_services_rules.list_rules(rt), {
        "units": accounts.list_units(rt), "unit_names": accounts.unit_names(rt),
        "classes": sorted(catalogue.class_names.items()), "category_names": catalogue.name,
        "areas": sorted((c, n) for c, n in names.items() if len(c) < 15), "area_names": names,
    }, _message(done), error)
    return render(request, "admin/rules.html", page, status_code=status)


@router.get("/rules", response_class=HTMLResponse)
def rules(request: Request, rt: RuntimeDep, user: AdminPageUser, done: str = "") -> HTMLResponse:
    return _rules_page(request, rt, user, done=done)


@router.post("/rules")
def create_rule(request: Request, rt: RuntimeDep, user: AdminPageUser, main_unit_id: Annotated[str, Form()] = "",
                category_class: Annotated[str, Form()] = "", category_code: Annotated[str, Form()] = "",
                grid_code: Annotated[str, Form()] = "", area_code: Annotated[str, Form()] = "",
                road: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "") -> Response:
    data = {"main_unit_id": main_unit_id or None, "category_class": category_class, "category_code": category_code,
            "grid_code": grid_code.strip(), "area_code": area_code, "road": road, "note": note}
    return _attempt(lambda: cases_services_rules.create_rule(rt, user.actor, data), "rules",
                    lambda e, s: _rules_page(request, rt, user, e, s))


@router.post("/rules/{rule_id}/delete")
def delete_rule(request: Request, rule_id: PathId, rt: RuntimeDep, user: AdminPageUser) -> Response:
    return _attempt(lambda: cases_services_rules.delete_rule(rt, user.actor, rule_id), "rules",
                    lambda e, s: _rules_page(request, rt, user, e, s))
