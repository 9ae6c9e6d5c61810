"""JSON API of the sensors context: the device registry (admin), statistics, and the webhook that
takes the same messages as the MQTT topic `cs/sensors/<device>/up` (docs/sensors.md)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from citysteward.kernel.actor import Role
from citysteward.kernel.errors import Forbidden, InvalidInput, PayloadTooLarge, Unauthorized
from citysteward.org.deps import AdminUser, CurrentStaff
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import Id, Text
from citysteward.sensors.domain import Device, RejectReason
from citysteward.sensors.services import devices, stats
from citysteward.sensors.services.ingest import MAX_BODY, Raw, count_rejected, ingest

router = APIRouter(prefix="/api/v1", tags=["sensors"])
_READERS = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.SHIFT_LEADER, Role.DISPATCHER, Role.UNIT})


class RuleBody(BaseModel):
    code: Text = Field(..., max_length=32, description="报警类型编码，如 tilt")
    label: Text = Field("", max_length=40)
    metric: Text = Field(..., max_length=32, description="报文 values 中的监测量，如 tilt_deg")
    op: str = Field(">=", pattern="^(>=|<=)$")
    threshold: float
    category_code: Text = Field(..., max_length=16, description="报警立案的案件类别")
    urgency: str | None = Field(None, pattern="^(normal|urgent|critical)$")
    flood: bool = Field(False, description="汛期有防汛事件时归并到该事件")


class DeviceBody(BaseModel):
    code: Text = Field(..., max_length=64)
    name: Text = Field(..., max_length=100)
    kind: str = Field(..., description="manhole_tilt | water_level | fire_panel | lamp_controller | other")
    owner_unit_id: Id
    alarm_rules: list[RuleBody] = Field(..., min_length=1, max_length=8)
    heartbeat_s: int = Field(..., ge=60, le=7 * 24 * 3600)
    lon: float | None = Field(None, ge=-180, le=180, description="不填则取关联部件的位置")
    lat: float | None = Field(None, ge=-90, le=90)
    crs: str = Field("wgs84", pattern="^(wgs84|gcj02|bd09)$")
    address: Text = Field("", max_length=200)
    component_id: Id | None = None
    waterlog_point_id: Id | None = None


def device_json(d: Device) -> dict[str, Any]:
    return {"code": d.code, "name": d.name, "kind": d.kind.value, "kind_label": d.kind.label,
            "owner_unit_id": d.owner_unit_id, "alarm_rules": [r.to_dict() for r in d.rules],
            "heartbeat_s": d.heartbeat_s, "lon": d.lon, "lat": d.lat, "address": d.address,
            "component_id": d.component_id, "waterlog_point_id": d.waterlog_point_id,
            "state": d.state.value, "state_label": d.state.label, "active": d.active,
            "has_secret": d.secret_hash is not None,
            "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None}


def _reader(user: Any) -> None:
    if user.role not in _READERS:
        raise Forbidden("无权查看物联设备")


@router.get("/sensors/devices", summary="物联设备列表（类型、状态、权属单位筛选）")
def list_devices(rt: RuntimeDep, user: CurrentStaff, kind: str = "", state: str = "",
                 owner_unit_id: Annotated[Id | None, Query()] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                 offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> dict[str, Any]:
    _reader(user)
    rows, total = devices.list_devices(rt, kind, state, owner_unit_id, limit, offset)
    for r in rows:
        r["last_seen_at"] = r["last_seen_at"].isoformat() if r["last_seen_at"] else None
    return {"items": rows, "total": total}


@router.post("/sensors/devices", status_code=201, summary="登记物联设备（返回设备凭证，仅此一次）")
def create_device(body: DeviceBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    data = devices.DeviceInput(**{**body.model_dump(), "alarm_rules": [r.model_dump() for r in body.alarm_rules]})
    made = devices.register_device(rt, user.actor, data)
    return {**device_json(made.device), "secret": made.secret}


@router.get("/sensors/devices/{code}", summary="设备详情、报警记录与最近报文")
def get_device(code: str, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    _reader(user)
    detail = devices.device_detail(rt, code)
    return {**device_json(detail.device), "owner_name": detail.owner_name, "message_count": detail.message_count,
            "alarms": [{**asdict(e), "opened_at": e.opened_at.isoformat(), "last_at": e.last_at.isoformat(),
                        "recovered_at": e.recovered_at.isoformat() if e.recovered_at else None}
                       for e in detail.episodes],
            "messages": [{**m, "at": m["at"].isoformat(), "received_at": m["received_at"].isoformat()}
                         for m in detail.messages]}


class DeviceChanges(BaseModel):
    model_config = {"extra": "forbid"}

    name: Text | None = Field(None, max_length=100)
    alarm_rules: list[RuleBody] | None = Field(None, min_length=1, max_length=8)
    heartbeat_s: int | None = Field(None, ge=60, le=7 * 24 * 3600)
    owner_unit_id: Id | None = None
    address: Text | None = Field(None, max_length=200)


@router.patch("/sensors/devices/{code}", summary="修改设备（名称、报警类型与阈值、心跳周期、权属单位、地址）")
def update_device(code: str, body: DeviceChanges, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    changes = body.model_dump(exclude_none=True)
    if body.alarm_rules is not None:
        changes["alarm_rules"] = [r.model_dump() for r in body.alarm_rules]
    return device_json(devices.update_device(rt, user.actor, code, changes))


@router.post("/sensors/devices/{code}/secret", summary="重新签发设备凭证（旧凭证立即失效）")
def rotate_secret(code: str, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    made = devices.rotate_secret(rt, user.actor, code)
    return {"code": made.device.code, "secret": made.secret}


@router.delete("/sensors/devices/{code}/secret", summary="吊销设备凭证并停用设备")
def revoke_secret(code: str, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return device_json(devices.revoke(rt, user.actor, code))


@router.get("/sensors/stats", summary="报警统计（设备状态、按类型和日期的报警数、拒收报文）")
def alarm_stats(rt: RuntimeDep, user: CurrentStaff, days: Annotated[int, Query(ge=1, le=366)] = 30) -> dict[str, Any]:
    _reader(user)
    return asdict(stats.alarm_stats(rt, days))


@router.post("/sensors/messages", status_code=202, summary="设备上行报文（与 MQTT 相同的 JSON，另加 device 字段）",
             responses={200: {"description": "重复报文：此前已收到并处理，未再处理"}})
async def post_message(request: Request, rt: RuntimeDep) -> JSONResponse:
    """No staff login: the device's own credential (`secret`) authenticates the message."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        await run_in_threadpool(count_rejected, rt, RejectReason.MALFORMED, "", "报文过大")
        raise PayloadTooLarge(f"报文不能超过 {MAX_BODY // 1024} KB")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None
    device = body.get("device") if isinstance(body, dict) else None
    if not isinstance(device, str):
        await run_in_threadpool(count_rejected, rt, RejectReason.MALFORMED, "", "缺少 device")
        raise InvalidInput("报文必须是含 device 字段的 JSON 对象", {"field": "device"})
    [verdict] = await run_in_threadpool(ingest, rt, [Raw(device[:64], body, "https")])
    if verdict.status == "rejected":
        if verdict.reason is RejectReason.MALFORMED:
            raise InvalidInput(verdict.message)
        raise Unauthorized(verdict.message, {"reason": verdict.reason.value if verdict.reason else ""})
    return JSONResponse({"status": verdict.status, "outcome": verdict.outcome.value if verdict.outcome else None,
                         "case_nos": list(verdict.case_nos)}, status_code=202 if verdict.status == "accepted" else 200)
