"""易涝点, deployments, water-depth observations, materials, and cases raised during an event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from citysteward.assets.services import components
from citysteward.flood.domain import (
    DEPTH_LABELS,
    depth_state,
)
from citysteward.flood.ports import unit_of_work
from citysteward.flood.services.common import (
    _can_declare,
    _can_read,
    _can_record,
    _count,
    _event,
    _moment,
    _num,
    _text,
    _unit,
)
from citysteward.kernel import geo
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import Conflict, InvalidInput, NotFound
from citysteward.org.services import accounts
from citysteward.platform.runtime import Runtime


# ---------------------------------------------------------------- 易涝点
def _position(data: Mapping[str, Any]) -> tuple[float, float]:
    lon = _num(data, "lon", "经度", -180, 180)
    lat = _num(data, "lat", "纬度", -90, 90)
    if lon is None or lat is None:
        raise InvalidInput("请填写易涝点的经度和纬度", {"field": "lon"})
    try:
        return geo.to_wgs84(lon, lat, geo.CoordSys.parse(str(data.get("crs") or "wgs84")))
    except ValueError as exc:
        raise InvalidInput(f"坐标无效：{exc}", {"field": "lon"}) from exc


def add_point(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """A 易涝点: location, cause, depth thresholds, 一点一策 plan, responsible unit and person, pump station."""
    _can_declare(actor)
    lon, lat = _position(data)
    orange = _num(data, "orange_cm", "橙色阈值", 0, 500)
    red = _num(data, "red_cm", "红色阈值", 0, 500)
    if orange is not None and red is not None and red <= orange:
        raise InvalidInput("红色阈值须大于橙色阈值", {"field": "red_cm"})
    pump = data.get("pump_component_id") or None
    if pump is not None:
        try:
            components.component_by_id(rt, int(pump))
        except (NotFound, ValueError) as exc:
            raise InvalidInput(f"泵站部件 {pump} 不存在", {"field": "pump_component_id"}) from exc
    with unit_of_work(rt) as uow:
        code = _text(data, "code", "编号", 32, True)
        if uow.flood.point_by_code(code) is not None:
            raise Conflict(f"易涝点编号 {code} 已存在", {"field": "code"})
        point_id = uow.flood.add_point({
            "code": code, "name": _text(data, "name", "名称", 200, True), "lon": lon, "lat": lat,
            "road": _text(data, "road", "道路", 100), "cause": _text(data, "cause", "成因", 400),
            "orange_cm": orange, "red_cm": red, "plan": _text(data, "plan", "一点一策预案", 4000),
            "unit_id": _unit(uow, data.get("unit_id")), "person": _text(data, "person", "责任人", 64),
            "phone": _text(data, "phone", "电话", 32), "pump_station": _text(data, "pump_station", "泵站", 100),
            "pump_component_id": int(pump) if pump is not None else None, "active": True})
        uow.commit()
    return {"id": point_id, "code": code}


def point(rt: Runtime, code: str) -> dict[str, Any] | None:
    """One 易涝点 by its code (sensors read thresholds from here)."""
    with unit_of_work(rt, readonly=True) as uow:
        return uow.flood.point_by_code(code)


def points(rt: Runtime) -> list[dict[str, Any]]:
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.flood.points()
    names = accounts.unit_names(rt)
    return [{**p, "unit_name": names.get(p["unit_id"], "")} for p in rows]


# ---------------------------------------------------------------- deployments, depths, materials
def add_deployment(rt: Runtime, actor: Actor, event_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    _can_record(actor)
    people, vehicles, pumps = (_count(data, k, label) for k, label in
                               (("people", "出动人数"), ("vehicles", "车辆台数"), ("pumps", "水泵台数")))
    if people + vehicles + pumps == 0:
        raise InvalidInput("出动人数、车辆、水泵至少填写一项", {"field": "people"})
    at = _moment(rt, data.get("at"), "at", rt.now())
    with unit_of_work(rt) as uow:
        ev = _event(uow, event_id)
        unit_id = _unit(uow, data.get("unit_id"))
        unit_name = _text(data, "unit_name", "出动单位", 100)
        if unit_id is not None:
            unit_name = unit_name or str((uow.org.unit(unit_id) or {}).get("name", ""))
        if not unit_name:
            raise InvalidInput("请选择或填写出动单位", {"field": "unit_id"})
        point_id = data.get("point_id") or None
        if point_id is not None and uow.flood.point(int(point_id)) is None:
            raise InvalidInput(f"易涝点 {point_id} 不存在", {"field": "point_id"})
        uow.flood.add_deployments([{"event_id": ev["id"], "at": at, "unit_id": unit_id, "unit_name": unit_name,
                                    "point_id": point_id, "people": people, "vehicles": vehicles, "pumps": pumps,
                                    "note": _text(data, "note", "说明", 400), "recorded_by": actor.name}])
        uow.commit()
    return {"event_id": event_id, "people": people, "vehicles": vehicles, "pumps": pumps}


def add_observation(rt: Runtime, actor: Actor, event_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    _can_record(actor)
    depth = _num(data, "depth_cm", "积水深度", 0, 1000)
    if depth is None:
        raise InvalidInput("请填写积水深度（厘米）", {"field": "depth_cm"})
    at = _moment(rt, data.get("at"), "at", rt.now())
    with unit_of_work(rt) as uow:
        ev = _event(uow, event_id)
        p = uow.flood.point_by_code(str(data.get("point_code") or "")) if data.get("point_code") else (
            uow.flood.point(int(data["point_id"])) if data.get("point_id") else None)
        if p is None:
            raise InvalidInput("请选择易涝点", {"field": "point_id"})
        uow.flood.add_observations([{
            "event_id": ev["id"], "point_id": p["id"], "at": at, "depth_cm": depth,
            "area_m2": _num(data, "area_m2", "积水面积", 0, 1_000_000),
            "traffic_closed": str(data.get("traffic_closed") or "").lower() in ("1", "true", "on", "yes"),
            "cleared_at": None, "note": _text(data, "note", "说明", 400), "by_name": actor.name}])
        uow.commit()
    state = depth_state(depth, p["orange_cm"], p["red_cm"])
    return {"point": p["code"], "depth_cm": depth, "state": state, "state_label": DEPTH_LABELS[state][0]}


def clear_point(rt: Runtime, actor: Actor, event_id: int, point_id: int) -> dict[str, Any]:
    _can_record(actor)
    now = rt.now()
    with unit_of_work(rt) as uow:
        _event(uow, event_id)
        n = uow.flood.clear_point(event_id, point_id, now)
        if n == 0:
            raise InvalidInput("该易涝点在本次事件中没有未消除的积水记录", {"field": "point_id"})
        uow.commit()
    return {"event_id": event_id, "point_id": point_id, "cleared_at": now}


def add_material(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    _can_declare(actor)
    qty = _num(data, "qty", "库存量", 0, 10_000_000) or 0.0
    min_qty = _num(data, "min_qty", "最低库存", 0, 10_000_000) or 0.0
    now = rt.now()
    with unit_of_work(rt) as uow:
        mid = uow.flood.add_material({"name": _text(data, "name", "物资名称", 100, True),
                                      "warehouse": _text(data, "warehouse", "仓库", 100, True),
                                      "unit_label": _text(data, "unit_label", "计量单位", 16) or "件",
                                      "qty": 0.0, "min_qty": min_qty})
        if qty:
            uow.flood.move_material(mid, qty, {"at": now, "delta": qty, "reason": "期初入库", "event_id": None,
                                               "by_name": actor.name})
        uow.commit()
    return {"id": mid, "qty": qty}


def move_material(rt: Runtime, actor: Actor, material_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """入库 (positive) or 出库 (negative); stock never goes below zero."""
    _can_record(actor)
    delta = _num(data, "delta", "出入库数量", -10_000_000, 10_000_000)
    if not delta:
        raise InvalidInput("请填写出入库数量（入库为正，出库为负）", {"field": "delta"})
    with unit_of_work(rt) as uow:
        m = uow.flood.material(material_id, lock=True)
        if m is None:
            raise NotFound(f"物资 {material_id} 不存在")
        new_qty = m["qty"] + delta
        if new_qty < 0:
            raise InvalidInput(f"库存不足：{m['name']} 现有 {m['qty']:g}{m['unit_label']}", {"field": "delta"})
        event_id = data.get("event_id") or None
        if event_id is not None:
            _event(uow, int(event_id))
        uow.flood.move_material(material_id, new_qty, {"at": rt.now(), "delta": delta,
                                                       "reason": _text(data, "reason", "事由", 200, True),
                                                       "event_id": event_id, "by_name": actor.name})
        uow.commit()
    return {"id": material_id, "qty": new_qty, "below_min": new_qty < m["min_qty"]}


def materials(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    _can_read(actor)
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.flood.materials()
    return [{**m, "below_min": m["qty"] < m["min_qty"]} for m in rows]


# ---------------------------------------------------------------- cases raised during an event
def tag_cases(rt: Runtime, actor: Actor, event_id: int, case_nos: list[str]) -> dict[str, Any]:
    _can_record(actor)
    nos = [c.strip() for c in case_nos if c.strip()]
    if not nos:
        raise InvalidInput("请填写案件编号", {"field": "case_nos"})
    with unit_of_work(rt) as uow:
        _event(uow, event_id)
        ids = uow.flood.case_ids(nos)
        missing = [c for c in nos if c not in ids]
        if missing:
            raise InvalidInput(f"案件不存在：{'、'.join(missing)}", {"field": "case_nos"})
        n = uow.flood.tag_cases(event_id, list(ids.values()), rt.now())
        uow.commit()
    return {"event_id": event_id, "tagged": n}


def tag_event_window(rt: Runtime, actor: Actor, event_id: int) -> dict[str, Any]:
    """Tag every case reported between the event's start and its end (or now)."""
    _can_record(actor)
    now = rt.now()
    with unit_of_work(rt) as uow:
        ev = _event(uow, event_id)
        n = uow.flood.tag_window(event_id, ev["started_at"], ev["ended_at"] or now, now)
        uow.commit()
    return {"event_id": event_id, "tagged": n}


