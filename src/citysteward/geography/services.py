"""Cached reference data: catalogue, calendar, grid index, unit names, rules, area names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from citysteward.geography.domain.codes import GridCode
from citysteward.geography.domain.index import GridIndex
from citysteward.geography.ports import unit_of_work
from citysteward.kernel import geo
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import InvalidInput, NotFound, OutsideCity
from citysteward.kernel.privacy import mask_phone
from citysteward.kernel.text import clean_text
from citysteward.org.services import access
from citysteward.org.services.audit import record_change
from citysteward.platform.replica import primary_reads
from citysteward.platform.runtime import Runtime
from citysteward.platform.stamped import StampedCache

T = TypeVar("T")


# What a worker derives from the outlines is kept under the areas' change stamp (migration 0019) and
# derived again only when the stamp has moved: an import in any worker is seen by the others within
# STAMP_CHECK seconds, and a worker whose outlines did not change reads one row, not all of them.
STAMP_CHECK = 2.0


def kept(rt: Runtime, key: str, derive: Callable[[], T]) -> T:
    """`derive()`'s value, derived once per change of the areas and grids. The stamp is looked at every
    STAMP_CHECK seconds by the runtime cache's background refresh (no request waits for it), and read
    before the data, from the primary: a value is never kept under a stamp newer than what it was
    derived from."""
    derived: StampedCache = rt.singleton("geography.kept", lambda: StampedCache(256))

    def load() -> T:
        with primary_reads():
            with unit_of_work(rt, readonly=True) as uow:
                stamp = uow.areas.change_stamp()
            value = derived.get(key, stamp)
            if value is None:
                value = derive()
                derived.put(key, stamp, value)
        return cast(T, value)

    return rt.cache.get(key, STAMP_CHECK, load)


def grid_index(rt: Runtime) -> GridIndex:
    """The point → grid index, built again only when the grids have changed (`kept`)."""

    def build() -> GridIndex:
        with unit_of_work(rt, readonly=True) as uow:
            rows = uow.areas.grids(with_geometry=True)
        if not rows:
            raise OutsideCity("本市尚未导入网格数据，无法定位问题所在网格，请管理员先导入网格")
        return GridIndex((r["code"], shapely.geometry.shape(r["geometry"])) for r in rows)

    return kept(rt, "grid_index", build)


def area_names(rt: Runtime) -> dict[str, str]:
    def load() -> dict[str, str]:
        with unit_of_work(rt, readonly=True) as uow:
            return uow.areas.names()

    return kept(rt, "area_names", load)


LEVELS = {"district": 6, "street": 9, "community": 12, "grid": 15}
LEVEL_LABELS = {"district": "区", "street": "街道", "community": "社区", "grid": "网格"}
TEAM_ROLES = {"party_pioneer": "党员先锋岗", "maintenance": "专业维护团队", "inspector": "网格巡查员",
              "leader": "网格长"}


def _features(collection: dict[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise InvalidInput("需要 GeoJSON FeatureCollection")
    feats = collection.get("features")
    if not isinstance(feats, list) or not feats:
        raise InvalidInput("FeatureCollection 中没有要素")
    return feats


def import_areas(rt: Runtime, actor: Actor, collection: dict[str, Any], crs: str = "wgs84",
                 level: str | None = None) -> dict[str, int]:
    """Validate everything first; write all or nothing."""
    coord = geo.CoordSys.parse(crs)
    areas, grids = [], []
    for i, feat in enumerate(_features(collection), start=1):
        props = feat.get("properties") or {}
        code = str(props.get("code") or "").strip()
        name = clean_text(str(props.get("name") or ""), field=f"features[{i}].name", label=f"第 {i} 个要素的名称").strip()
        lvl = props.get("level") or level
        if lvl not in LEVELS:
            raise InvalidInput(f"第 {i} 个要素的 level 必须是 district/street/community/grid", {"feature": i})
        if not code.isdigit() or len(code) != LEVELS[lvl]:
            raise InvalidInput(f"第 {i} 个要素的编码 {code!r} 应为 {LEVELS[lvl]} 位数字（{LEVEL_LABELS[lvl]}）",
                               {"feature": i})
        if not name:
            raise InvalidInput(f"第 {i} 个要素缺少名称", {"feature": i})
        try:
            geom = shape(feat["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as exc:
            raise InvalidInput(f"第 {i} 个要素（{name}）的几何图形无效", {"feature": i}) from exc
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            raise InvalidInput(f"第 {i} 个要素（{name}）必须是面（Polygon/MultiPolygon）", {"feature": i})
        if coord is not geo.CoordSys.WGS84:
            geom = shapely.transform(geom, lambda xy, c=coord: _convert(xy, c))
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        if lvl == "grid":
            gc = GridCode.parse(code)
            grids.append({"code": code, "name": name, "community_code": gc.community_code,
                          "street_code": gc.street_code, "district_code": gc.division_code,
                          "area_m2": props.get("area_m2"), "geometry": mapping(geom)})
        else:
            parent = props.get("parent_code") or (code[: LEVELS[lvl] - 3] if lvl != "district" else None)
            areas.append({"code": code, "name": name, "level": lvl, "parent_code": parent,
                          "geometry": mapping(geom)})
    with unit_of_work(rt) as uow:
        n_areas = uow.areas.upsert_areas(areas)
        n_grids = uow.areas.upsert_grids(grids)
        record_change(rt, uow, actor, "areas", "*", "import", None, {"areas": n_areas, "grids": n_grids, "crs": crs})
        uow.commit()
    # This worker at once; the others within STAMP_CHECK seconds, as the import raised the stamp.
    rt.cache.drop("grid_index", "area_names")
    rt.cache.drop_prefix("map_layer:")  # the encoded map layers (api.py)
    return {"areas": n_areas, "grids": n_grids}


def _convert(xy: Any, coord: geo.CoordSys) -> Any:
    lons, lats = geo.to_wgs84_array(xy[:, 0], xy[:, 1], coord)
    return np.column_stack([lons, lats])


def locate(rt: Runtime, lon: float, lat: float, crs: str = "wgs84") -> dict[str, Any]:
    wlon, wlat = geo.to_wgs84(lon, lat, geo.CoordSys.parse(crs))
    code = GridCode.parse(grid_index(rt).locate(wlon, wlat))
    names = area_names(rt)
    return {"lon": wlon, "lat": wlat, "grid_code": code.value, "grid_name": names.get(code.value),
            "community_code": code.community_code, "community_name": names.get(code.community_code),
            "street_code": code.street_code, "street_name": names.get(code.street_code),
            "district_code": code.division_code, "district_name": names.get(code.division_code)}


def list_areas(rt: Runtime, level: str | None, parent: str | None) -> list[dict[str, Any]]:
    if level and level not in LEVELS:
        raise InvalidInput(f"未知的区域层级：{level}")
    with unit_of_work(rt, readonly=True) as uow:
        if level == "grid":
            return uow.areas.grids(parent)
        return uow.areas.areas(level, parent)


def grid_with_team(rt: Runtime, code: str, viewer: Actor) -> dict[str, Any]:
    """A grid with its area names and its team (网格团队). The team's phones are personal data: masked
    (138****1234) unless the viewer's role calls people back; shown in full, the view is logged."""
    with unit_of_work(rt, readonly=True) as uow:
        grid = uow.areas.grid(code)
        if grid is None:
            raise NotFound(f"网格 {code} 不存在")
        team = uow.areas.grid_members(code)
    names = area_names(rt)
    personal = viewer.role.sees_personal_data
    if personal and any(m.get("phone") for m in team):
        access.record_view(rt, viewer, "grid_team", code, ["phone"])
    return {**grid, "community_name": names.get(grid["community_code"]), "street_name": names.get(grid["street_code"]),
            "district_name": names.get(grid["district_code"]),
            "team": [{**m, "phone": m.get("phone") if personal else mask_phone(m.get("phone")),
                      "team_role_label": TEAM_ROLES.get(m["team_role"], m["team_role"])} for m in team]}


def set_grid_team(rt: Runtime, actor: Actor, code: str, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    clean = []
    for m in members:
        if not (m.get("name") or "").strip():
            raise InvalidInput("网格成员姓名不能为空")
        if m.get("team_role") not in TEAM_ROLES:
            raise InvalidInput(f"未知的网格角色：{m.get('team_role')}", {"allowed": list(TEAM_ROLES)})
        clean.append({"name": m["name"].strip(), "team_role": m["team_role"], "phone": m.get("phone"),
                      "unit_id": m.get("unit_id"), "user_id": m.get("user_id")})
    with unit_of_work(rt) as uow:
        if uow.areas.grid(code) is None:
            raise NotFound(f"网格 {code} 不存在")
        before = uow.areas.grid_members(code)
        uow.areas.set_grid_members(code, clean)
        record_change(rt, uow, actor, "grid_team", code, "update", before, clean)
        uow.commit()
    return clean


def geojson(rows: list[dict[str, Any]], level: str) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": r.get("geometry"),
         "properties": {k: v for k, v in r.items() if k != "geometry"} | {"level": level}}
        for r in rows]}
