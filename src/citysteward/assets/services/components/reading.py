"""Reading components: by id or code, the nearest of a class, lists, the map layer, a component's page."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from citysteward.assets.domain.components import (
    Component,
    ComponentState,
    HistoryKind,
)
from citysteward.assets.domain.maintenance import WorkOrder
from citysteward.assets.ports import unit_of_work
from citysteward.assets.services.components.importing import MAP_POINT_LIMIT, component_classes
from citysteward.assets.services.roads import config
from citysteward.kernel.cells import cell_of, cells_within
from citysteward.kernel.errors import InvalidInput, NotFound
from citysteward.kernel.geo import haversine_m
from citysteward.platform.runtime import Runtime

# ---- reading ------------------------------------------------------------------------------------


def component_by_id(rt: Runtime, component_id: int) -> Component:
    with unit_of_work(rt, readonly=True) as uow:
        c = uow.assets.component(component_id)
    if c is None:
        raise NotFound(f"部件 {component_id} 不存在", {"component_id": component_id})
    return c


def component_by_code(rt: Runtime, code: str) -> Component:
    with unit_of_work(rt, readonly=True) as uow:
        c = uow.assets.component_by_code(str(code).strip())
    if c is None:
        raise NotFound(f"部件标识码 {code} 未登记", {"code": code})
    return c


@dataclass(frozen=True, slots=True)
class Nearby:
    component: Component
    distance_m: float


def nearest_components(rt: Runtime, class_code: str | None, lon: float, lat: float,
                       within_m: float | None = None, limit: int = 10) -> list[Nearby]:
    """Components of a class nearest to a WGS-84 point, within `within_m` (the configured radius by
    default), nearest first."""
    radius = within_m if within_m is not None else config(rt).nearby_components_m
    if not 0 < radius <= 2000:
        raise InvalidInput("搜索半径应在 1 至 2000 米之间")
    rings = max(1, math.ceil(radius / 170))  # res-9 cells are ~174 m across their centres
    cells = cells_within(cell_of(lon, lat), rings)
    with unit_of_work(rt, readonly=True) as uow:
        found = uow.assets.components_in_cells(class_code or None, cells, 5000)
    near = sorted((Nearby(c, haversine_m(lon, lat, c.lon, c.lat)) for c in found), key=lambda n: (n.distance_m, n.component.id))
    return [n for n in near if n.distance_m <= radius][:max(1, min(limit, 100))]


def list_components(rt: Runtime, class_code: str | None = None, state: str | None = None,
                    road_id: int | None = None, page: int = 1, page_size: int = 50) -> tuple[list[Component], int]:
    if state and state not in ComponentState._value2member_map_:
        raise InvalidInput(f"部件状态「{state}」无效")
    page_size = max(1, min(page_size, 200))
    with unit_of_work(rt, readonly=True) as uow:
        return uow.assets.components(class_code or None, state or None, road_id, page_size, (max(page, 1) - 1) * page_size)


def class_counts(rt: Runtime) -> dict[str, dict[str, int]]:
    with unit_of_work(rt, readonly=True) as uow:
        return uow.assets.class_counts()


def map_layer(rt: Runtime, class_code: str | None, bbox: tuple[float, float, float, float] | None,
              zoom: float = 14) -> dict[str, Any]:
    """Points when few enough, else server-side aggregation into squares sized for the zoom level, so
    100,000 lamps never reach the browser one by one."""
    if bbox is not None:
        w, s, e, n = bbox
        if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
            raise InvalidInput("地图范围 bbox 无效（西,南,东,北）")
    # squares of ~64 screen pixels at this zoom (256-px tiles: 360° / 2^zoom per tile)
    size = 360.0 / (2 ** max(0.0, min(zoom, 20))) / 4
    with unit_of_work(rt, readonly=True) as uow:
        total = uow.assets.map_count(class_code or None, bbox)
        if total <= MAP_POINT_LIMIT:
            pts = uow.assets.map_points(class_code or None, bbox, MAP_POINT_LIMIT)
            return {"mode": "points", "total": len(pts),
                    "points": [{"id": p[0], "lon": round(p[1], 6), "lat": round(p[2], 6), "state": p[3]} for p in pts]}
        squares = uow.assets.map_squares(class_code or None, bbox, size)
    cells = [{"lon": round(lon, 6), "lat": round(lat, 6), "count": n} for _, _, n, lon, lat in squares]
    return {"mode": "squares", "total": total, "size_deg": size, "squares": cells}


@dataclass(frozen=True, slots=True)
class ComponentPage:
    component: Component
    class_name: str
    road_name: str | None
    history: list[dict[str, Any]]
    work: list[WorkOrder] = field(default_factory=list)


def component_page(rt: Runtime, component_id: int) -> ComponentPage:
    with unit_of_work(rt, readonly=True) as uow:
        c = uow.assets.component(component_id)
        if c is None:
            raise NotFound(f"部件 {component_id} 不存在")
        road = uow.assets.road(c.road_id) if c.road_id else None
        history = uow.assets.history(component_id, 200)
        work, _ = uow.assets.work_orders(None, None, component_id, 100, 0)
    for h in history:
        h["kind_label"] = HistoryKind(h["kind"]).label
        h["state_to_label"] = ComponentState(h["state_to"]).label if h.get("state_to") else ""
    return ComponentPage(c, component_classes(rt).get(c.class_code, c.class_code), road.name if road else None,
                         history, work)


