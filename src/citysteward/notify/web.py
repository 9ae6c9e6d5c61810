"""Notices in the console (消息): the bell on every console page (polled with htmx, so a new notice
shows without a reload), the notice list, mark one or all read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from citysteward.notify import services as notify
from citysteward.org.deps import PageUser, Shell
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.pages import PageRoute, render

router = APIRouter(prefix="/console/notices", route_class=PageRoute, include_in_schema=False)
POLL_SECONDS = 15


@dataclass(frozen=True)
class BellFragment:
    unread: int


@dataclass(frozen=True)
class NoticesPage:
    shell: Shell
    items: list[dict[str, Any]]
    unread: int
    only_unread: bool
    next_before: int | None


def console_link(link: str) -> str:
    """Notices written by older code point at the API; people follow them to the page."""
    if link.startswith("/api/v1/tickets/"):
        return "/console/supervision/tickets/" + link.removeprefix("/api/v1/tickets/")
    if link.startswith("/api/v1/cases/"):
        return "/console/cases/" + link.removeprefix("/api/v1/cases/")
    if link.startswith("/api/v1/hotspots/listed"):
        return "/console/supervision/hotspots"
    return link


@router.get("/_bell", response_class=HTMLResponse)
async def bell(request: Request, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    unread = await run_in_threadpool(notify.unread_count, rt, user.actor)
    return render(request, "notify/_bell.html", BellFragment(unread))


@router.get("", response_class=HTMLResponse)
def notices_page(request: Request, rt: RuntimeDep, user: PageUser, unread: bool = False,
                 before: int | None = None) -> HTMLResponse:
    data = notify.list_notices(rt, user.actor, unread, 50, before)
    items = [{**n, "link": console_link(n["link"])} for n in data["items"]]
    more = items[-1]["id"] if len(items) == 50 else None
    return render(request, "notify/notices.html",
                  NoticesPage(Shell.of(user, "notices"), items, data["unread"], unread, more))


@router.post("/{notice_id}/read")
def read_one(notice_id: int, rt: RuntimeDep, user: PageUser, go: str = "") -> RedirectResponse:
    notify.mark_read(rt, user.actor, notice_id)
    target = go if go.startswith("/console/") else "/console/notices"
    return RedirectResponse(target, status_code=303)


@router.post("/read-all")
def read_all(rt: RuntimeDep, user: PageUser) -> RedirectResponse:
    notify.mark_all_read(rt, user.actor)
    return RedirectResponse("/console/notices", status_code=303)
