"""The road register (道路): centre lines with a class, a length, the units that manage and maintain
them and whether they have been handed over (新建未移交 roads name an interim responsible body).

A pin within `snap_m` metres of a road's centre line gets that road (the nearest one), so responsibility
rules written for a named road fire for a report placed by a pin alone (DESIGN.md, "Where a case goes").
Distances are measured in a local plane around the city (equirectangular: under 0.1 % error within a
city), so shapely's STRtree answers "nearest road" without a spatial database.
Source: issue 12; seeds/000 (13 新建未移交道路 with their bodies; 站前路/南通路 corner).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point, shape
from shapely.geometry.base import BaseGeometry

from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.geo import EARTH_RADIUS_M
from citysteward.kernel.labels import Labelled

M_PER_DEG = EARTH_RADIUS_M * math.pi / 180


class RoadClass(Labelled):
    ARTERIAL = "arterial"
    SECONDARY = "secondary"
    BRANCH = "branch"
    ALLEY = "alley"


RoadClass.set_labels({
    "arterial": ("主干路", "#1f3a5f"), "secondary": ("次干路", "#3d6a99"),
    "branch": ("支路", "#6c8fb5"), "alley": ("背街小巷", "#8d99a6"),
})
_CLASS_BY_LABEL = {**{m.label: m for m in RoadClass}, "主干道": RoadClass.ARTERIAL, "次干道": RoadClass.SECONDARY}


def road_class(value: str) -> RoadClass:
    """A class by code (arterial …) or by its Chinese name (主干路 / 主干道 …)."""
    text = str(value or "").strip()
    if text in RoadClass._value2member_map_:
        return RoadClass(text)
    if text in _CLASS_BY_LABEL:
        return _CLASS_BY_LABEL[text]
    raise InvalidInput(f"道路等级「{text}」无效（可选：主干路、次干路、支路、背街小巷）", {"field": "road_class"})


@dataclass(frozen=True, slots=True)
class Road:
    id: int
    name: str
    road_class: RoadClass
    geometry: dict[str, Any]  # GeoJSON LineString / MultiLineString, WGS-84
    length_m: float
    district_code: str | None = None
    managing_unit_id: int | None = None
    maintaining_unit_id: int | None = None
    handed_over: bool = True
    interim_body: str = ""  # 新建未移交: who is responsible meanwhile
    generated: bool = False  # a demo centre line drawn by the generator, not surveyed
    note: str = ""

    @property
    def status_label(self) -> str:
        return "已移交" if self.handed_over else "新建未移交"


@dataclass(frozen=True, slots=True)
class RoadMatch:
    """The road a pin was placed on, and how far from its centre line."""

    road_id: int
    name: str
    distance_m: float

    def to_dict(self) -> dict[str, Any]:
        return {"road_id": self.road_id, "name": self.name, "distance_m": round(self.distance_m, 1)}


class Plane:
    """A local metric plane (metres east/north of an origin) for distances inside one city."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.kx = M_PER_DEG * math.cos(math.radians(lat0))

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * M_PER_DEG

    def geometry(self, geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, lambda c: np.column_stack(((c[:, 0] - self.lon0) * self.kx,
                                                                   (c[:, 1] - self.lat0) * M_PER_DEG)))


def parse_line(geometry: Any, what: str) -> BaseGeometry:
    """A centre line from GeoJSON: LineString or MultiLineString with valid WGS-84 coordinates."""
    try:
        geom = shape(geometry)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
        raise InvalidInput(f"{what}的几何图形无效", {"field": "geometry"}) from exc
    if not isinstance(geom, LineString | MultiLineString) or geom.is_empty:
        raise InvalidInput(f"{what}必须是线（LineString/MultiLineString）", {"field": "geometry"})
    xs, ys = np.asarray(shapely.get_coordinates(geom)).T
    if not (np.all(np.abs(xs) <= 180) and np.all(np.abs(ys) <= 90)) or not np.all(np.isfinite(xs + ys)):
        raise InvalidInput(f"{what}的坐标超出经纬度范围", {"field": "geometry"})
    return geom


def length_m(geom: BaseGeometry) -> float:
    c = geom.centroid
    return float(Plane(c.x, c.y).geometry(geom).length)


class RoadIndex:
    """Nearest road to a point, within a distance (an STRtree over the centre lines in metres)."""

    def __init__(self, roads: Iterable[tuple[int, str, dict[str, Any]]]) -> None:
        items = [(rid, name, shape(g)) for rid, name, g in roads]
        self.ids = [i for i, _, _ in items]
        self.names = [n for _, n, _ in items]
        if items:
            allc = np.vstack([shapely.get_coordinates(g) for _, _, g in items])
            lon0, lat0 = (float(v) for v in allc.mean(axis=0))
        else:
            lon0, lat0 = 0.0, 0.0
        self.plane = Plane(lon0, lat0)
        self.lines: Sequence[BaseGeometry] = [self.plane.geometry(g) for _, _, g in items]
        self.tree = shapely.STRtree(self.lines) if items else None

    def __len__(self) -> int:
        return len(self.ids)

    def nearest(self, lon: float, lat: float, within_m: float) -> RoadMatch | None:
        if self.tree is None or within_m <= 0:
            return None
        p = Point(self.plane.xy(lon, lat))
        found, dist = self.tree.query_nearest(p, max_distance=within_m, return_distance=True)
        if len(found) == 0:
            return None
        # ties (a crossing): the lower id, so the answer never depends on the tree's order
        best = min(zip(dist.tolist(), found.tolist(), strict=True), key=lambda t: (round(t[0], 6), self.ids[t[1]]))
        return RoadMatch(self.ids[best[1]], self.names[best[1]], float(best[0]))
