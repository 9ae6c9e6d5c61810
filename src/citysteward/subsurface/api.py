"""JSON API of the subsurface context: surveys, defects, re-surveys, treatment, map, dashboard, report.
Thin: parse, call one service, shape."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from citysteward.kernel.periods import check_day
from citysteward.org.deps import AdminUser, CurrentStaff
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import Id, LongText, PathId, Text, Version
from citysteward.subsurface import papers
from citysteward.subsurface import services as ss

router = APIRouter(prefix="/api/v1", tags=["subsurface"])
Code = Annotated[str, Path(min_length=1, max_length=32, description="隐患编号")]
Size = Annotated[float, Field(gt=0, le=1000)]


class RoadBody(BaseModel):
    road: Text = Field(..., max_length=100)
    segment: Text = Field("", max_length=200)
    length_km: float = Field(..., gt=0, le=500)


class SurveyBody(BaseModel):
    name: Text = Field(..., max_length=200)
    method: Text = Field("vehicle_radar", max_length=32,
                         description="vehicle_radar 车载三维探地雷达 | handheld_radar | borehole_endoscope | surface_wave")
    contractor: Text = Field("", max_length=200)
    unit_id: Id | None = None
    started_on: date
    ended_on: date | None = None
    report_file: Text = Field("", max_length=300)
    note: LongText = Field("", max_length=2000)
    roads: list[RoadBody] = Field(..., min_length=1, max_length=200)


class MeasureBody(BaseModel):
    type: Text = Field(..., max_length=16, description="cavity 空洞 | void 脱空 | loose_severe | loose_general | water_rich")
    grade: Text = Field(..., max_length=16, description="风险等级（按配置的等级表）")
    length_m: Size | None = None
    width_m: Size | None = None
    area_m2: Size | None = None
    top_depth_m: float | None = Field(None, ge=0, le=100)
    height_m: Size | None = None
    note: LongText = Field("", max_length=2000)


class DefectBody(MeasureBody):
    survey_id: Id
    road: Text = Field(..., max_length=100)
    chainage_m: float | None = Field(None, ge=0, le=200_000, description="桩号（米）")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    crs: str = Field("wgs84", pattern="^(wgs84|gcj02|bd09)$")
    detect_method: Text = Field("vehicle_radar", max_length=32)


class ResurveyBody(MeasureBody):
    method: Text = Field("handheld_radar", max_length=32)


class ActionBody(BaseModel):
    note: LongText = Field("", max_length=2000)
    verify_method: Text | None = Field(None, max_length=32)
    version: Version | None = None


class TreatmentBody(BaseModel):
    method: Text = Field(..., max_length=24, description="grouting 注浆加固 | excavation 开挖回填 | periodic_resurvey 定期复测")
    unit_id: Id | None = None
    grout_m3: float = Field(0, ge=0, le=100_000)
    pavement_m2: float = Field(0, ge=0, le=100_000)
    holes: int = Field(0, ge=0, le=100_000)
    note: LongText = Field("", max_length=2000)


class CompleteBody(BaseModel):
    grout_m3: float | None = Field(None, ge=0, le=100_000)
    pavement_m2: float | None = Field(None, ge=0, le=100_000)
    holes: int | None = Field(None, ge=0, le=100_000)
    note: LongText = Field("", max_length=2000)


class RulesBody(BaseModel):
    grades: list[Text] = Field(..., min_length=2, max_length=6)
    worst_first: bool = False
    deadline_days: list[dict[str, Any]] = Field(default_factory=list, max_length=200)
    resurvey_months: dict[str, int] = Field(default_factory=dict)


@router.get("/subsurface/rules", summary="塌陷隐患配置：风险等级表、处置时限表、复测周期")
def get_rules(rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return ss.rules_view(rt)


@router.put("/subsurface/rules", summary="修改塌陷隐患配置（管理员）")
def put_rules(body: RulesBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return ss.set_rules(rt, user.actor, body.model_dump())


@router.post("/subsurface/surveys", summary="新建探测项目", status_code=201)
def create_survey(body: SurveyBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    check_day(body.started_on, "started_on")
    if body.ended_on:
        check_day(body.ended_on, "ended_on")
    return ss.create_survey(rt, user.actor, body.model_dump())


@router.get("/subsurface/surveys", summary="探测项目")
def surveys(rt: RuntimeDep, user: CurrentStaff) -> list[dict[str, Any]]:
    return ss.list_surveys(rt, user.actor)


@router.post("/subsurface/defects", summary="登记病害（待核实）", status_code=201)
def record_defect(body: DefectBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return ss.record_defect(rt, user.actor, body.model_dump())


@router.get("/subsurface/defects", summary="病害台账")
def defects(rt: RuntimeDep, user: CurrentStaff, road: Annotated[str | None, Query(max_length=100)] = None,
            type: Annotated[str | None, Query(max_length=16)] = None,  # noqa: A002
            grade: Annotated[str | None, Query(max_length=16)] = None,
            state: Annotated[str | None, Query(max_length=16)] = None, survey_id: Id | None = None,
            page: Annotated[int, Query(ge=1, le=100_000)] = 1,
            page_size: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    return ss.list_defects(rt, user.actor, {"road": road, "type": type, "grade": grade, "state": state,
                                            "survey_id": survey_id}, page, page_size)


@router.get("/subsurface/defects/{code}", summary="病害详情：复测历史、处置、照片")
def defect(code: Code, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return ss.defect_detail(rt, user.actor, code)


@router.post("/subsurface/defects/{code}/actions/{action}", summary="核实确认 / 核实排除 / 转入观察 / 闭环销号")
def defect_action(code: Code, action: Annotated[str, Path(max_length=24)], body: ActionBody, rt: RuntimeDep,
                  user: CurrentStaff) -> dict[str, Any]:
    return ss.defect_action(rt, user.actor, code, action, body.note, body.verify_method, body.version)


@router.post("/subsurface/defects/{code}/resurveys", summary="复测（同一病害的新观测）", status_code=201)
def resurvey(code: Code, body: ResurveyBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return ss.resurvey(rt, user.actor, code, body.model_dump())


@router.post("/subsurface/defects/{code}/treatments", summary="开始处置（期限按类型×等级配置）", status_code=201)
def start_treatment(code: Code, body: TreatmentBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return ss.start_treatment(rt, user.actor, code, body.model_dump())


@router.post("/subsurface/defects/{code}/treatments/complete", summary="治理完成（实际工程量）")
def complete_treatment(code: Code, body: CompleteBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return ss.complete_treatment(rt, user.actor, code, body.model_dump())


@router.get("/subsurface/photos/{photo_id}", summary="病害照片", response_class=FileResponse)
def photo(photo_id: PathId, rt: RuntimeDep, user: CurrentStaff) -> FileResponse:
    path, media = ss.photo_file(rt, user.actor, photo_id)
    return FileResponse(path, media_type=media)


@router.get("/subsurface/map", summary="病害分布（GeoJSON，按风险等级着色）")
def defect_map(rt: RuntimeDep, user: CurrentStaff, road: Annotated[str | None, Query(max_length=100)] = None,
               survey_id: Id | None = None) -> dict[str, Any]:
    return ss.map_features(rt, user.actor, {"road": road, "survey_id": survey_id})


@router.get("/subsurface/dashboard", summary="探测看板：分道路里程、病害类型与等级、已治理、逾期")
def dashboard(rt: RuntimeDep, user: CurrentStaff, survey_id: Id | None = None) -> dict[str, Any]:
    return ss.dashboard(rt, user.actor, survey_id)


@router.get("/subsurface/report.{fmt}", summary="探测与治理情况报告（Word / Excel）", response_class=Response)
def report(fmt: Annotated[str, Path(pattern="^(docx|xlsx)$")], rt: RuntimeDep, user: CurrentStaff,
           survey_id: Id | None = None) -> Response:
    name, content, media = papers.render(rt, papers.survey_paper(rt, user.actor, survey_id), fmt)
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote('塌陷隐患报告-' + name)}"
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})
