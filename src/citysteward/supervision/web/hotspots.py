"""Hot spots (难点点位) and listed supervision (挂牌督办): the places where one category keeps coming
back, on a map and in a list, each with its history; 挂牌 with an owner unit and a long-term measure
(optionally with a ticket); the listed places with "stayed fixed?" (未反弹 / 已反弹); 摘牌."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from citysteward.kernel.errors import DomainError, Forbidden, InvalidInput
from citysteward.kernel.text import clean_text
from citysteward.org.deps import PageUser, Shell
from citysteward.org.services import accounts
from citysteward.org.services.auth import StaffUser
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.pages import PageRoute, render
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.tickets import ISSUERS, TicketLevel
from citysteward.supervision.services import hotspots as hotspot_service
from citysteward.supervision.web.common import day_bounds, optional_float, parse_day, tabs_for
from citysteward.supervision.web.tickets import split_case_nos

router = APIRouter(prefix="/console/supervision/hotspots", route_class=PageRoute, include_in_schema=False)


@dataclass(frozen=True)
class HotspotsPage:
    shell: Shell
    tabs: tuple[tuple[str, str, str], ...]
    found: dict[str, Any] | None
    listed: list[dict[str, Any]]
    units: list[dict[str, Any]]
    query: dict[str, str]
    can_list: bool
    levels: list[TicketLevel] = field(default_factory=lambda: list(TicketLevel))
    search_error: str = ""
    error: str = ""
    done: str = ""

    @property
    def map_config(self) -> dict[str, Any]:
        spots = [{"lon": h["lon"], "lat": h["lat"], "kind": "found", "label": f"{h['category_name']} 反弹 {h['recurrences']} 次",
                  "anchor": f"spot-{i}"} for i, h in enumerate((self.found or {}).get("items", []))]
        spots += [{"lon": h["lon"], "lat": h["lat"], "kind": "fixed" if h["stays_fixed"] else "listed",
                   "label": f"挂牌：{h['category_name']} {h['stays_fixed_label']}", "anchor": f"listed-{h['id']}"}
                  for h in self.listed]
        return {"spots": spots}


def hotspots_page(rt: Runtime, user: StaffUser, query: dict[str, str], **extra: Any) -> HotspotsPage:
    found = None
    search_error = ""
    try:
        bounds = day_bounds(rt, parse_day(query.get("date_from", ""), "date_from"),
                            parse_day(query.get("date_to", ""), "date_to"))
        found = hotspot_service.find(rt, user.actor, date_from=bounds.get("start") if query.get("date_from") else None,
                                     date_to=bounds.get("end"), category=query.get("category") or None, limit=100)
    except (Forbidden, DomainError) as exc:  # e.g. a dispatcher may not search: the listed places still show
        search_error = exc.message
    state = query.get("state") or "listed"
    listed = hotspot_service.listed(rt, None if state == "all" else state, user.actor)
    return HotspotsPage(Shell.of(user, "supervision"), tabs_for(user.role), found, listed,
                        [u for u in accounts.list_units(rt) if u["active"]], query, user.role in ISSUERS,
                        search_error=search_error, **extra)


@router.get("", response_class=HTMLResponse)
def hotspots(request: Request, rt: RuntimeDep, user: PageUser, date_from: str = "", date_to: str = "",
             category: str = "", state: str = "listed", done: str = "") -> HTMLResponse:
    query = {"date_from": date_from, "date_to": date_to, "category": category,
             "state": state if state in ("listed", "delisted", "all") else "listed"}
    label = {"listed": "已挂牌督办", "delisted": "已摘牌"}.get(done, "")
    return render(request, "supervision/hotspots.html", hotspots_page(rt, user, query, done=label))


@router.post("/list")
async def list_place(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    form = await request.form()
    posted = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        lon = optional_float(posted.get("lon"), "lon", "经度")
        lat = optional_float(posted.get("lat"), "lat", "纬度")
        owner = posted.get("owner_unit_id", "").strip()
        if lon is None or lat is None:
            raise_invalid("请给出点位坐标", "lon")
        if not owner.isdigit():
            raise_invalid("请选择牵头责任单位", "owner_unit_id")
        data = hotspot_service.ListingInput(
            category_code=posted.get("category_code", "").strip(), lon=float(lon or 0), lat=float(lat or 0),
            owner_unit_id=int(owner), measure=clean_text(posted.get("measure", ""), multiline=True, field="measure",
                                                         label="长效措施"),
            address=clean_text(posted.get("address", ""), field="address", label="地址"),
            case_nos=tuple(split_case_nos(posted.get("case_nos", ""))),
            recurrences=int(posted.get("recurrences") or 0) if (posted.get("recurrences") or "0").isdigit() else 0,
            ticket_level=posted.get("ticket_level") or None)
        await run_in_threadpool(hotspot_service.list_hotspot, rt, user.actor, data)
    except DomainError as exc:
        page = await run_in_threadpool(hotspots_page, rt, user, {"state": "listed"}, error=exc.message)
        return render(request, "supervision/hotspots.html", page, status_code=status_of(exc))
    return RedirectResponse("/console/supervision/hotspots?done=listed", status_code=303)


@router.post("/{hotspot_id}/delist")
async def delist(request: Request, hotspot_id: int, rt: RuntimeDep, user: PageUser) -> Response:
    form = await request.form()
    try:
        note = clean_text(str(form.get("note") or ""), multiline=True, field="note", label="说明")
        await run_in_threadpool(hotspot_service.delist, rt, user.actor, hotspot_id, note)
    except DomainError as exc:
        page = await run_in_threadpool(hotspots_page, rt, user, {"state": "listed"}, error=exc.message)
        return render(request, "supervision/hotspots.html", page, status_code=status_of(exc))
    return RedirectResponse("/console/supervision/hotspots?done=delisted", status_code=303)


def raise_invalid(message: str, field_name: str) -> None:
    raise InvalidInput(message, {"field": field_name})
