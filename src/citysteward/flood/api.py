"""JSON API of the flood context: events and response levels, warnings, duty, 易涝点, deployments,
depths, materials, tagged cases, the pre-flood checklist, reports. Thin: parse, call one service."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from citysteward.flood import papers
from citysteward.flood import services as fl
from citysteward.flood.domain import Figures
from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.periods import check_day, check_moment
from citysteward.org.deps import AdminUser, CurrentStaff
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import Id, LongText, PathId, Text
from citysteward.platform.runtime import Runtime

router = APIRouter(prefix="/api/v1", tags=["flood"])
Count = Annotated[int, Field(ge=0, le=100_000)]
Fmt = Annotated[str, Path(pattern="^(docx|xlsx)$")]


def _at(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    return check_moment(value, field)  # a naive time is the city's local time (services)


def _figures(f: Figures) -> dict[str, Any]:
    return {"warnings": f.warnings, "warnings_by_colour": dict(f.warnings_by_colour), "person_times": f.person_times,
            "vehicle_times": f.vehicle_times, "pump_times": f.pump_times, "equipment_times": f.equipment_times,
            "points_observed": f.points_observed, "points_cleared": f.points_cleared, "cases": f.cases,
            "cases_by_type": [{"category": c, "count": n} for c, n in f.cases_by_type]}


def _download(rt: Runtime, name: str, content: bytes, media: str, label: str) -> Response:
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(label + '-' + name)}"
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})


class EventBody(BaseModel):
    name: Text = Field(..., max_length=200)
    started_at: datetime | None = None
    note: LongText = Field("", max_length=2000)


class LevelBody(BaseModel):
    level: str | None = Field(None, pattern="^(iv|iii|ii|i)$", description="iv | iii | ii | i；空为解除响应")
    reason: LongText = Field(..., max_length=400)


class CloseBody(BaseModel):
    note: LongText = Field("", max_length=400)


class WarningBody(BaseModel):
    colour: str = Field(..., pattern="^(blue|yellow|orange|red)$")
    issued_at: datetime | None = None
    issuer: Text = Field("", max_length=100)
    content: LongText = Field("", max_length=2000)
    event_id: Id | None = None


class DutyBody(BaseModel):
    starts_at: datetime
    ends_at: datetime
    post: Text = Field(..., max_length=32)
    person: Text = Field(..., max_length=64)
    phone: Text = Field("", max_length=32)
    unit_id: Id | None = None


class PointBody(BaseModel):
    code: Text = Field(..., max_length=32)
    name: Text = Field(..., max_length=200)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    crs: str = Field("wgs84", pattern="^(wgs84|gcj02|bd09)$")
    road: Text = Field("", max_length=100)
    cause: Text = Field("", max_length=400)
    orange_cm: float | None = Field(None, ge=0, le=500)
    red_cm: float | None = Field(None, ge=0, le=500)
    plan: LongText = Field("", max_length=4000)
    unit_id: Id | None = None
    person: Text = Field("", max_length=64)
    phone: Text = Field("", max_length=32)
    pump_station: Text = Field("", max_length=100)
    pump_component_id: Id | None = None


class DeploymentBody(BaseModel):
    unit_id: Id | None = None
    unit_name: Text = Field("", max_length=100)
    point_id: Id | None = None
    people: Count = 0
    vehicles: Count = 0
    pumps: Count = 0
    at: datetime | None = None
    note: Text = Field("", max_length=400)


class DepthBody(BaseModel):
    point_id: Id | None = None
    point_code: Text | None = Field(None, max_length=32)
    depth_cm: float = Field(..., ge=0, le=1000)
    area_m2: float | None = Field(None, ge=0, le=1_000_000)
    traffic_closed: bool = False
    at: datetime | None = None
    note: Text = Field("", max_length=400)


class MaterialBody(BaseModel):
    name: Text = Field(..., max_length=100)
    warehouse: Text = Field(..., max_length=100)
    unit_label: Text = Field("件", max_length=16)
    qty: float = Field(0, ge=0, le=10_000_000)
    min_qty: float = Field(0, ge=0, le=10_000_000)


class MovementBody(BaseModel):
    delta: float = Field(..., ge=-10_000_000, le=10_000_000, description="入库为正，出库为负")
    reason: Text = Field(..., max_length=200)
    event_id: Id | None = None


class TagBody(BaseModel):
    case_nos: list[Text] = Field(..., min_length=1, max_length=500)


class CheckBody(BaseModel):
    kind: Text = Field(..., max_length=24)
    target: Text = Field(..., max_length=200)
    unit_id: Id
    point_id: Id | None = None
    season: int | None = Field(None, ge=2000, le=2100)


class CheckResultBody(BaseModel):
    result: str = Field(..., pattern="^(passed|failed)$")
    note: LongText = Field("", max_length=400)


class RulesBody(BaseModel):
    warning_levels: dict[str, str | None] = Field(default_factory=dict)


@router.get("/flood/rules", summary="防汛配置：预警颜色对应的响应级别")
def get_rules(rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.rules(rt).to_dict()


@router.put("/flood/rules", summary="修改防汛配置（管理员）")
def put_rules(body: RulesBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return fl.set_rules(rt, user.actor, body.model_dump())


@router.post("/flood/events", summary="启动防汛事件（降雨过程）", status_code=201)
def open_event(body: EventBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.open_event(rt, user.actor, {**body.model_dump(), "started_at": _at(body.started_at, "started_at")})


@router.get("/flood/events", summary="防汛事件")
def events(rt: RuntimeDep, user: CurrentStaff) -> list[dict[str, Any]]:
    return fl.list_events(rt, user.actor)


@router.get("/flood/events/active", summary="当前防汛事件（无则为 null）")
def active(rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any] | None:
    return fl.active_event(rt)


@router.get("/flood/events/{event_id}", summary="防汛指挥：响应级别、积水点、出动、涉雨案件")
def command(event_id: PathId, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    view = fl.command(rt, user.actor, event_id)
    return {**view, "figures": _figures(view["figures"])}


@router.post("/flood/events/{event_id}/level", summary="启动、调整或解除应急响应")
def declare(event_id: PathId, body: LevelBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.declare_level(rt, user.actor, event_id, body.level, body.reason)


@router.post("/flood/events/{event_id}/close", summary="结束防汛事件（并标记期间案件）")
def close(event_id: PathId, body: CloseBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.close_event(rt, user.actor, event_id, body.note)


@router.post("/flood/warnings", summary="登记暴雨预警（按配置提升响应级别）", status_code=201)
def warning(body: WarningBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.record_warning(rt, user.actor, {**body.model_dump(), "issued_at": _at(body.issued_at, "issued_at")})


@router.post("/flood/events/{event_id}/deployments", summary="登记力量出动（人员、车辆、水泵）", status_code=201)
def deploy(event_id: PathId, body: DeploymentBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.add_deployment(rt, user.actor, event_id, {**body.model_dump(), "at": _at(body.at, "at")})


@router.post("/flood/events/{event_id}/depths", summary="登记积水深度", status_code=201)
def depth(event_id: PathId, body: DepthBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.add_observation(rt, user.actor, event_id, {**body.model_dump(), "at": _at(body.at, "at")})


@router.post("/flood/events/{event_id}/points/{point_id}/clear", summary="积水消除")
def clear(event_id: PathId, point_id: PathId, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.clear_point(rt, user.actor, event_id, point_id)


@router.post("/flood/events/{event_id}/cases", summary="把案件标记为本次事件的涉雨案件")
def tag(event_id: PathId, body: TagBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.tag_cases(rt, user.actor, event_id, list(body.case_nos))


@router.post("/flood/events/{event_id}/cases/window", summary="标记事件期间上报的全部案件")
def tag_window(event_id: PathId, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.tag_event_window(rt, user.actor, event_id)


@router.get("/flood/events/{event_id}/report.{fmt}", summary="事件处置总结（Word / Excel）", response_class=Response)
def event_report(event_id: PathId, fmt: Fmt, rt: RuntimeDep, user: CurrentStaff) -> Response:
    name, content, media = papers.render(rt, papers.event_paper(rt, user.actor, event_id), fmt)
    return _download(rt, name, content, media, "防汛事件总结")


@router.post("/flood/duty", summary="排班（24 小时值班）", status_code=201)
def add_duty(body: list[DutyBody], rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    if len(body) > 200:
        raise InvalidInput("一次最多排 200 个班次", {"field": "body"})
    rows = [{**d.model_dump(), "starts_at": _at(d.starts_at, "starts_at"), "ends_at": _at(d.ends_at, "ends_at")}
            for d in body]
    return fl.add_duty(rt, user.actor, rows)


@router.get("/flood/duty", summary="某日值班表与未覆盖时段")
def duty(rt: RuntimeDep, user: CurrentStaff, day: date | None = None) -> dict[str, Any]:
    return fl.duty_day(rt, user.actor, check_day(day, "day") if day else rt.now().astimezone(rt.settings.tz).date())


@router.post("/flood/points", summary="新增易涝点（一点一策）", status_code=201)
def add_point(body: PointBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.add_point(rt, user.actor, body.model_dump())


@router.get("/flood/points", summary="易涝点台账")
def points(rt: RuntimeDep, user: CurrentStaff) -> list[dict[str, Any]]:
    return fl.points(rt)


@router.post("/flood/materials", summary="新增防汛物资", status_code=201)
def add_material(body: MaterialBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.add_material(rt, user.actor, body.model_dump())


@router.get("/flood/materials", summary="防汛物资库存")
def materials(rt: RuntimeDep, user: CurrentStaff) -> list[dict[str, Any]]:
    return fl.materials(rt, user.actor)


@router.post("/flood/materials/{material_id}/movements", summary="物资出入库", status_code=201)
def move(material_id: PathId, body: MovementBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.move_material(rt, user.actor, material_id, body.model_dump())


@router.post("/flood/checks", summary="新增汛前检查项", status_code=201)
def add_check(body: CheckBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.add_check(rt, user.actor, body.model_dump())


@router.get("/flood/checks", summary="汛前检查表")
def checks(rt: RuntimeDep, user: CurrentStaff,
           season: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> list[dict[str, Any]]:
    return fl.checklist(rt, user.actor, season or rt.now().astimezone(rt.settings.tz).year)


@router.post("/flood/checks/{check_id}/result", summary="登记检查结果（不合格生成督导单）")
def check_result(check_id: PathId, body: CheckResultBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return fl.record_check(rt, user.actor, check_id, body.result, body.note)


def season_bounds(rt: Runtime, year: int) -> tuple[datetime, datetime]:
    start = datetime(year, 1, 1, tzinfo=rt.settings.tz).astimezone(UTC)
    return start, datetime(year + 1, 1, 1, tzinfo=rt.settings.tz).astimezone(UTC)


@router.get("/flood/season", summary="汛期统计（按年度）")
def season(rt: RuntimeDep, user: CurrentStaff,
           year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> dict[str, Any]:
    start, end = season_bounds(rt, year or rt.now().astimezone(rt.settings.tz).year)
    data = fl.season_figures(rt, user.actor, start, end)
    return {**data, "figures": _figures(data["figures"])}


@router.get("/flood/season/report.{fmt}", summary="防汛工作总结（Word / Excel）", response_class=Response)
def season_report(fmt: Fmt, rt: RuntimeDep, user: CurrentStaff,
                  year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Response:
    y = year or rt.now().astimezone(rt.settings.tz).year
    start, end = season_bounds(rt, y)
    paper = papers.season_paper(rt, user.actor, start, end, f"{y}年")
    name, content, media = papers.render(rt, paper, fmt)
    return _download(rt, name, content, media, "防汛工作总结")


