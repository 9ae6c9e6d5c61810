"""The device registry (设备台账): register a device with its place, owner unit, alarm types and
heartbeat; issue, rotate and revoke its credential (shown once, stored as sha256); list and read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from citysteward.assets.services import components
from citysteward.catalogue import services as catalogue_services
from citysteward.geography import services as geography_services
from citysteward.kernel import geo
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from citysteward.kernel.text import clean_text
from citysteward.org.services import accounts
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime
from citysteward.sensors.domain import (
    CODE,
    OFFLINE,
    Device,
    DeviceKind,
    DeviceState,
    Episode,
    hash_secret,
    new_secret,
    parse_rules,
)
from citysteward.sensors.ports import unit_of_work

MIN_HEARTBEAT_S = 60
MAX_HEARTBEAT_S = 7 * 24 * 3600
PAGE = 200


@dataclass(frozen=True, slots=True)
class DeviceInput:
    code: str
    name: str
    kind: str
    owner_unit_id: int
    alarm_rules: list[dict[str, Any]]
    heartbeat_s: int
    lon: float | None = None  # without a place, the linked component's
    lat: float | None = None
    crs: str = "wgs84"
    address: str = ""
    component_id: int | None = None
    waterlog_point_id: int | None = None


@dataclass(frozen=True, slots=True)
class Registered:
    device: Device
    secret: str  # shown once; only its hash is kept


@dataclass(frozen=True, slots=True)
class DeviceDetail:
    device: Device
    owner_name: str
    episodes: list[Episode]
    messages: list[dict[str, Any]]
    message_count: int
    open_cases: list[Episode] = field(default_factory=list)


def _admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden("只有系统管理员可以管理物联设备")


def _validated(rt: Runtime, data: DeviceInput) -> Device:
    code = data.code.strip()
    if not CODE.match(code):
        raise InvalidInput("设备编号只能由字母、数字、点、横线和下划线组成（2–64 位）", {"field": "code"})
    name = clean_text(data.name, field="name", label="设备名称").strip()
    if not name or len(name) > 100:
        raise InvalidInput("请填写设备名称（不超过 100 字）", {"field": "name"})
    try:
        kind = DeviceKind(data.kind)
    except ValueError as exc:
        raise InvalidInput(f"未知的设备类型：{data.kind}", {"field": "kind"}) from exc
    if not MIN_HEARTBEAT_S <= int(data.heartbeat_s) <= MAX_HEARTBEAT_S:
        raise InvalidInput("心跳周期应在 60 秒到 7 天之间", {"field": "heartbeat_s"})
    rules = parse_rules(data.alarm_rules)
    catalogue = catalogue_services.catalogue(rt)
    for rule in rules:
        if rule.category_code not in catalogue.by_code:
            raise InvalidInput(f"报警类型 {rule.code} 的案件类别 {rule.category_code} 不存在", {"field": "alarm_rules"})
    lon, lat = _place(rt, data)
    geography_services.grid_index(rt).locate(lon, lat)  # a device outside every grid could raise no case
    address = clean_text(data.address, field="address", label="安装地址").strip()[:200] if data.address else ""
    return Device(code=code, name=name, kind=kind, owner_unit_id=int(data.owner_unit_id), rules=rules,
                  heartbeat_s=int(data.heartbeat_s), lon=lon, lat=lat, address=address,
                  component_id=data.component_id, waterlog_point_id=data.waterlog_point_id)


def _place(rt: Runtime, data: DeviceInput) -> tuple[float, float]:
    """The device's own coordinates, or those of the component it is mounted on (部件)."""
    component = None
    if data.component_id is not None:
        try:
            component = components.component_by_id(rt, data.component_id)
        except NotFound as exc:
            raise InvalidInput(f"关联部件 {data.component_id} 不存在", {"field": "component_id"}) from exc
    if data.lon is None or data.lat is None:
        if component is None:
            raise InvalidInput("请填写设备位置（经纬度）或关联部件", {"field": "lon"})
        return component.lon, component.lat
    try:
        crs = geo.CoordSys.parse(data.crs)
    except ValueError as exc:
        raise InvalidInput(f"不支持的坐标系：{data.crs}（可选 wgs84、gcj02、bd09）", {"field": "crs"}) from exc
    return geo.to_wgs84(float(data.lon), float(data.lat), crs)


def register_device(rt: Runtime, actor: Actor, data: DeviceInput) -> Registered:
    _admin(actor)
    device = _validated(rt, data)
    secret = new_secret()
    device.secret_hash = hash_secret(secret)
    device.created_at = rt.now()
    with unit_of_work(rt) as uow:
        unit = uow.org.unit(device.owner_unit_id)
        if unit is None or not unit["active"]:
            raise InvalidInput(f"权属单位 {device.owner_unit_id} 不存在或已停用", {"field": "owner_unit_id"})
        if uow.sensors.device(device.code) is not None:
            raise Conflict(f"设备编号 {device.code} 已登记", {"field": "code"})
        uow.sensors.add_device(device)
        record_change(rt, uow, actor, "sensor_device", device.code, "create", None, _public(device))
        uow.commit()
    return Registered(device, secret)


_EDITABLE = frozenset({"name", "alarm_rules", "heartbeat_s", "owner_unit_id", "address"})


