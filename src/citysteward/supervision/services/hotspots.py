"""Recurring hot spots (反复反弹的难点点位) and listed supervision (挂牌督办).

`find` lists the places where one category keeps coming back (rules: domain/hotspots.py) with their
history, for those who may search (`SEARCHERS`), within the configured limits and one search at a time
per worker; `list_hotspot` puts one under listed supervision with an owner unit and a long-term measure;
`listed` shows the listed places and whether each stays fixed (no new report of that category within
its radius since it was listed)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from citysteward.cases.domain.access import led_units
from citysteward.cases.domain.model import CaseState
from citysteward.catalogue import services as catalogue_services
from citysteward.kernel import geo
from citysteward.kernel.actor import Actor
from citysteward.kernel.cells import cell_of
from citysteward.kernel.errors import Forbidden, IllegalTransition, InvalidInput, NotFound, TooManyRequests
from citysteward.notify import services as notify
from citysteward.org.services import accounts, settings
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.hotspots import (
    Hotspot,
    HotspotRules,
    HotspotScan,
    HotspotSearch,
    PlaceCase,
    may_search,
    near,
    plan_search,
    scan_hotspots,
    within,
)
from citysteward.supervision.domain.tickets import ISSUERS, TicketLevel, TicketSource
from citysteward.supervision.ports import unit_of_work
from citysteward.supervision.services import tickets as supervision_service

SETTINGS_KEY = "hotspots"
# A search is CPU-bound Python: two at once in one worker would each take twice as long and hold the GIL
# from every other request twice as often. One at a time; the next waits this long, then is told to retry.
SEARCH_WAIT_S = 20.0


def rules(rt: Runtime) -> HotspotRules:
    return settings.load(rt, SETTINGS_KEY, HotspotRules.from_dict)


def set_rules(rt: Runtime, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    return settings.replace(rt, actor, SETTINGS_KEY, data, HotspotRules.from_dict)


def _place(r: dict[str, Any]) -> PlaceCase:
    return PlaceCase(case_id=r["id"], case_no=r["case_no"], category_code=r["category_code"], lon=r["lon"],
                     lat=r["lat"], cell=r["cell"], reported_at=r["reported_at"], state=r["state"],
                     address=r["address"], closes=r["closes"], reopens=r["reopens"])


def detect(rt: Runtime, search: HotspotSearch, category: str | None = None,
           led_by: tuple[int, ...] | None = None) -> HotspotScan:
    """Hot spots with a recurrence in [start, end) among at most `max_cases` cases (the newest);
    earlier cases within the window count as history. `truncated`: a limit cut the scan short.
    `led_by`: only the cases these units lead (a unit's own places; see cases.domain.access.led_units)."""
    cap = search.rules.max_cases
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.hotspots.place_cases(search.since, search.end, category, limit=cap + 1, led_by=led_by)
    capped = len(rows) > cap
    scan = scan_hotspots((_place(r) for r in rows[-cap:]), search.rules)
    found = [h for h in scan.hotspots if any(search.start <= x.at < search.end for x in h.recurrences)]
    return HotspotScan(hotspots=found, scanned=scan.scanned, truncated=capped or scan.truncated)


def find(rt: Runtime, actor: Actor, date_from: datetime | None = None, date_to: datetime | None = None,
         category: str | None = None, distance_m: float | None = None, window_days: float | None = None,
         min_recurrences: int | None = None, limit: int = 100) -> dict[str, Any]:
    may_search(actor.role)
    base = rules(rt)
    end = date_to or rt.now()
    start = date_from or (end - timedelta(days=base.lookback_days))
    search = plan_search(base, start, end, distance_m, window_days, min_recurrences)
    gate = rt.singleton("hotspot_search", lambda: threading.BoundedSemaphore(1))
    if not gate.acquire(timeout=SEARCH_WAIT_S):
        raise TooManyRequests("难点点位查询正忙，请稍后再试", retry_after=10)
    try:
        scan = detect(rt, search, category, led_units(actor))
    finally:
        gate.release()
    use = search.rules
    with unit_of_work(rt, readonly=True) as uow:
        listed = uow.hotspots.listings(state="listed")
    catalogue = catalogue_services.catalogue(rt)
    items = []
    for h in scan.hotspots[:limit]:
        match = next((row for row in listed if row["category_code"] == h.category_code
                      and within(h.lon, h.lat, row["lon"], row["lat"], max(row["radius_m"], use.distance_m))), None)
        items.append(hotspot_view(h, catalogue.name(h.category_code), match["id"] if match else None))
    return {"rules": use.to_dict(), "from": start, "to": end, "total": len(scan.hotspots), "items": items,
            "scanned": scan.scanned, "truncated": scan.truncated,
            "truncated_label": (f"案件过多，仅分析了最近的 {scan.scanned} 件；请缩短时间段或按类别查询"
                                if scan.truncated else "")}


def hotspot_view(h: Hotspot, category_name: str, listed_id: int | None) -> dict[str, Any]:
    return {
        "key": h.key, "category_code": h.category_code, "category_name": category_name,
        "lon": round(h.lon, 6), "lat": round(h.lat, 6), "cell": h.cell, "address": h.address,
        "recurrences": h.recurrence_count, "cases_count": len(h.cases), "first_at": h.first_at,
        "last_at": h.last_at, "listed_id": listed_id,
        "history": [{"case_no": c.case_no, "reported_at": c.reported_at, "state": c.state,
                     "state_label": CaseState(c.state).label, "closed_at": list(c.closes),
                     "reopened_at": list(c.reopens)} for c in h.cases],
        "recurrence_list": [{"kind": r.kind, "label": r.label, "case_no": r.case_no, "at": r.at,
                             "after_case_no": r.after_case_no, "distance_m": r.distance_m} for r in h.recurrences],
    }


@dataclass(frozen=True, slots=True)
class ListingInput:
    category_code: str
    lon: float
    lat: float
    owner_unit_id: int
    measure: str
    address: str = ""
    crs: str = "wgs84"
    case_nos: tuple[str, ...] = ()
    recurrences: int = 0
    radius_m: float | None = None
    ticket_level: str | None = None  # also issue a supervision ticket of this level to the owner unit


def list_hotspot(rt: Runtime, actor: Actor, data: ListingInput) -> dict[str, Any]:
    """挂牌督办: one action lists the place, names the owner unit and the long-term measure, tells the
    unit, and optionally issues a ticket."""
    if actor.role not in ISSUERS:
        raise Forbidden(f"「{actor.role.label}」不能挂牌督办")
    measure = data.measure.strip()
    if not measure:
        raise InvalidInput("请填写长效治理措施", {"field": "measure"})
    catalogue_services.catalogue(rt).get(data.category_code)
    try:
        lon, lat = geo.to_wgs84(float(data.lon), float(data.lat), geo.CoordSys.parse(data.crs))
    except ValueError as exc:
        raise InvalidInput(f"坐标无效：{exc}", {"field": "lon"}) from exc
    level = None
    if data.ticket_level:
        try:
            level = TicketLevel(data.ticket_level)
        except ValueError as exc:
            raise InvalidInput("督导级别只能是 white、yellow 或 red", {"field": "ticket_level"}) from exc
    radius = float(data.radius_m or rules(rt).distance_m)
    if not 1 <= radius <= 5000:
        raise InvalidInput("点位半径应在 1–5000 米之间", {"field": "radius_m"})
    now = rt.now()
    category_name = catalogue_services.catalogue(rt).name(data.category_code)
    with unit_of_work(rt) as uow:
        unit = uow.org.unit(data.owner_unit_id)
        if unit is None or not unit["active"]:
            raise InvalidInput(f"责任单位 {data.owner_unit_id} 不存在或已停用", {"field": "owner_unit_id"})
        for row in uow.hotspots.listings(state="listed", category=data.category_code):
            if within(lon, lat, row["lon"], row["lat"], max(radius, row["radius_m"])):
                raise IllegalTransition(f"该点位已挂牌督办（编号 {row['id']}）", {"hotspot_id": row["id"]})
        hotspot_id = uow.hotspots.add_listing({
            "category_code": data.category_code, "lon": lon, "lat": lat,
            "cell": cell_of(lon, lat), "radius_m": radius, "address": data.address.strip()[:200],
            "state": "listed", "owner_unit_id": data.owner_unit_id, "measure": measure,
            "case_nos": list(data.case_nos), "recurrences": int(data.recurrences), "listed_at": now,
            "listed_by": actor.name, "listed_by_id": actor.user_id, "note": ""})
        ticket_no = None
        if level is not None:
            ids = uow.supervision.case_ids(list(data.case_nos))
            ticket = supervision_service.issue_in(
                uow, rt, now, actor, level=level, source=TicketSource.HOTSPOT,
                title=f"难点点位挂牌督办：{data.address.strip() or category_name}",
                content=f"{category_name}反复反弹，已挂牌督办。长效措施：{measure}",
                unit_ids=(data.owner_unit_id,), case_ids=tuple(ids.values()), lon=lon, lat=lat,
                address=data.address, hotspot_id=hotspot_id)
            ticket_no = ticket.ticket_no
            uow.hotspots.update_listing(hotspot_id, {"ticket_id": ticket.id})
        notify.notify_unit(uow, rt.settings, now, data.owner_unit_id,
                           f"【挂牌督办】{category_name}难点点位 {data.address.strip()}"[:200],
                           f"该点位{category_name}问题反复出现，已挂牌督办，由贵单位牵头落实长效措施：{measure}",
                           link=f"/console/supervision/hotspots#listed-{hotspot_id}", dedupe=f"hotspot:{hotspot_id}:listed")
        record_change(rt, uow, actor, "hotspot", hotspot_id, "create", None,
                      {"category_code": data.category_code, "owner_unit_id": data.owner_unit_id})
        uow.commit()
    return {"id": hotspot_id, "state": "listed", "ticket_no": ticket_no}


def listed(rt: Runtime, state: str | None = "listed", actor: Actor | None = None) -> list[dict[str, Any]]:
    """Listed places, each with the reports of its category within its radius since it was listed;
    a unit's staff see the places their unit owns."""
    if state not in (None, "listed", "delisted"):
        raise InvalidInput("状态只能是 listed 或 delisted", {"field": "state"})
    owners = led_units(actor) if actor is not None else None
    units = accounts.unit_names(rt)
    catalogue = catalogue_services.catalogue(rt)
    out = []
    with unit_of_work(rt, readonly=True) as uow:
        rows = [r for r in uow.hotspots.listings(state=state) if owners is None or r["owner_unit_id"] in owners]
        # One read for every place (not one per place): the reports in any place's cells, of any listed
        # category, since the earliest listing; each place then keeps its own.
        cells = {r["id"]: near(r["cell"], r["radius_m"]) for r in rows}
        reports = uow.hotspots.cases_since(
            sorted(set().union(*cells.values())), sorted({r["category_code"] for r in rows}),
            min(r["listed_at"] for r in rows)) if rows else []
        for row in rows:
            since = [c for c in reports
                     if c["cell"] in cells[row["id"]] and c["category_code"] == row["category_code"]
                     and c["reported_at"] > row["listed_at"]
                     and within(row["lon"], row["lat"], c["lon"], c["lat"], row["radius_m"])]
            out.append({
                "id": row["id"], "state": row["state"], "state_label": "挂牌中" if row["state"] == "listed" else "已摘牌",
                "category_code": row["category_code"], "category_name": catalogue.name(row["category_code"]),
                "lon": row["lon"], "lat": row["lat"], "address": row["address"], "radius_m": row["radius_m"],
                "owner_unit_id": row["owner_unit_id"], "owner_unit_name": units.get(row["owner_unit_id"]),
                "measure": row["measure"], "listed_at": row["listed_at"], "listed_by": row["listed_by"],
                "case_nos": row["case_nos"], "recurrences": row["recurrences"], "delisted_at": row["delisted_at"],
                "new_reports": [{"case_no": c["case_no"], "reported_at": c["reported_at"]} for c in since],
                "stays_fixed": not since,
                "stays_fixed_label": "未反弹" if not since else f"已反弹 {len(since)} 次",
            })
    return out


def delist(rt: Runtime, actor: Actor, hotspot_id: int, note: str) -> dict[str, Any]:
    """摘牌: end listed supervision (normally once the place has stayed fixed)."""
    if actor.role not in ISSUERS:
        raise Forbidden(f"「{actor.role.label}」不能摘牌")
    if not note.strip():
        raise InvalidInput("摘牌需要填写说明", {"field": "note"})
    with unit_of_work(rt) as uow:
        row = uow.hotspots.listing(hotspot_id)
        if row is None:
            raise NotFound(f"挂牌点位 {hotspot_id} 不存在")
        if row["state"] != "listed":
            raise IllegalTransition("该点位已摘牌")
        uow.hotspots.update_listing(hotspot_id, {"state": "delisted", "delisted_at": rt.now(), "note": note.strip()})
        record_change(rt, uow, actor, "hotspot", hotspot_id, "update", {"state": "listed"},
                      {"state": "delisted", "note": note.strip()})
        uow.commit()
    return {"id": hotspot_id, "state": "delisted"}
