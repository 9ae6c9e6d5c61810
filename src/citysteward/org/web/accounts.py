"""Administration pages (系统管理, admin only): units, users and roles, grids (map and GeoJSON
import), categories and time limits, the working calendar, responsibility rules. Each form posts
to a handler that calls one admin service; errors come back on the same page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from citysteward.kernel.actor import Role
from citysteward.org.deps import AdminPageUser, Shell
from citysteward.org.services import access, accounts
from citysteward.org.web.shell import AdminPage, _attempt, _message
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.pages import PageRoute, render
from citysteward.platform.http.schemas import PathId
from citysteward.platform.runtime import Runtime

router = APIRouter(prefix="/console/admin", route_class=PageRoute, include_in_schema=False)


# ------------------------------------------------------------------ units
def _units_page(request: Request, rt: Runtime, user: Any, error: str = "", status: int = 200,
                done: str = "") -> HTMLResponse:
    page = AdminPage(Shell.of(user, "admin"), "units", accounts.list_units(rt), {"kinds": accounts.UNIT_KINDS},
                     _message(done), error)
    return render(request, "admin/units.html", page, status_code=status)


@router.get("/units", response_class=HTMLResponse)
def units(request: Request, rt: RuntimeDep, user: AdminPageUser, done: str = "") -> HTMLResponse:
    return _units_page(request, rt, user, done=done)


@router.post("/units")
def create_unit(request: Request, rt: RuntimeDep, user: AdminPageUser, name: Annotated[str, Form()] = "",
                code: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "other",
                phone: Annotated[str, Form()] = "") -> Response:
    data = {"name": name, "code": code, "kind": kind, "phone": phone or None}
    return _attempt(lambda: accounts.create_unit(rt, user.actor, data), "units",
                    lambda e, s: _units_page(request, rt, user, e, s))


@router.post("/units/{unit_id}")
def update_unit(request: Request, unit_id: PathId, rt: RuntimeDep, user: AdminPageUser,
                active: Annotated[str, Form()] = "") -> Response:
    return _attempt(lambda: accounts.update_unit(rt, user.actor, unit_id, {"active": active == "1"}), "units",
                    lambda e, s: _units_page(request, rt, user, e, s))


# ------------------------------------------------------------------ users
def _users_page(request: Request, rt: Runtime, user: Any, error: str = "", status: int = 200,
                done: str = "") -> HTMLResponse:
    roles = [r for r in Role if r not in (Role.CITIZEN, Role.SYSTEM)]
    page = AdminPage(Shell.of(user, "admin"), "users", accounts.list_users(rt, viewer=user.actor),
                     {"roles": roles, "units": accounts.list_units(rt), "unit_names": accounts.unit_names(rt)},
                     _message(done), error)
    return render(request, "admin/users.html", page, status_code=status)


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, rt: RuntimeDep, user: AdminPageUser, done: str = "") -> HTMLResponse:
    return _users_page(request, rt, user, done=done)


def _unit_id(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


@router.post("/users")
def create_user(request: Request, rt: RuntimeDep, user: AdminPageUser, username: Annotated[str, Form()] = "",
                display_name: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                role: Annotated[str, Form()] = "", unit_id: Annotated[str, Form()] = "",
                phone: Annotated[str, Form()] = "") -> Response:
    data = {"username": username, "display_name": display_name, "password": password, "role": role,
            "unit_id": _unit_id(unit_id), "phone": phone or None}
    return _attempt(lambda: accounts.create_user(rt, user.actor, data), "users",
                    lambda e, s: _users_page(request, rt, user, e, s))


@router.post("/users/{user_id}")
def update_user(request: Request, user_id: PathId, rt: RuntimeDep, user: AdminPageUser,
                role: Annotated[str, Form()] = "", unit_id: Annotated[str, Form()] = "",
                active: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "") -> Response:
    changes: dict[str, Any] = {"role": role, "unit_id": _unit_id(unit_id), "active": active == "1"}
    if password:
        changes["password"] = password
    return _attempt(lambda: accounts.update_user(rt, user.actor, user_id, changes), "users",
                    lambda e, s: _users_page(request, rt, user, e, s))


# ------------------------------------------------------------------ the access log
ACCESS_PAGE = 50


@router.get("/access", response_class=HTMLResponse)
def access_log(request: Request, rt: RuntimeDep, user: AdminPageUser, action: str = "", username: str = "",
               entity_id: str = "", before_id: int | None = None) -> HTMLResponse:
    filters = {"action": action, "username": username.strip()[:64], "entity_id": entity_id.strip()[:64]}
    rows = access.entries(rt, filters, before_id, ACCESS_PAGE)
    more = rows[-1]["id"] if len(rows) == ACCESS_PAGE else None
    page = AdminPage(Shell.of(user, "admin"), "access", rows,
                     {"filters": filters, "actions": access.ACTIONS, "before_id": more,
                      "retention_days": rt.settings.access_log_days})
    return render(request, "admin/access.html", page)
