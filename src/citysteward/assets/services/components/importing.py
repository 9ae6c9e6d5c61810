"""Bulk import of components from GeoJSON or CSV, with a report of the rejected rows and why."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import numpy as np

from citysteward.assets.domain.components import (
    Component,
    ComponentCode,
    DataSource,
    HistoryKind,
    clean_attributes,
    component_state,
)
from citysteward.assets.ports import unit_of_work
from citysteward.assets.services.roads import config, road_index
from citysteward.catalogue import services as catalogue_services
from citysteward.geography import services as geography_services
from citysteward.kernel import geo
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden, InvalidInput, OutsideCity
from citysteward.kernel.text import clean_text
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime

IMPORTERS = frozenset({Role.ADMIN, Role.SYSTEM})
MAX_IMPORT_ROWS = 20_000  # per request: the page sends a large file in chunks and shows progress
MAX_REJECTS_SHOWN = 500
MAP_POINT_LIMIT = 4000  # beyond this the map layer is aggregated into squares on the server


@dataclass(frozen=True, slots=True)
class Rejected:
    row: int
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    accepted: int
    rejected: list[Rejected]
    rows: int

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "accepted": self.accepted, "rejected_count": len(self.rejected),
                "rejected": [{"row": r.row, "code": r.code, "reason": r.reason}
                             for r in self.rejected[:MAX_REJECTS_SHOWN]]}


def features_to_rows(collection: Any) -> list[dict[str, Any]]:
    """GeoJSON Point features → flat rows (properties + lon/lat); a bad feature becomes a row the
    import rejects with its reason."""
    if not isinstance(collection, Mapping) or collection.get("type") != "FeatureCollection":
        raise InvalidInput("需要 GeoJSON FeatureCollection")
    feats = collection.get("features")
    if not isinstance(feats, list):
        raise InvalidInput("FeatureCollection 中没有 features 列表")
    rows = []
    for f in feats:
        props = dict(f.get("properties") or {}) if isinstance(f, Mapping) else {}
        g = f.get("geometry") if isinstance(f, Mapping) else None
        if isinstance(g, Mapping) and g.get("type") == "Point" and isinstance(g.get("coordinates"), list | tuple) \
                and len(g["coordinates"]) >= 2:
            props["lon"], props["lat"] = g["coordinates"][0], g["coordinates"][1]
        else:
            props["_geometry_error"] = "几何图形应为点（Point）"
        rows.append(props)
    return rows


def csv_to_rows(text: str) -> list[dict[str, Any]]:
    """CSV with a header row: code, name, class_code, lon, lat, state, … (attributes by their keys)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or "code" not in reader.fieldnames:
        raise InvalidInput("CSV 第一行应为表头，且包含 code 列（部件标识码）")
    return [dict(r) for r in reader]


