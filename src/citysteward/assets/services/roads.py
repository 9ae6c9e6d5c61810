"""The road register: list, edit and import roads; the pin → road lookup used by intake and routing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping

from citysteward.assets.domain.config import SETTINGS_KEY, AssetsConfig
from citysteward.assets.domain.roads import Road, RoadIndex, RoadMatch, length_m, parse_line, road_class
from citysteward.assets.ports import AssetsUnitOfWork, unit_of_work
from citysteward.kernel import geo
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from citysteward.kernel.text import clean_text
from citysteward.org.services import settings
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime

EDITORS = frozenset({Role.ADMIN})
MAX_ROADS_PER_IMPORT = 20_000


def config(rt: Runtime) -> AssetsConfig:
    return settings.load(rt, SETTINGS_KEY, AssetsConfig.from_dict)


def replace_config(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    return settings.replace(rt, actor, SETTINGS_KEY, data, AssetsConfig.from_dict)


def road_index(rt: Runtime) -> RoadIndex:
    def load() -> RoadIndex:
        with unit_of_work(rt, readonly=True) as uow:
            return RoadIndex((r.id, r.name, r.geometry) for r in uow.assets.roads())

    return rt.cache.get("road_index", 60.0, load)


def road_at(rt: Runtime, lon: float, lat: float) -> RoadMatch | None:
    """The road whose centre line is nearest to a WGS-84 point, if within the configured distance."""
    return road_index(rt).nearest(lon, lat, config(rt).road_snap_m)


def list_roads(rt: Runtime, road_class: str | None = None, handed_over: bool | None = None) -> list[Road]:
    with unit_of_work(rt, readonly=True) as uow:
        return uow.assets.roads(road_class or None, handed_over)


def get_road(rt: Runtime, road_id: int) -> Road:
    with unit_of_work(rt, readonly=True) as uow:
        road = uow.assets.road(road_id)
    if road is None:
        raise NotFound(f"道路 {road_id} 不存在")
    return road


def roads_geojson(rt: Runtime) -> dict[str, Any]:
    """Every road as GeoJSON (the maps' own road layer), cached briefly: every map asks for it."""
    def load() -> dict[str, Any]:
        feats = [{"type": "Feature", "geometry": r.geometry,
                  "properties": {"id": r.id, "name": r.name, "road_class": r.road_class.value,
                                 "road_class_label": r.road_class.label, "handed_over": r.handed_over,
                                 "generated": r.generated}} for r in list_roads(rt)]
        return {"type": "FeatureCollection", "features": feats}

    return rt.cache.get("roads_geojson", 60.0, load)


@dataclass(frozen=True, slots=True)
class RoadInput:
    name: str
    road_class: str
    geometry: dict[str, Any]
    crs: str = "wgs84"
    district_code: str | None = None
    managing_unit_id: int | None = None
    maintaining_unit_id: int | None = None
    handed_over: bool = True
    interim_body: str = ""
    generated: bool = False
    note: str = ""


def _build(uow: AssetsUnitOfWork, data: RoadInput, road_id: int, where: str = "") -> Road:
    name = clean_text(data.name or "", field="name", label=f"{where}道路名称").strip()
    if not name or len(name) > 100:
        raise InvalidInput(f"{where}道路名称不能为空，且不超过 100 字", {"field": "name"})
    geom = parse_line(data.geometry, f"{where}道路「{name}」")
    try:
        crs = geo.CoordSys.parse(data.crs)
    except ValueError as exc:
        raise InvalidInput(f"不支持的坐标系：{data.crs}（可选 wgs84、gcj02、bd09）", {"field": "crs"}) from exc
    if crs is not geo.CoordSys.WGS84:
        geom = shapely.transform(geom, lambda c: np.column_stack(geo.to_wgs84_array(c[:, 0], c[:, 1], crs)))
    for uid in (data.managing_unit_id, data.maintaining_unit_id):
        if uid is not None and uow.org.unit(uid) is None:
            raise InvalidInput(f"{where}单位 {uid} 不存在", {"field": "unit_id"})
    interim = clean_text(data.interim_body or "", field="interim_body", label="临时管理主体").strip()[:100]
    if not data.handed_over and not interim:
        raise InvalidInput(f"{where}新建未移交道路须写明临时管理主体", {"field": "interim_body"})
    district = str(data.district_code or "").strip() or None
    if district and (not district.isdigit() or len(district) != 6):
        raise InvalidInput(f"{where}所属区的代码应为 6 位数字", {"field": "district_code"})
    return Road(id=road_id, name=name, road_class=road_class(data.road_class), geometry=dict(mapping(geom)),
                length_m=round(length_m(geom), 1), district_code=district, managing_unit_id=data.managing_unit_id,
                maintaining_unit_id=data.maintaining_unit_id, handed_over=data.handed_over,
                interim_body=interim if not data.handed_over else "", generated=data.generated,
                note=clean_text(data.note or "", field="note", label="备注").strip()[:400])


def _as_dict(road: Road) -> dict[str, Any]:
    return {"name": road.name, "road_class": road.road_class.value, "length_m": road.length_m,
            "district_code": road.district_code, "managing_unit_id": road.managing_unit_id,
            "maintaining_unit_id": road.maintaining_unit_id, "handed_over": road.handed_over,
            "interim_body": road.interim_body, "generated": road.generated, "note": road.note}


def _check_editor(actor: Actor) -> None:
    if actor.role not in EDITORS and actor.role is not Role.SYSTEM:
        raise Forbidden("只有系统管理员可以维护道路")


def drop_caches(rt: Runtime) -> None:
    rt.cache.drop("road_index")
    rt.cache.drop("roads_geojson")


def save_road(rt: Runtime, actor: Actor, data: RoadInput, road_id: int | None = None) -> Road:
    """Add a road, or replace one whole (the admin map's edit)."""
    _check_editor(actor)
    with unit_of_work(rt) as uow:
        before = uow.assets.road(road_id) if road_id is not None else None
        if road_id is not None and before is None:
            raise NotFound(f"道路 {road_id} 不存在")
        road = _build(uow, data, road_id or 0)
        other = uow.assets.road_by_name(road.name)
        if other is not None and other.id != road_id:
            raise Conflict(f"已有名为「{road.name}」的道路", {"field": "name"})
        if before is None:
            road = replace(road, id=uow.assets.add_road(road, rt.now()))
        else:
            uow.assets.update_road(road, rt.now())
        record_change(rt, uow, actor, "road", road.id, "update" if before else "create",
                      _as_dict(before) if before else None, _as_dict(road))
        uow.commit()
    drop_caches(rt)
    return road


def import_roads(rt: Runtime, actor: Actor, collection: Mapping[str, Any], crs: str = "wgs84") -> dict[str, int]:
    """A GeoJSON FeatureCollection of centre lines (a Shapefile exported to GeoJSON): all or nothing;
    a road whose name exists is replaced. Properties: name, road_class (or 等级), district_code,
    managing_unit_id, maintaining_unit_id, handed_over, interim_body, note."""
    _check_editor(actor)
    if not isinstance(collection, Mapping) or collection.get("type") != "FeatureCollection":
        raise InvalidInput("需要 GeoJSON FeatureCollection")
    feats = collection.get("features")
    if not isinstance(feats, list) or not feats:
        raise InvalidInput("FeatureCollection 中没有要素")
    if len(feats) > MAX_ROADS_PER_IMPORT:
        raise InvalidInput(f"一次最多导入 {MAX_ROADS_PER_IMPORT} 条道路")
    added = updated = 0
    with unit_of_work(rt) as uow:
        seen: set[str] = set()
        for i, f in enumerate(feats, start=1):
            raw_props = f.get("properties") if isinstance(f, Mapping) else None
            props: Mapping[str, Any] = raw_props if isinstance(raw_props, Mapping) else {}
            where = f"第 {i} 个要素："
            road = _build(uow, RoadInput(
                name=str(props.get("name") or props.get("名称") or ""),
                road_class=str(props.get("road_class") or props.get("等级") or ""),
                geometry=f.get("geometry") if isinstance(f, Mapping) else None,  # type: ignore[arg-type]
                crs=crs, district_code=str(props.get("district_code") or "") or None,
                managing_unit_id=_opt_int(props.get("managing_unit_id"), where),
                maintaining_unit_id=_opt_int(props.get("maintaining_unit_id"), where),
                handed_over=_bool(props.get("handed_over", True)), interim_body=str(props.get("interim_body") or ""),
                generated=_bool(props.get("generated", False)), note=str(props.get("note") or "")), 0, where)
            if road.name in seen:
                raise InvalidInput(f"{where}道路「{road.name}」在文件中重复", {"feature": i})
            seen.add(road.name)
            existing = uow.assets.road_by_name(road.name)
            if existing is None:
                uow.assets.add_road(road, rt.now())
                added += 1
            else:
                uow.assets.update_road(replace(road, id=existing.id), rt.now())
                updated += 1
        record_change(rt, uow, actor, "road", "import", "import", None, {"added": added, "updated": updated})
        uow.commit()
    drop_caches(rt)
    return {"added": added, "updated": updated}


def _opt_int(value: Any, where: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{where}单位编号应为整数") from exc


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("0", "false", "no", "否", "未移交", "")