def update_device(rt: Runtime, actor: Actor, code: str, changes: dict[str, Any]) -> Device:
    """Change a device's name, alarm types (thresholds), heartbeat, owner or address. An alarm type
    with an alarm still open cannot be removed: its episode would never see a recovery."""
    _admin(actor)
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise InvalidInput(f"不能修改：{'、'.join(sorted(unknown))}", {"field": sorted(unknown)[0]})
    with unit_of_work(rt) as uow:
        device = _get(uow.sensors.devices_for_update([code]), code)
        before = _public(device)
        data = DeviceInput(code=device.code, name=changes.get("name", device.name), kind=device.kind.value,
                           owner_unit_id=int(changes.get("owner_unit_id", device.owner_unit_id)),
                           alarm_rules=changes.get("alarm_rules", [r.to_dict() for r in device.rules]),
                           heartbeat_s=int(changes.get("heartbeat_s", device.heartbeat_s)), lon=device.lon,
                           lat=device.lat, address=changes.get("address", device.address))
        fresh = _validated(rt, data)
        if fresh.owner_unit_id != device.owner_unit_id:
            unit = uow.org.unit(fresh.owner_unit_id)
            if unit is None or not unit["active"]:
                raise InvalidInput(f"权属单位 {fresh.owner_unit_id} 不存在或已停用", {"field": "owner_unit_id"})
        assert device.id is not None
        kept = {r.code for r in fresh.rules}
        still_open = sorted(e.alarm_code for e in uow.sensors.open_episodes([device.id])
                            if e.alarm_code not in kept and e.alarm_code != OFFLINE)
        if still_open:
            raise Conflict(f"报警类型 {'、'.join(still_open)} 有未恢复的报警，不能删除", {"field": "alarm_rules"})
        device.name, device.rules, device.heartbeat_s = fresh.name, fresh.rules, fresh.heartbeat_s
        device.owner_unit_id, device.address = fresh.owner_unit_id, fresh.address
        uow.sensors.update_device(device)
        record_change(rt, uow, actor, "sensor_device", code, "update", before, _public(device))
        uow.commit()
    return device


def rotate_secret(rt: Runtime, actor: Actor, code: str) -> Registered:
    """A new credential; the old one stops working at once."""
    _admin(actor)
    secret = new_secret()
    with unit_of_work(rt) as uow:
        device = _get(uow.sensors.devices_for_update([code]), code)
        device.secret_hash = hash_secret(secret)
        device.active = True
        uow.sensors.update_device(device)
        record_change(rt, uow, actor, "sensor_device", code, "rotate_secret", None, None)
        uow.commit()
    return Registered(device, secret)


def revoke(rt: Runtime, actor: Actor, code: str) -> Device:
    """Revoke the credential and stop watching the device (no offline case for a retired device)."""
    _admin(actor)
    with unit_of_work(rt) as uow:
        device = _get(uow.sensors.devices_for_update([code]), code)
        device.secret_hash = None
        device.active = False
        uow.sensors.update_device(device)
        record_change(rt, uow, actor, "sensor_device", code, "revoke", None, None)
        uow.commit()
    return device


def _get(found: dict[str, Device], code: str) -> Device:
    if code not in found:
        raise NotFound(f"设备 {code} 不存在", {"code": code})
    return found[code]


def _public(device: Device) -> dict[str, Any]:
    return {"code": device.code, "name": device.name, "kind": device.kind.value,
            "owner_unit_id": device.owner_unit_id, "rules": [r.to_dict() for r in device.rules],
            "heartbeat_s": device.heartbeat_s, "lon": device.lon, "lat": device.lat}


def list_devices(rt: Runtime, kind: str = "", state: str = "", owner_unit_id: int | None = None,
                 limit: int = PAGE, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    if kind and kind not in DeviceKind.__members__.values():
        raise InvalidInput(f"未知的设备类型：{kind}", {"field": "kind"})
    if state and state not in DeviceState.__members__.values():
        raise InvalidInput(f"未知的设备状态：{state}", {"field": "state"})
    filters = {"kind": kind, "state": state, "owner_unit_id": owner_unit_id}
    with unit_of_work(rt, readonly=True) as uow:
        rows, total = uow.sensors.list_devices(filters, min(max(limit, 1), 1000), max(offset, 0))
    names = accounts.unit_names(rt)
    for r in rows:
        r["kind_label"] = DeviceKind(r["kind"]).label
        r["state_label"] = DeviceState(r["state"]).label
        r["state_colour"] = DeviceState(r["state"]).colour
        r["owner_name"] = names.get(r["owner_unit_id"], "")
    return rows, total


def device_detail(rt: Runtime, code: str, limit: int = 100) -> DeviceDetail:
    with unit_of_work(rt, readonly=True) as uow:
        device = uow.sensors.device(code)
        if device is None or device.id is None:
            raise NotFound(f"设备 {code} 不存在", {"code": code})
        episodes = uow.sensors.episodes(device.id, limit)
        messages = uow.sensors.messages(device.id, limit)
        count = uow.sensors.message_count(device.id)
    owner = accounts.unit_names(rt).get(device.owner_unit_id, "")
    return DeviceDetail(device, owner, episodes, messages, count,
                        [e for e in episodes if e.recovered_at is None and e.case_no])
