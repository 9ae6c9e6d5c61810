"""Administration pages (系统管理, admin only): units, users and roles, grids (map and GeoJSON
import), categories and time limits, the working calendar, responsibility rules. Each form posts
to a handler that calls one admin service; errors come back on the same page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from citysteward.kernel.errors import DomainError
from citysteward.org.deps import AdminPageUser, Shell
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.pages import PageRoute, render

router = APIRouter(prefix="/console/admin", route_class=PageRoute, include_in_schema=False)
SECTIONS = {"units": "单位管理", "users": "用户与角色", "grids": "网格管理", "categories": "类别与时限",
            "calendar": "工作日历", "rules": "责任划分规则", "access": "访问日志"}


@dataclass(frozen=True)
class AdminPage:
    """Every admin page: the frame, its section, a message or an error, and its own rows."""

    shell: Shell
    section: str
    rows: list[Any] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    error: str = ""

    @property
    def title(self) -> str:
        return SECTIONS.get(self.section, "系统管理")

    @property
    def sections(self) -> dict[str, str]:
        return SECTIONS


def _done(section: str, query: str = "") -> RedirectResponse:
    return RedirectResponse(f"/console/admin/{section}?done=1{query}", status_code=303)


def _attempt(call: Callable[[], Any], section: str, again: Callable[[str, int], Response], query: str = "") -> Response:
    """Run one admin service call; success goes back to the list, an error re-renders it."""
    try:
        call()
    except DomainError as exc:
        return again(exc.message, status_of(exc))
    return _done(section, query)


def _message(done: str) -> str:
    return "已保存" if done else ""


@router.get("", response_class=HTMLResponse)
def admin_home(request: Request, user: AdminPageUser) -> HTMLResponse:
    return render(request, "admin/index.html", AdminPage(Shell.of(user, "admin"), "index"))
