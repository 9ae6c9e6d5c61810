"""Pages of the sensors context (物联感知): the device list with its map and states, a device's
history, alarm statistics, and (administrators) registering a device and managing its credential."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from citysteward.kernel.actor import Role
from citysteward.kernel.errors import DomainError, Forbidden, InvalidInput
from citysteward.org.deps import PageUser, Shell
from citysteward.org.services import accounts, auth
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.pages import PageRoute, render
from citysteward.sensors.domain import DeviceKind, DeviceState, Outcome
from citysteward.sensors.services import devices, stats

router = APIRouter(prefix="/console/sensors", route_class=PageRoute, include_in_schema=False)
_DESK = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.SHIFT_LEADER, Role.DISPATCHER, Role.UNIT})
OUTCOMES = {o.value: o for o in Outcome}


async def desk_user(user: PageUser) -> auth.StaffUser:
    if user.role not in _DESK:
        raise Forbidden("此页面仅限指挥中心、督查、领导、责任单位和管理员")
    return user


DeskUser = Annotated[auth.StaffUser, Depends(desk_user)]


@dataclass(frozen=True)
class SensorsPage:
    shell: Shell
    tab: str
    rows: list[Any] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    @property
    def is_admin(self) -> bool:
        return self.shell.user.role is Role.ADMIN


def _page(user: auth.StaffUser, tab: str, rows: list[Any] | None = None, error: str = "", **extra: Any) -> SensorsPage:
    return SensorsPage(Shell.of(user, "sensors"), tab, rows or [], extra, error)


@router.get("", response_class=HTMLResponse)
def device_list(request: Request, rt: RuntimeDep, user: DeskUser, kind: str = "", state: str = "") -> HTMLResponse:
    rows, total = devices.list_devices(rt, kind, state, limit=1000)
    summary = stats.alarm_stats(rt, 1)
    page = _page(user, "devices", rows, total=total, kind=kind, state=state, kinds=list(DeviceKind),
                 states=list(DeviceState), counts=summary.states)
    return render(request, "sensors/list.html", page)


@router.get("/devices.json")
def device_points(rt: RuntimeDep, user: DeskUser, kind: str = "", state: str = "") -> JSONResponse:
    """The map's points (drawn over the city's own layers by /static/sensors.js)."""
    rows, _ = devices.list_devices(rt, kind, state, limit=1000)
    return JSONResponse({"devices": [
        {"code": r["code"], "name": r["name"], "kind": r["kind_label"], "state": r["state"],
         "state_label": r["state_label"], "colour": r["state_colour"], "lon": r["lon"], "lat": r["lat"]}
        for r in rows if r["lon"] is not None]})


@router.get("/devices/{code}", response_class=HTMLResponse)
def device_page(request: Request, code: str, rt: RuntimeDep, user: DeskUser, secret: str = "") -> HTMLResponse:
    detail = devices.device_detail(rt, code)
    page = _page(user, "devices", detail.messages, detail=detail, outcomes=OUTCOMES,
                 map_config=json.dumps({"lon": detail.device.lon, "lat": detail.device.lat,
                                        "colour": detail.device.state.colour}))
    return render(request, "sensors/device.html", page, headers={"Cache-Control": "no-store"})


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, rt: RuntimeDep, user: DeskUser, days: int = 30) -> HTMLResponse:
    result = stats.alarm_stats(rt, days)
    peak = max((d["alarms"] for d in result.by_day), default=0)
    return render(request, "sensors/stats.html", _page(user, "stats", stats=result, peak=peak))


# ------------------------------------------------------------------ administration
def _admin(user: auth.StaffUser) -> None:
    if user.role is not Role.ADMIN:
        raise Forbidden("只有系统管理员可以管理物联设备")


def _form_page(request: Request, rt: Any, user: auth.StaffUser, error: str = "", status: int = 200,
               form: dict[str, Any] | None = None) -> HTMLResponse:
    page = _page(user, "new", error=error, kinds=list(DeviceKind), units=accounts.list_units(rt), form=form or {})
    return render(request, "sensors/new.html", page, status_code=status)


@router.get("/new", response_class=HTMLResponse)
def new_device(request: Request, rt: RuntimeDep, user: DeskUser) -> HTMLResponse:
    _admin(user)
    return _form_page(request, rt, user)


def _secret_page(request: Request, user: auth.StaffUser, made: devices.Registered) -> HTMLResponse:
    return render(request, "sensors/secret.html", _page(user, "new", device=made.device, secret=made.secret),
                  headers={"Cache-Control": "no-store"})


@router.post("/new")
def create_device(request: Request, rt: RuntimeDep, user: DeskUser, code: Annotated[str, Form()] = "",
                  name: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "",
                  owner_unit_id: Annotated[str, Form()] = "", heartbeat_min: Annotated[str, Form()] = "",
                  lon: Annotated[str, Form()] = "", lat: Annotated[str, Form()] = "",
                  address: Annotated[str, Form()] = "", rule_code: Annotated[str, Form()] = "",
                  rule_label: Annotated[str, Form()] = "", metric: Annotated[str, Form()] = "",
                  op: Annotated[str, Form()] = ">=", threshold: Annotated[str, Form()] = "",
                  category_code: Annotated[str, Form()] = "", flood: Annotated[str, Form()] = "",
                  component_id: Annotated[str, Form()] = "", waterlog_point_id: Annotated[str, Form()] = "") -> Response:
    _admin(user)
    form = dict(code=code, name=name, kind=kind, owner_unit_id=owner_unit_id, heartbeat_min=heartbeat_min, lon=lon,
                lat=lat, address=address, rule_code=rule_code, rule_label=rule_label, metric=metric, op=op,
                threshold=threshold, category_code=category_code, flood=flood, component_id=component_id,
                waterlog_point_id=waterlog_point_id)
    try:
        data = devices.DeviceInput(
            code=code, name=name, kind=kind, owner_unit_id=_int(owner_unit_id, "权属单位"),
            heartbeat_s=_int(heartbeat_min, "心跳周期") * 60, lon=_opt_float(lon, "经度"),
            lat=_opt_float(lat, "纬度"),
            address=address, component_id=_opt_int(component_id, "部件编号"),
            waterlog_point_id=_opt_int(waterlog_point_id, "易涝点编号"),
            alarm_rules=[{"code": rule_code, "label": rule_label, "metric": metric, "op": op, "threshold": threshold,
                          "category_code": category_code, "flood": flood == "1"}])
        made = devices.register_device(rt, user.actor, data)
    except DomainError as exc:
        return _form_page(request, rt, user, exc.message, status_of(exc), form)
    return _secret_page(request, user, made)


def _int(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError as exc:
        raise InvalidInput(f"{what}必须是整数") from exc


def _opt_int(text: str, what: str) -> int | None:
    return _int(text, what) if text.strip() else None


def _float(text: str, what: str) -> float:
    try:
        return float(text.strip())
    except ValueError as exc:
        raise InvalidInput(f"{what}必须是数字") from exc


def _opt_float(text: str, what: str) -> float | None:
    return _float(text, what) if text.strip() else None


@router.post("/devices/{code}/rotate")
def rotate(request: Request, code: str, rt: RuntimeDep, user: DeskUser) -> Response:
    _admin(user)
    return _secret_page(request, user, devices.rotate_secret(rt, user.actor, code))


@router.post("/devices/{code}/revoke")
def revoke(code: str, rt: RuntimeDep, user: DeskUser) -> Response:
    _admin(user)
    devices.revoke(rt, user.actor, code)
    return RedirectResponse(f"/console/sensors/devices/{code}", status_code=303)
