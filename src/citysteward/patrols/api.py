"""JSON API of the patrols context: rules, inspectors' grids, roster, the phone's clock/patrol/track
calls, tasks and reassignment, figures and coverage. Thin: parse, call one service, shape."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import Field

from citysteward.org.deps import AdminUser, CurrentStaff
from citysteward.patrols.services import field, figures, setup, tasks
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import Id, LongText, PathId, Strict, Text

router = APIRouter(prefix="/api/v1/patrols", tags=["patrols"])


class AreasBody(Strict):
    area_codes: list[Annotated[Text, Field(min_length=9, max_length=15)]] = Field(
        ..., max_length=200, description="网格（15 位）或街道（9 位）编码")


class RosterItem(Strict):
    user_id: Id
    day: date
    shift: Text = Field(..., min_length=1, max_length=16, description="班次编码（见巡查规则 shifts）")
    grid_codes: list[Annotated[Text, Field(min_length=15, max_length=15)]] = Field(default_factory=list,
                                                                                   max_length=100)
    passes: int = Field(1, ge=1, le=24, description="每个网格巡查次数")


class RosterBody(Strict):
    entries: list[RosterItem] = Field(..., min_length=1, max_length=2000)


class ClockBody(Strict):
    kind: Literal["in", "out"]
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


class TrackBody(Strict):
    seq: int = Field(..., ge=0, le=10_000_000, description="客户端批次序号：重发同一批次用同一序号，不会重复计入")
    points: list[dict[str, Any]] = Field(..., min_length=1, max_length=10000,
                                         description="[{t: 秒级时间戳或 ISO 时间, lon, lat, acc?}]（WGS-84）")


class ReassignBody(Strict):
    user_id: Id
    note: LongText = Field("", max_length=200)


@router.get("/settings", summary="巡查规则（班次、有效巡查、轨迹、核实核查时限）")
def get_settings(rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return setup.config(rt).to_dict()


@router.put("/settings", summary="修改巡查规则（系统管理员）")
def put_settings(body: dict[str, Any], rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return setup.set_config(rt, user.actor, body)


@router.get("/inspectors", summary="监督员及其责任网格/街道")
def list_inspectors(rt: RuntimeDep, user: CurrentStaff) -> list[dict[str, Any]]:
    return setup.inspectors(rt, user.actor)


@router.put("/inspectors/{user_id}/areas", summary="设置监督员的责任网格或街道")
def bind(user_id: PathId, body: AreasBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return setup.bind(rt, user.actor, user_id, body.area_codes)


@router.get("/roster", summary="排班表（含每日巡查计划）")
def roster(rt: RuntimeDep, user: CurrentStaff, date_from: date, date_to: date) -> list[dict[str, Any]]:
    return setup.roster(rt, user.actor, date_from, date_to)


@router.post("/roster", summary="新增或替换排班（同一人同日同班次替换）")
def put_roster(body: RosterBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    items = [setup.RosterInput(e.user_id, e.day, e.shift, tuple(e.grid_codes), e.passes) for e in body.entries]
    return setup.put_roster(rt, user.actor, items)


@router.delete("/roster/{entry_id}", status_code=204, summary="删除一条排班")
def delete_roster(entry_id: PathId, rt: RuntimeDep, user: CurrentStaff) -> Response:
    setup.delete_roster(rt, user.actor, entry_id)
    return Response(status_code=204)


@router.post("/clock", summary="上班/下班打卡（带位置）；下班打卡同时结束进行中的巡查")
def clock(body: ClockBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return field.clock(rt, user.actor, body.kind, body.lon, body.lat)


@router.get("/me", summary="我的今日：打卡、进行中的巡查、责任网格")
def me(rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return field.my_day(rt, user.actor)


@router.post("", status_code=201, summary="开始巡查")
def start(rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return field.start_patrol(rt, user.actor)


@router.post("/{patrol_id}/end", summary="结束巡查（计算覆盖与是否有效）")
def end(patrol_id: PathId, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return field.end_patrol(rt, user.actor, patrol_id)


@router.post("/{patrol_id}/track", summary="上传一批轨迹点（按批次序号幂等）")
def track(patrol_id: PathId, body: TrackBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return field.post_track(rt, user.actor, patrol_id, body.seq, body.points)


@router.get("/tasks", summary="我的核实、核查任务（带位置时按距离排序）")
def my_tasks(rt: RuntimeDep, user: CurrentStaff,
             lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
             lat: Annotated[float | None, Query(ge=-90, le=90)] = None) -> list[dict[str, Any]]:
    return tasks.my_tasks(rt, user.actor, lon, lat)


@router.get("/tasks/all", summary="全部待核实、待核查任务及承办监督员（值班长）")
def all_tasks(rt: RuntimeDep, user: CurrentStaff,
              street: Annotated[str | None, Query(min_length=9, max_length=9)] = None) -> list[dict[str, Any]]:
    return tasks.all_tasks(rt, user.actor, street)


@router.post("/tasks/{case_no}/reassign", summary="改派核实/核查任务（值班长）")
def reassign(case_no: str, body: ReassignBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return setup.reassign(rt, user.actor, case_no, body.user_id, body.note)


@router.get("/figures", summary="巡查统计：人次、上报、按时核实/核查率、漏报率（按监督员/网格/街道）")
def get_figures(rt: RuntimeDep, user: CurrentStaff,
                cut: Annotated[Literal["inspector", "grid", "street", "total"], Query()] = "inspector",
                period: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}(-\d{2})?$")] = None,
                date_from: date | None = None, date_to: date | None = None) -> dict[str, Any]:
    p = figures.period_of(rt, period, date_from, date_to)
    return figures.figures(rt, user.actor, p, cut)


@router.get("/coverage", summary="巡查覆盖：当日轨迹与未巡查网格")
def coverage(rt: RuntimeDep, user: CurrentStaff, day: date | None = None,
             street: Annotated[str | None, Query(min_length=9, max_length=9)] = None) -> dict[str, Any]:
    d = day or rt.now().astimezone(rt.settings.tz).date()
    return figures.coverage(rt, user.actor, d, street)
