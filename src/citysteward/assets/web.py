"""Pages of the assets context (道路部件): the road register with its map, a road's page (the admin
edits it on the map), components by class with a component's page (cases and work history), the bulk
import with a progress bar, and maintenance (养护作业) with the month's report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from citysteward.assets.domain.components import CLASS_ATTRIBUTES, Component, ComponentState
from citysteward.assets.domain.maintenance import WORK_UNIT, LightingRate, Totals, WorkOrder, WorkType
from citysteward.assets.domain.roads import Road, RoadClass
from citysteward.assets.services import components as comp
from citysteward.assets.services import maintenance as work
from citysteward.assets.services import roads as road_services
from citysteward.kernel.actor import Role
from citysteward.kernel.errors import DomainError, InvalidInput
from citysteward.org.deps import PageUser, Shell
from citysteward.org.services import accounts
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.pages import PageRoute, render

router = APIRouter(prefix="/console/assets", route_class=PageRoute, include_in_schema=False)


@dataclass(frozen=True)
class AssetsHome:
    shell: Shell
    roads: list[Road]
    units: dict[int, str]
    classes: list[tuple[str, str, dict[str, int]]]
    snap_m: float
    road_classes: list[RoadClass] = field(default_factory=lambda: list(RoadClass))

    @property
    def untransferred(self) -> list[Road]:
        return [r for r in self.roads if not r.handed_over]

    @property
    def total_km(self) -> float:
        return sum(r.length_m for r in self.roads) / 1000


@router.get("", response_class=HTMLResponse)
def home(request: Request, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    counts = comp.class_counts(rt)
    names = comp.component_classes(rt)
    classes = [(code, names.get(code, code), counts[code]) for code in sorted(counts)]
    page = AssetsHome(Shell.of(user, "assets"), road_services.list_roads(rt), accounts.unit_names(rt), classes,
                      road_services.config(rt).road_snap_m)
    return render(request, "assets/home.html", page)


# ---------------------------------------------------------------- roads
@dataclass(frozen=True)
class RoadPage:
    shell: Shell
    road: Road | None
    units: list[dict[str, Any]]
    components: list[Component]
    component_total: int
    error: str = ""
    done: bool = False
    road_classes: list[RoadClass] = field(default_factory=lambda: list(RoadClass))

    @property
    def editable(self) -> bool:
        return self.shell.user.role is Role.ADMIN

    @property
    def geometry_json(self) -> str:
        return json.dumps(self.road.geometry, ensure_ascii=False) if self.road else ""


def _road_page(request: Request, rt: Any, user: Any, road_id: int | None, error: str = "", status: int = 200,
               done: bool = False) -> HTMLResponse:
    road = road_services.get_road(rt, road_id) if road_id else None
    items, total = comp.list_components(rt, road_id=road_id, page_size=50) if road_id else ([], 0)
    page = RoadPage(Shell.of(user, "assets"), road, [u for u in accounts.list_units(rt) if u["active"]], items, total,
                    error, done)
    return render(request, "assets/road.html", page, status_code=status)


@router.get("/roads/new", response_class=HTMLResponse)
def new_road(request: Request, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    return _road_page(request, rt, user, None)


@router.get("/roads/{road_id}", response_class=HTMLResponse)
def road_page(request: Request, road_id: int, rt: RuntimeDep, user: PageUser, done: str = "") -> HTMLResponse:
    return _road_page(request, rt, user, road_id, done=bool(done))


def _opt_int(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput("单位选择有误")
    return int(value)


@router.post("/roads/{road_id}")
def save_road(request: Request, road_id: int, rt: RuntimeDep, user: PageUser,
              name: Annotated[str, Form()] = "", road_class: Annotated[str, Form()] = "",
              geometry: Annotated[str, Form()] = "", district_code: Annotated[str, Form()] = "",
              managing_unit_id: Annotated[str, Form()] = "", maintaining_unit_id: Annotated[str, Form()] = "",
              handed_over: Annotated[str, Form()] = "", interim_body: Annotated[str, Form()] = "",
              note: Annotated[str, Form()] = "") -> Response:
    """road_id 0 adds a road."""
    try:
        try:
            geom = json.loads(geometry)
        except ValueError as exc:
            raise InvalidInput("道路几何应为 GeoJSON（在地图上点击绘制中心线）") from exc
        data = road_services.RoadInput(name=name, road_class=road_class, geometry=geom, district_code=district_code,
                                       managing_unit_id=_opt_int(managing_unit_id),
                                       maintaining_unit_id=_opt_int(maintaining_unit_id),
                                       handed_over=handed_over == "1", interim_body=interim_body, note=note)
        road = road_services.save_road(rt, user.actor, data, road_id or None)
    except DomainError as exc:
        return _road_page(request, rt, user, road_id or None, exc.message, status_of(exc))
    return RedirectResponse(f"/console/assets/roads/{road.id}?done=1", status_code=303)


# ---------------------------------------------------------------- components
@dataclass(frozen=True)
class ComponentsPage:
    shell: Shell
    items: list[Component]
    total: int
    class_code: str
    state: str
    page: int
    classes: dict[str, str]
    states: list[ComponentState] = field(default_factory=lambda: list(ComponentState))


@router.get("/components", response_class=HTMLResponse)
def components(request: Request, rt: RuntimeDep, user: PageUser, class_code: str = "", state: str = "",
               page: int = 1) -> HTMLResponse:
    items, total = comp.list_components(rt, class_code or None, state or None, None, max(1, page), 50)
    return render(request, "assets/components.html", ComponentsPage(
        Shell.of(user, "assets"), items, total, class_code, state, max(1, page), comp.component_classes(rt)))


@dataclass(frozen=True)
class ComponentDetailPage:
    shell: Shell
    view: comp.ComponentPage
    units: dict[int, str]
    states: list[ComponentState] = field(default_factory=lambda: list(ComponentState))
    error: str = ""

    @property
    def map_config(self) -> str:
        c = self.view.component
        return json.dumps({"lon": c.lon, "lat": c.lat})

    @property
    def attributes(self) -> list[tuple[str, str]]:
        c = self.view.component
        return [(a.label, f"{c.attributes[a.key]:g}{a.unit}" if isinstance(c.attributes[a.key], float)
                 else str(c.attributes[a.key])) for a in CLASS_ATTRIBUTES.get(c.class_code, ()) if a.key in c.attributes]


@router.get("/components/{component_id}", response_class=HTMLResponse)
def component_page(request: Request, component_id: int, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    return render(request, "assets/component.html", ComponentDetailPage(
        Shell.of(user, "assets"), comp.component_page(rt, component_id), accounts.unit_names(rt)))


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    return render(request, "assets/import.html", {"shell": Shell.of(user, "assets"),
                                                  "chunk": 5000, "classes": comp.component_classes(rt)})


# ---------------------------------------------------------------- maintenance
@dataclass(frozen=True)
class MaintenancePage:
    shell: Shell
    report: work.MaintenanceReport
    orders: list[WorkOrder]
    orders_total: int
    units: dict[int, str]
    roads: list[Road]
    month: str
    error: str = ""
    done: bool = False
    types: list[WorkType] = field(default_factory=lambda: list(WorkType))

    def unit_of(self, wt: WorkType) -> str:
        return WORK_UNIT[wt]

    def amount(self, t: Totals, wt: WorkType) -> str:
        v = t.amounts.get(wt, 0.0)
        return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"

    def rate(self, x: LightingRate) -> str:
        return f"{x.rate:.2f}%" if x.rate is not None else "—"

    @property
    def may_record(self) -> bool:
        return self.shell.user.role in work.RECORDERS


def _maintenance_page(request: Request, rt: Any, user: Any, month: str, error: str = "", status: int = 200,
                      done: bool = False) -> HTMLResponse:
    report = work.report(rt, user.actor, month)
    orders, total = work.list_work(rt, user.actor, page_size=20)
    page = MaintenancePage(Shell.of(user, "assets"), report, orders, total, accounts.unit_names(rt),
                           road_services.list_roads(rt), month, error, done)
    return render(request, "assets/maintenance.html", page, status_code=status)


@router.get("/maintenance", response_class=HTMLResponse)
def maintenance(request: Request, rt: RuntimeDep, user: PageUser, month: str = "", done: str = "") -> HTMLResponse:
    return _maintenance_page(request, rt, user, month or rt.now().astimezone(rt.settings.tz).strftime("%Y-%m"),
                             done=bool(done))


@router.post("/maintenance/work")
async def add_work(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    form = await request.form()
    month = str(form.get("month") or rt.now().astimezone(rt.settings.tz).strftime("%Y-%m"))
    try:
        quantities = [{"work_type": wt.value, "amount": form.get(f"q_{wt.value}"),
                       "watts_before": form.get("watts_before"), "watts_after": form.get("watts_after")}
                      for wt in WorkType if str(form.get(f"q_{wt.value}") or "").strip()]
        done_on = str(form.get("done_on") or "").strip()
        done_at = None
        if done_on:
            try:
                done_at = datetime.combine(date.fromisoformat(done_on), datetime.min.time(), rt.settings.tz).replace(hour=12)
            except ValueError as exc:
                raise InvalidInput("完成日期格式应为 YYYY-MM-DD") from exc
        crew = str(form.get("crew") or "0").strip()
        if not crew.isdigit():
            raise InvalidInput("出动人数应为整数")
        data = work.WorkInput(title=str(form.get("title") or ""), quantities=quantities, done_at=done_at,
                              unit_id=_opt_int(str(form.get("unit_id") or "")),
                              road_id=_opt_int(str(form.get("road_id") or "")),
                              team=str(form.get("team") or ""), crew=int(crew),
                              equipment=str(form.get("equipment") or ""), note=str(form.get("note") or ""))
        await run_in_threadpool(work.record_work, rt, user.actor, data)
    except DomainError as exc:
        return await run_in_threadpool(_maintenance_page, request, rt, user, month, exc.message, status_of(exc))
    return RedirectResponse(f"/console/assets/maintenance?month={month}&done=1", status_code=303)
