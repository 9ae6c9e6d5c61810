"""JSON API of the assets context: roads, components (部件) and maintenance work (养护作业)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field

from citysteward.assets import papers
from citysteward.assets.domain.components import CLASS_ATTRIBUTES, Component
from citysteward.assets.domain.maintenance import WORK_UNIT, Totals, WorkOrder, WorkType
from citysteward.assets.domain.roads import Road
from citysteward.assets.services import components as comp
from citysteward.assets.services import maintenance as work
from citysteward.assets.services import roads as road_services
from citysteward.kernel import geo
from citysteward.kernel.errors import InvalidInput
from citysteward.org.deps import AdminUser, CurrentStaff
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import Id, PathId, Strict, Text

router = APIRouter(prefix="/api/v1", tags=["assets"])
CRS = Annotated[str, Query(pattern="^(wgs84|gcj02|bd09)$")]


class RoadBody(Strict):
    name: Text = Field(min_length=1, max_length=100)
    road_class: Text = Field(max_length=16, description="arterial/secondary/branch/alley 或 主干路/次干路/支路/背街小巷")
    geometry: dict[str, Any] = Field(description="GeoJSON LineString / MultiLineString")
    crs: Literal["wgs84", "gcj02", "bd09"] = "wgs84"
    district_code: Text | None = Field(default=None, max_length=6)
    managing_unit_id: Id | None = None
    maintaining_unit_id: Id | None = None
    handed_over: bool = True
    interim_body: Text = Field(default="", max_length=100)
    note: Text = Field(default="", max_length=400)


class ComponentRows(Strict):
    rows: list[dict[str, Any]] = Field(max_length=comp.MAX_IMPORT_ROWS)
    first_row: int = Field(default=1, ge=1, le=10_000_000)
    crs: Literal["wgs84", "gcj02", "bd09"] = "wgs84"


class StateBody(Strict):
    state: Text = Field(max_length=16)
    note: Text = Field(default="", max_length=400)


class QuantityBody(Strict):
    work_type: Literal[tuple(WorkType._value2member_map_)]  # type: ignore[valid-type]
    amount: float = Field(gt=0, le=1_000_000)
    watts_before: float | None = Field(default=None, gt=0, le=5000)
    watts_after: float | None = Field(default=None, gt=0, le=5000)


class WorkBody(Strict):
    title: Text = Field(min_length=1, max_length=200)
    quantities: list[QuantityBody] = Field(default_factory=list, max_length=20)
    status: Literal["planned", "done"] = "done"
    unit_id: Id | None = None
    district_code: Text | None = Field(default=None, max_length=6)
    planned_on: date | None = None
    done_at: datetime | None = None
    team: Text = Field(default="", max_length=100)
    crew: int = Field(default=0, ge=0, le=10_000)
    equipment: Text = Field(default="", max_length=200)
    road_id: Id | None = None
    component_id: Id | None = None
    note: Text = Field(default="", max_length=1000)


class LightingBody(Strict):
    road_id: Id
    checked_on: date
    lamps: int = Field(ge=1, le=100_000)
    dark: int = Field(ge=0, le=100_000)
    method: Literal["night_patrol", "controller"] = "night_patrol"
    note: Text = Field(default="", max_length=200)


def road_json(r: Road, with_geometry: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": r.id, "name": r.name, "road_class": r.road_class.value, "road_class_label": r.road_class.label,
        "length_m": r.length_m, "district_code": r.district_code, "managing_unit_id": r.managing_unit_id,
        "maintaining_unit_id": r.maintaining_unit_id, "handed_over": r.handed_over,
        "status_label": r.status_label, "interim_body": r.interim_body, "generated": r.generated, "note": r.note}
    if with_geometry:
        out["geometry"] = r.geometry
    return out


def component_json(c: Component) -> dict[str, Any]:
    return {"id": c.id, "code": c.code, "name": c.name, "class_code": c.class_code, "lon": c.lon, "lat": c.lat,
            "state": c.state.value, "state_label": c.state.label, "grid_code": c.grid_code, "road_id": c.road_id,
            "department": c.department, "owner": c.owner, "maintainer": c.maintainer,
            "initial_date": c.initial_date.isoformat() if c.initial_date else None,
            "changed_at": c.changed_at.isoformat() if c.changed_at else None,
            "data_source": c.data_source.value, "data_source_label": c.data_source.label,
            "attributes": c.attributes, "note": c.note}


def totals_json(t: Totals) -> dict[str, Any]:
    return {"orders": t.orders, "saving_rate": t.saving_rate,
            "amounts": {wt.value: {"label": wt.label, "unit": WORK_UNIT[wt], "amount": t.amounts.get(wt, 0.0)}
                        for wt in WorkType}}


def work_json(o: WorkOrder) -> dict[str, Any]:
    return {"id": o.id, "no": o.no, "title": o.title, "origin": o.origin.value, "status": o.status.value,
            "status_label": o.status.label, "unit_id": o.unit_id, "district_code": o.district_code,
            "planned_on": o.planned_on.isoformat() if o.planned_on else None,
            "done_at": o.done_at.isoformat() if o.done_at else None, "team": o.team, "crew": o.crew,
            "equipment": o.equipment, "road_id": o.road_id, "component_id": o.component_id, "case_no": o.case_no,
            "note": o.note, "quantities": [{"work_type": q.work_type.value, "label": q.work_type.label,
                                            "unit": WORK_UNIT[q.work_type], "amount": q.amount,
                                            "watts_before": q.watts_before, "watts_after": q.watts_after}
                                           for q in o.quantities]}


# ---------------------------------------------------------------- roads
@router.get("/roads", summary="道路中心线 GeoJSON（地图的道路图层，公开）")
def roads_geojson(rt: RuntimeDep) -> dict[str, Any]:
    return road_services.roads_geojson(rt)


@router.get("/roads/list", summary="道路台账")
def list_roads(rt: RuntimeDep, user: CurrentStaff,
               road_class: Annotated[str | None, Query(pattern="^(arterial|secondary|branch|alley)$")] = None,
               handed_over: bool | None = None) -> list[dict[str, Any]]:
    return [road_json(r) for r in road_services.list_roads(rt, road_class, handed_over)]


@router.get("/roads/at", summary="坐标所在道路（按配置的吸附距离）")
def road_at(rt: RuntimeDep, lon: Annotated[float, Query(ge=-180, le=180)],
            lat: Annotated[float, Query(ge=-90, le=90)], crs: CRS = "wgs84") -> dict[str, Any]:
    x, y = geo.to_wgs84(lon, lat, crs)
    match = road_services.road_at(rt, x, y)
    return {"road": match.to_dict() if match else None, "snap_m": road_services.config(rt).road_snap_m}


@router.get("/roads/{road_id}", summary="道路详情")
def get_road(road_id: PathId, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return road_json(road_services.get_road(rt, road_id), with_geometry=True)


def _road_input(body: RoadBody) -> road_services.RoadInput:
    return road_services.RoadInput(**body.model_dump())


@router.post("/roads", status_code=201, summary="新增道路")
def add_road(body: RoadBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return road_json(road_services.save_road(rt, user.actor, _road_input(body)), with_geometry=True)


@router.put("/roads/{road_id}", summary="修改道路（整条替换）")
def put_road(road_id: PathId, body: RoadBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return road_json(road_services.save_road(rt, user.actor, _road_input(body), road_id), with_geometry=True)


@router.post("/roads/import", summary="导入道路中心线 GeoJSON FeatureCollection（全部成功或全部不导入）")
async def import_roads(request: Request, rt: RuntimeDep, user: AdminUser, crs: CRS = "wgs84") -> dict[str, int]:
    try:
        data = await request.json()
    except ValueError as exc:
        raise InvalidInput("请求体不是有效的 GeoJSON") from exc
    return road_services.import_roads(rt, user.actor, data, crs)


# ---------------------------------------------------------------- components
@router.get("/components/classes", summary="部件类别及其扩展属性")
def classes(rt: RuntimeDep, user: CurrentStaff) -> list[dict[str, Any]]:
    counts = comp.class_counts(rt)
    return [{"class_code": code, "name": name, "count": sum(counts.get(code, {}).values()),
             "attributes": [{"key": a.key, "label": a.label, "kind": a.kind, "choices": list(a.choices),
                             "unit": a.unit} for a in CLASS_ATTRIBUTES.get(code, ())]}
            for code, name in sorted(comp.component_classes(rt).items())]


@router.get("/components", summary="部件列表")
def list_components(rt: RuntimeDep, user: CurrentStaff, class_code: Annotated[str | None, Query(max_length=8)] = None,
                    state: Annotated[str | None, Query(max_length=16)] = None, road_id: Id | None = None,
                    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                    page_size: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    items, total = comp.list_components(rt, class_code, state, road_id, page, page_size)
    return {"total": total, "items": [component_json(c) for c in items]}


@router.get("/components/nearest", summary="附近的部件（按类别，由近及远）")
def nearest(rt: RuntimeDep, lon: Annotated[float, Query(ge=-180, le=180)], lat: Annotated[float, Query(ge=-90, le=90)],
            class_code: Annotated[str | None, Query(max_length=8)] = None, crs: CRS = "wgs84",
            within_m: Annotated[float | None, Query(gt=0, le=2000)] = None,
            limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[dict[str, Any]]:
    x, y = geo.to_wgs84(lon, lat, crs)
    code = (class_code or "").removeprefix("BJ") or None
    return [{**component_json(n.component), "distance_m": round(n.distance_m, 1)}
            for n in comp.nearest_components(rt, code, x, y, within_m, limit)]


@router.get("/components/map", summary="部件地图图层：少量时为点，多时在服务端按方格聚合")
def component_map(rt: RuntimeDep, user: CurrentStaff, class_code: Annotated[str | None, Query(max_length=8)] = None,
                  bbox: Annotated[str | None, Query(max_length=100, description="西,南,东,北")] = None,
                  zoom: Annotated[float, Query(ge=0, le=22)] = 14) -> dict[str, Any]:
    box = None
    if bbox:
        try:
            w, s, e, n = (float(v) for v in bbox.split(","))
        except ValueError as exc:
            raise InvalidInput("bbox 应为 西,南,东,北 四个数") from exc
        box = (w, s, e, n)
    return comp.map_layer(rt, class_code, box, zoom)


@router.post("/components/import", summary="批量导入部件（GeoJSON 点要素或 CSV 行），返回被拒行及原因")
async def import_components(request: Request, rt: RuntimeDep, user: AdminUser, crs: CRS = "wgs84",
                            first_row: Annotated[int, Query(ge=1, le=10_000_000)] = 1) -> dict[str, Any]:
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    raw = await request.body()
    try:
        if kind == "text/csv":
            rows = comp.csv_to_rows(raw.decode("utf-8"))
        else:
            rows = comp.features_to_rows(json.loads(raw))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("请求体不是有效的 GeoJSON 或 UTF-8 CSV") from exc
    return comp.import_components(rt, user.actor, rows, crs=crs, first_row=first_row).to_json()


@router.post("/components/import/rows", summary="批量导入部件（已解析的行，页面分批提交以显示进度）")
def import_rows(body: ComponentRows, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return comp.import_components(rt, user.actor, body.rows, crs=body.crs, first_row=body.first_row).to_json()


@router.get("/components/{component_id}", summary="部件详情（含历史与养护作业）")
def get_component(component_id: PathId, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    page = comp.component_page(rt, component_id)
    return {**component_json(page.component), "class_name": page.class_name, "road_name": page.road_name,
            "history": [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in h.items()}
                        for h in page.history],
            "work_orders": [work_json(o) for o in page.work]}


@router.put("/components/{component_id}/state", summary="修改部件状态")
def put_state(component_id: PathId, body: StateBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return component_json(comp.set_state(rt, user.actor, component_id, body.state, body.note))


# ---------------------------------------------------------------- maintenance
@router.post("/work-orders", status_code=201, summary="登记养护作业（含各类工作量）")
def add_work(body: WorkBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    data = body.model_dump()
    return work_json(work.record_work(rt, user.actor, work.WorkInput(**data)))


@router.get("/work-orders", summary="养护作业列表")
def list_work(rt: RuntimeDep, user: CurrentStaff, status: Literal["planned", "done"] | None = None,
              unit_id: Id | None = None, page: Annotated[int, Query(ge=1, le=100_000)] = 1,
              page_size: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    items, total = work.list_work(rt, user.actor, status, unit_id, page, page_size)
    return {"total": total, "items": [work_json(o) for o in items]}


@router.get("/work-orders/{order_id}", summary="养护作业详情")
def get_work(order_id: PathId, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return work_json(work.get_work(rt, order_id))


@router.post("/lighting-checks", status_code=201, summary="登记亮灯检查（夜巡或控制器数据）")
def add_lighting(body: LightingBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, int]:
    return {"id": work.record_lighting_check(rt, user.actor, body.road_id, body.checked_on, body.lamps, body.dark,
                                             body.method, body.note)}


MONTH = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


@router.get("/maintenance/report", summary="养护月报（本月与累计，按类型、单位、区；亮灯率）")
def maintenance_report(rt: RuntimeDep, user: CurrentStaff, month: MONTH, since: date | None = None) -> dict[str, Any]:
    r = work.report(rt, user.actor, month, since)
    return {"title": r.title, "month": r.period, "sentence": r.sentence, "to_date_sentence": r.to_date_sentence,
            "since": r.to_date_since.isoformat(), "totals": totals_json(r.month), "to_date": totals_json(r.to_date),
            "by_unit": [{"name": n, **totals_json(t)} for n, t in r.by_unit],
            "by_district": [{"name": n, **totals_json(t)} for n, t in r.by_district],
            "lighting": [{"road_class": x.road_class.value, "label": x.road_class.label, "lamps": x.lamps,
                          "dark": x.dark, "rate": x.rate, "target": x.target, "meets": x.meets}
                         for x in r.lighting]}


@router.get("/maintenance/report.{fmt}", summary="养护月报文件（docx 或 xlsx）")
def maintenance_file(fmt: Literal["docx", "xlsx"], rt: RuntimeDep, user: CurrentStaff, month: MONTH,
                     since: date | None = None) -> Response:
    r = work.report(rt, user.actor, month, since)
    body, mime = (papers.docx(r), papers.DOCX) if fmt == "docx" else (papers.xlsx(r), papers.XLSX)
    return Response(body, media_type=mime,
                    headers={"Content-Disposition": f'attachment; filename="maintenance-{month}.{fmt}"'})


@router.put("/assets/settings", summary="道路部件设置（吸附距离、附近部件半径、亮灯率目标）")
def put_settings(body: dict[str, Any], rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return road_services.replace_config(rt, user.actor, body)


@router.get("/assets/settings", summary="道路部件设置")
def get_settings(rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return road_services.config(rt).to_dict()