def _date(value: Any) -> date | None:
    text = str(value or "").strip()
    if not text:
        return None
    for fmt in ("%Y%m%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidInput(f"初始日期「{text[:20]}」应为 YYYYMMDD 或 YYYY-MM-DD")


def _text(value: Any, limit: int, label: str) -> str:
    return clean_text(str(value or ""), field=label, label=label).strip()[:limit]


_SOURCE_BY_LABEL = {m.label: m for m in DataSource}


def _parse_row(raw: Mapping[str, Any], crs: geo.CoordSys, classes: Mapping[str, str]) -> Component:
    if raw.get("_geometry_error"):
        raise InvalidInput(str(raw["_geometry_error"]))
    code = ComponentCode.parse(raw.get("code"))
    class_code = str(raw.get("class_code") or "").strip() or code.class_code
    if code.legacy:
        if class_code == code.class_code:
            raise InvalidInput("16 位旧标识码需另填 5 位类别代码 class_code")
    elif class_code != code.class_code:
        raise InvalidInput(f"类别代码 {class_code} 与标识码中的类别 {code.class_code} 不一致")
    if class_code not in classes:
        raise InvalidInput(f"类别代码 {class_code} 不在部件目录中")
    try:
        lon, lat = geo.validate_lonlat(float(raw.get("lon")), float(raw.get("lat")))  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise InvalidInput("经纬度缺失或无效") from exc
    if crs is not geo.CoordSys.WGS84:
        lon, lat = geo.to_wgs84(lon, lat, crs)
    name = _text(raw.get("name"), 100, "名称") or classes[class_code]
    source = str(raw.get("data_source") or "surveyed").strip()
    by_label = _SOURCE_BY_LABEL
    if source not in DataSource._value2member_map_ and source not in by_label:
        raise InvalidInput(f"数据来源「{source[:20]}」无效（实测/地形图/基础地理数据/其他）")
    attrs_raw = raw.get("attributes") if isinstance(raw.get("attributes"), Mapping) else raw
    return Component(
        code=code.value, name=name, class_code=class_code, lon=lon, lat=lat,
        state=component_state(str(raw.get("state") or "intact")),
        department=_text(raw.get("department"), 100, "主管部门"), owner=_text(raw.get("owner"), 100, "权属单位"),
        maintainer=_text(raw.get("maintainer"), 100, "养护单位"), initial_date=_date(raw.get("initial_date")),
        data_source=DataSource(source) if source in DataSource._value2member_map_ else by_label[source],
        attributes=clean_attributes(class_code, attrs_raw), note=_text(raw.get("note"), 200, "备注"))  # type: ignore[arg-type]


def component_classes(rt: Runtime) -> dict[str, str]:
    """Component classes (5-digit codes) and their names, from the catalogue's component entries."""
    catalogue = catalogue_services.catalogue(rt)  # outside the loader: the cache's lock is not re-entrant

    def load() -> dict[str, str]:
        out: dict[str, str] = {}
        for c in catalogue.by_code.values():
            code = c.code[2:] if c.code.startswith("BJ") else None
            if code and code.isdigit() and len(code) == 5:
                out[code] = c.name
        return out

    return rt.cache.get("component_classes", 300.0, load)


def import_components(rt: Runtime, actor: Actor, rows: Sequence[Mapping[str, Any]], *, crs: str = "wgs84",
                      first_row: int = 1) -> ImportReport:
    """Good rows are written, bad rows are listed with their reasons (row numbers count from
    `first_row`, so a file sent in chunks keeps its numbering). A code already registered, or twice
    in the batch, is rejected. One transaction per call."""
    if actor.role not in IMPORTERS:
        raise Forbidden("只有系统管理员可以导入部件")
    if len(rows) > MAX_IMPORT_ROWS:
        raise InvalidInput(f"每次最多导入 {MAX_IMPORT_ROWS} 行，请分批提交")
    try:
        coord = geo.CoordSys.parse(crs)
    except ValueError as exc:
        raise InvalidInput(f"不支持的坐标系：{crs}") from exc
    classes = component_classes(rt)
    good: list[tuple[int, Component]] = []
    rejected: list[Rejected] = []
    seen: set[str] = set()
    for i, raw in enumerate(rows, start=first_row):
        try:
            c = _parse_row(raw, coord, classes)
        except InvalidInput as exc:
            rejected.append(Rejected(i, str(raw.get("code") or "")[:20], exc.message))
            continue
        if c.code in seen:
            rejected.append(Rejected(i, c.code, "标识码在文件中重复"))
            continue
        seen.add(c.code)
        good.append((i, c))
    good = _place(rt, good, rejected)
    with unit_of_work(rt) as uow:
        taken = uow.assets.existing_codes([c.code for _, c in good])
        rejected += [Rejected(i, c.code, "标识码已登记") for i, c in good if c.code in taken]
        todo = [c for _, c in good if c.code not in taken]
        if todo:
            now = rt.now()
            ids = uow.assets.add_components(todo, now)
            uow.assets.add_history([{"component_id": cid, "at": now, "kind": HistoryKind.REGISTERED.value,
                                     "state_from": None, "state_to": c.state.value, "note": "批量导入",
                                     "actor": actor.name[:64]} for cid, c in zip(ids, todo, strict=True)])
            record_change(rt, uow, actor, "component", "import", "import", None,
                          {"rows": len(rows), "accepted": len(todo), "first_row": first_row})
        uow.commit()
    rejected.sort(key=lambda r: r.row)
    return ImportReport(len(todo), rejected, len(rows))


def _place(rt: Runtime, good: list[tuple[int, Component]], rejected: list[Rejected]) -> list[tuple[int, Component]]:
    """Grid and road of every point at once (vectorised); a point outside every grid is rejected.
    The components are fresh from `_parse_row` and not shared yet, so they are completed in place
    (`dataclasses.replace` cost a fifth of the import)."""
    if not good:
        return good
    lons = np.array([c.lon for _, c in good])
    lats = np.array([c.lat for _, c in good])
    try:
        grids = geography_services.grid_index(rt).locate_many(lons, lats)
    except OutsideCity:
        grids = np.array([None] * len(good), dtype=object)
    roads = road_index(rt)
    snap = config(rt).road_snap_m
    out = []
    for (i, c), grid in zip(good, grids, strict=True):
        if grid is None:
            rejected.append(Rejected(i, c.code, "位置不在本市任何网格内"))
            continue
        match = roads.nearest(c.lon, c.lat, snap) if len(roads) else None
        object.__setattr__(c, "grid_code", str(grid))
        object.__setattr__(c, "road_id", match.road_id if match else None)
        out.append((i, c))
    return out


def _with(c: Component, **changes: Any) -> Component:
    return replace(c, **changes)


