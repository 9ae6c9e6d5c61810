"""flood: use cases over the unit of work — events with their response levels, warnings that raise them,
24-h duty, the 易涝点 register, deployments, water depths, materials, event-tagged cases, the pre-flood
checklist (a failed item becomes a supervision ticket to its unit) and the after-action figures.

`active_event(rt, at)` and `point(rt, code)` / `points(rt)` are what the sensors context reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from citysteward.assets.services import components
from citysteward.catalogue.services import catalogue
from citysteward.flood.domain import (
    DECLARERS,
    DEPTH_LABELS,
    RECORDERS,
    WARNING_THRESHOLDS,
    CheckKind,
    CheckResult,
    Figures,
    FloodRules,
    ResponseLevel,
    WarningColour,
    depth_state,
    higher_colour,
    raised_level,
    roster_gaps,
)
from citysteward.flood.ports import FloodUnitOfWork, unit_of_work
from citysteward.kernel import geo
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from citysteward.org.services import accounts, settings
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.tickets import TicketLevel, TicketSource
from citysteward.supervision.services.tickets import issue_in

SETTINGS_KEY = "flood"
MAX_COUNT = 100_000


def rules(rt: Runtime) -> FloodRules:
    return settings.load(rt, SETTINGS_KEY, FloodRules.from_dict)


def set_rules(rt: Runtime, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    return settings.replace(rt, actor, SETTINGS_KEY, data, FloodRules.from_dict)


def _can_read(actor: Actor) -> None:
    if not actor.role.is_staff or actor.role is Role.SYSTEM:
        raise Forbidden("需要工作人员登录")


def _can_record(actor: Actor) -> None:
    if actor.role not in RECORDERS:
        raise Forbidden(f"「{actor.role.label}」不能登记防汛信息")


def _can_declare(actor: Actor) -> None:
    if actor.role not in DECLARERS:
        raise Forbidden(f"「{actor.role.label}」无权启动或调整应急响应")


def _enum(cls: Any, value: Any, label: str, field: str) -> Any:
    try:
        return cls(value)
    except ValueError as exc:
        choices = "、".join(f"{m.value}（{m.label}）" for m in cls)
        raise InvalidInput(f"未知的{label}：{value}；可选：{choices}", {"field": field}) from exc


def _text(data: Mapping[str, Any], key: str, label: str, limit: int, required: bool = False) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        raise InvalidInput(f"请填写{label}", {"field": key})
    if len(value) > limit:
        raise InvalidInput(f"{label}不能超过 {limit} 个字", {"field": key})
    return value


def _count(data: Mapping[str, Any], key: str, label: str) -> int:
    value = data.get(key)
    if value in (None, ""):
        return 0
    try:
        n = int(str(value))
    except ValueError as exc:
        raise InvalidInput(f"{label}须为整数", {"field": key}) from exc
    if not 0 <= n <= MAX_COUNT:
        raise InvalidInput(f"{label}须在 0–{MAX_COUNT} 之间", {"field": key})
    return n


def _num(data: Mapping[str, Any], key: str, label: str, low: float, high: float) -> float | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{label}须为数字", {"field": key}) from exc
    if not low <= x <= high:
        raise InvalidInput(f"{label}须在 {low:g}–{high:g} 之间", {"field": key})
    return x


def _moment(rt: Runtime, value: Any, field: str, default: datetime | None = None) -> datetime:
    if value in (None, ""):
        if default is None:
            raise InvalidInput("请填写时间", {"field": field})
        return default
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise InvalidInput("时间格式应为 YYYY-MM-DDTHH:MM", {"field": field}) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=rt.settings.tz)
    return moment.astimezone(UTC)


def _event(uow: FloodUnitOfWork, event_id: int, lock: bool = False) -> dict[str, Any]:
    ev = uow.flood.event(int(event_id), lock=lock)
    if ev is None:
        raise NotFound(f"防汛事件 {event_id} 不存在", {"event_id": event_id})
    return ev


def _unit(uow: FloodUnitOfWork, unit_id: Any, field: str = "unit_id") -> int | None:
    if unit_id in (None, ""):
        return None
    try:
        uid = int(unit_id)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("单位编号须为整数", {"field": field}) from exc
    unit = uow.org.unit(uid)
    if unit is None or not unit["active"]:
        raise InvalidInput(f"单位 {unit_id} 不存在或已停用", {"field": field})
    return uid


# ---------------------------------------------------------------- events, levels, warnings
def open_event(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    _can_record(actor)
    name = _text(data, "name", "事件名称", 200, required=True)
    started = _moment(rt, data.get("started_at"), "started_at", rt.now())
    with unit_of_work(rt) as uow:
        event_id = uow.flood.add_event({"name": name, "started_at": started, "ended_at": None, "level": None,
                                        "max_colour": None, "note": _text(data, "note", "说明", 2000),
                                        "created_by": actor.name, "created_at": rt.now()})
        uow.commit()
    return {"id": event_id, "name": name}


def _change_level(uow: FloodUnitOfWork, ev: dict[str, Any], level: ResponseLevel | None, actor: Actor, at: datetime,
                  reason: str, warning_id: int | None = None) -> None:
    uow.flood.add_level_change({
        "event_id": ev["id"], "at": at, "from_level": ev["level"], "to_level": level.value if level else None,
        "declared_by": actor.name or actor.role.label, "signer": level.signer if level else "",
        "reason": reason[:400], "warning_id": warning_id})
    uow.flood.update_event(ev["id"], {"level": level.value if level else None})
    ev["level"] = level.value if level else None


def declare_level(rt: Runtime, actor: Actor, event_id: int, level: str | None, reason: str) -> dict[str, Any]:
    """Start, raise, lower or end (level None) the response; every change is kept with who declared it."""
    _can_declare(actor)
    new = _enum(ResponseLevel, level, "响应级别", "level") if level else None
    reason = reason.strip()
    if not reason:
        raise InvalidInput("请填写调整响应的理由", {"field": "reason"})
    now = rt.now()
    with unit_of_work(rt) as uow:
        ev = _event(uow, event_id, lock=True)
        if ev["ended_at"] is not None:
            raise Conflict("该防汛事件已结束", {"event_id": event_id})
        if (new.value if new else None) == ev["level"]:
            raise InvalidInput("响应级别未变化", {"field": "level"})
        _change_level(uow, ev, new, actor, now, reason)
        uow.commit()
    return {"event_id": event_id, "level": new.value if new else None, "level_label": new.label if new else "未启动"}


def close_event(rt: Runtime, actor: Actor, event_id: int, note: str = "") -> dict[str, Any]:
    _can_declare(actor)
    now = rt.now()
    with unit_of_work(rt) as uow:
        ev = _event(uow, event_id, lock=True)
        if ev["ended_at"] is not None:
            raise Conflict("该防汛事件已结束", {"event_id": event_id})
        if ev["level"] is not None:
            _change_level(uow, ev, None, actor, now, note.strip() or "解除应急响应")
        uow.flood.update_event(event_id, {"ended_at": now})
        tagged = uow.flood.tag_window(event_id, ev["started_at"], now, now)
        uow.commit()
    return {"event_id": event_id, "ended_at": now, "tagged": tagged}


def record_warning(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """A 暴雨 warning: joins the given or the active event (opening one when none is active) and raises
    the event's response level as the configured table says (never lowers it)."""
    _can_record(actor)
    colour = _enum(WarningColour, data.get("colour"), "预警颜色", "colour")
    issued = _moment(rt, data.get("issued_at"), "issued_at", rt.now())
    r = rules(rt)
    with unit_of_work(rt) as uow:
        if data.get("event_id") not in (None, ""):
            ev = _event(uow, int(data["event_id"]), lock=True)
        else:
            ev = uow.flood.active_event(issued) or {}
            if not ev:
                local = issued.astimezone(rt.settings.tz)
                name = f"{local:%Y-%m-%d} {colour.label}应对"
                new_id = uow.flood.add_event({"name": name, "started_at": issued, "ended_at": None, "level": None,
                                              "max_colour": None, "note": "", "created_by": actor.name,
                                              "created_at": rt.now()})
                ev = _event(uow, new_id)
        if ev["ended_at"] is not None:
            raise Conflict("该防汛事件已结束，不能再登记预警", {"event_id": ev["id"]})
        warning_id = uow.flood.add_warning({
            "event_id": ev["id"], "issued_at": issued, "colour": colour.value,
            "issuer": _text(data, "issuer", "发布单位", 100) or "气象台", "content": _text(data, "content", "内容", 2000),
            "recorded_by": actor.name})
        top = higher_colour(WarningColour(ev["max_colour"]) if ev["max_colour"] else None, colour)
        uow.flood.update_event(ev["id"], {"max_colour": top.value})
        current = ResponseLevel(ev["level"]) if ev["level"] else None
        new = raised_level(current, r.level_for(colour))
        if new is not None:
            _change_level(uow, ev, new, actor, issued, f"{colour.label}：{WARNING_THRESHOLDS[colour.value]}",
                          warning_id)
        uow.commit()
    return {"id": warning_id, "event_id": ev["id"], "colour": colour.value, "level": ev["level"],
            "level_label": ResponseLevel(ev["level"]).label if ev["level"] else "未启动", "raised": new is not None}


def active_event(rt: Runtime, at: datetime | None = None) -> dict[str, Any] | None:
    """The flood event running at `at` (now by default), or None: what the sensors context reads."""
    with unit_of_work(rt, readonly=True) as uow:
        ev = uow.flood.active_event(at or rt.now())
    if ev is None:
        return None
    return {"id": ev["id"], "name": ev["name"], "started_at": ev["started_at"], "level": ev["level"],
            "level_label": ResponseLevel(ev["level"]).label if ev["level"] else "未启动",
            "max_colour": ev["max_colour"]}


# ---------------------------------------------------------------- duty
def add_duty(rt: Runtime, actor: Actor, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    _can_declare(actor)
    out = []
    with unit_of_work(rt) as uow:
        for i, data in enumerate(rows):
            start = _moment(rt, data.get("starts_at"), f"{i}.starts_at")
            end = _moment(rt, data.get("ends_at"), f"{i}.ends_at")
            if not start < end <= start + timedelta(hours=24):
                raise InvalidInput("值班时段须结束于开始之后，且不超过 24 小时", {"field": f"{i}.ends_at"})
            out.append({"starts_at": start, "ends_at": end, "post": _text(data, "post", "岗位", 32, True),
                        "person": _text(data, "person", "值班人员", 64, True), "phone": _text(data, "phone", "电话", 32),
                        "unit_id": _unit(uow, data.get("unit_id"))})
        if not out:
            raise InvalidInput("请至少填写一个值班时段")
        uow.flood.add_duty(out)
        uow.commit()
    return {"added": len(out)}


def duty_day(rt: Runtime, actor: Actor, day: date) -> dict[str, Any]:
    """One local day's roster and the hours no one covers (24-h 值班 wants none)."""
    _can_read(actor)
    start = datetime(day.year, day.month, day.day, tzinfo=rt.settings.tz).astimezone(UTC)
    end = start + timedelta(days=1)
    with unit_of_work(rt, readonly=True) as uow:
        shifts = uow.flood.duty(start, end)
    gaps = roster_gaps([(s["starts_at"], s["ends_at"]) for s in shifts], start, end)
    return {"day": day, "shifts": shifts, "gaps": gaps, "covered": not gaps}


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


# ---------------------------------------------------------------- pre-flood checklist
def add_check(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    _can_declare(actor)
    kind = _enum(CheckKind, data.get("kind"), "检查项", "kind")
    try:
        season = int(data.get("season") or rt.now().astimezone(rt.settings.tz).year)
    except ValueError as exc:
        raise InvalidInput("汛期年度须为整数", {"field": "season"}) from exc
    with unit_of_work(rt) as uow:
        unit_id = _unit(uow, data.get("unit_id"))
        if unit_id is None:
            raise InvalidInput("请选择检查项的责任单位", {"field": "unit_id"})
        point_id = data.get("point_id") or None
        if point_id is not None and uow.flood.point(int(point_id)) is None:
            raise InvalidInput(f"易涝点 {point_id} 不存在", {"field": "point_id"})
        cid = uow.flood.add_check({"season": season, "kind": kind.value, "target": _text(data, "target", "检查对象", 200, True),
                                   "point_id": point_id, "unit_id": unit_id, "due_on": None,
                                   "result": CheckResult.PENDING.value, "note": "", "checked_at": None,
                                   "checked_by": "", "ticket_no": None})
        uow.commit()
    return {"id": cid}


def record_check(rt: Runtime, actor: Actor, check_id: int, result: str, note: str = "") -> dict[str, Any]:
    """Record a pre-flood check. A failure becomes work: a supervision ticket (督导单) to its unit."""
    _can_record(actor)
    res = _enum(CheckResult, result, "检查结果", "result")
    if res is CheckResult.PENDING:
        raise InvalidInput("检查结果只能是合格或不合格", {"field": "result"})
    note = note.strip()
    if res is CheckResult.FAILED and not note:
        raise InvalidInput("不合格须说明问题", {"field": "note"})
    now = rt.now()
    ticket_no = None
    with unit_of_work(rt) as uow:
        c = uow.flood.check(check_id)
        if c is None:
            raise NotFound(f"检查项 {check_id} 不存在")
        if c["result"] != CheckResult.PENDING.value:
            raise Conflict("该检查项已有结果", {"check_id": check_id})
        if res is CheckResult.FAILED:
            p = uow.flood.point(c["point_id"]) if c["point_id"] else None
            kind = CheckKind(c["kind"])
            ticket = issue_in(uow, rt, now, actor, level=TicketLevel.WHITE, source=TicketSource.MANUAL,
                              title=f"汛前检查不合格：{kind.label} {c['target']}", content=note,
                              unit_ids=(int(c["unit_id"]),), lon=p["lon"] if p else None,
                              lat=p["lat"] if p else None, address=c["target"])
            ticket_no = ticket.ticket_no
        uow.flood.update_check(check_id, {"result": res.value, "note": note[:400], "checked_at": now,
                                          "checked_by": actor.name, "ticket_no": ticket_no})
        uow.commit()
    return {"id": check_id, "result": res.value, "ticket_no": ticket_no}


def checklist(rt: Runtime, actor: Actor, season: int) -> list[dict[str, Any]]:
    _can_read(actor)
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.flood.checks(season)
    names = accounts.unit_names(rt)
    return [{**c, "kind_label": CheckKind(c["kind"]).label, "result_label": CheckResult(c["result"]).label,
             "result_colour": CheckResult(c["result"]).colour, "unit_name": names.get(c["unit_id"], "")} for c in rows]


# ---------------------------------------------------------------- reading: events, command page, figures
def _level_label(value: str | None) -> str:
    return ResponseLevel(value).label if value else "未启动"


def list_events(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    _can_read(actor)
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.flood.events()
    return [{**e, "level_label": _level_label(e["level"]),
             "level_colour": ResponseLevel(e["level"]).colour if e["level"] else "#6c757d",
             "colour_label": WarningColour(e["max_colour"]).label if e["max_colour"] else ""} for e in rows]


def figures(uow: FloodUnitOfWork, event_ids: list[int], warnings: list[dict[str, Any]],
            names: Mapping[str, str]) -> Figures:
    deps = uow.flood.deployments(event_ids) if event_ids else []
    obs = uow.flood.observations(event_ids) if event_ids else []
    by_type = uow.flood.cases_by_type(event_ids) if event_ids else []
    by_colour = {c.value: 0 for c in WarningColour}
    for w in warnings:
        by_colour[w["colour"]] += 1
    return Figures(
        warnings=len(warnings), warnings_by_colour=by_colour,
        person_times=sum(d["people"] for d in deps), vehicle_times=sum(d["vehicles"] for d in deps),
        pump_times=sum(d["pumps"] for d in deps), points_observed=len({o["point_id"] for o in obs}),
        points_cleared=len({o["point_id"] for o in obs if o["cleared_at"] is not None}),
        cases=sum(n for _c, n in by_type), cases_by_type=[(names.get(c, c), n) for c, n in by_type])


def command(rt: Runtime, actor: Actor, event_id: int) -> dict[str, Any]:
    """The command page of one event: level and its history, warnings, points with latest depths,
    deployments, materials moved, tagged cases by type, and the headline figures."""
    _can_read(actor)
    cat = catalogue(rt)
    names = {code: c.name for code, c in cat.by_code.items()}
    with unit_of_work(rt, readonly=True) as uow:
        ev = _event(uow, event_id)
        changes = uow.flood.level_changes(event_id)
        warns = uow.flood.warnings(ev["started_at"], ev["started_at"], event_id=event_id)
        deps = uow.flood.deployments([event_id])
        obs = uow.flood.observations([event_id])
        pts = {p["id"]: p for p in uow.flood.points(active_only=False)}
        cases = uow.flood.event_cases(event_id, 50)
        figs = figures(uow, [event_id], warns, names)
        moved = uow.flood.movements(event_id=event_id)
        mats = {m["id"]: m for m in uow.flood.materials()}
    latest: dict[int, dict[str, Any]] = {}
    for o in obs:
        latest[o["point_id"]] = o
    point_rows = []
    for pid, o in latest.items():
        p = pts[pid]
        state = depth_state(o["depth_cm"], p["orange_cm"], p["red_cm"])
        point_rows.append({"code": p["code"], "name": p["name"], "lon": p["lon"], "lat": p["lat"], "id": pid,
                           "depth_cm": o["depth_cm"], "at": o["at"], "cleared_at": o["cleared_at"],
                           "traffic_closed": o["traffic_closed"], "state": state, "state_label": DEPTH_LABELS[state][0],
                           "state_colour": DEPTH_LABELS[state][1], "orange_cm": p["orange_cm"], "red_cm": p["red_cm"]})
    return {
        "event": {**ev, "level_label": _level_label(ev["level"]),
                  "level_colour": ResponseLevel(ev["level"]).colour if ev["level"] else "#6c757d",
                  "colour_label": WarningColour(ev["max_colour"]).label if ev["max_colour"] else ""},
        "levels": [{**c, "from_label": _level_label(c["from_level"]), "to_label": _level_label(c["to_level"])}
                   for c in changes],
        "warnings": [{**w, "colour_label": WarningColour(w["colour"]).label,
                      "colour_hex": WarningColour(w["colour"]).colour} for w in warns],
        "deployments": deps, "points": sorted(point_rows, key=lambda r: -r["depth_cm"]),
        "cases": [{**c, "category": names.get(c["category_code"], c["category_code"])} for c in cases],
        "materials": [{**m, "name": mats[m["material_id"]]["name"], "unit_label": mats[m["material_id"]]["unit_label"]}
                      for m in moved],
        "figures": figs,
    }


def season_figures(rt: Runtime, actor: Actor, start: datetime, end: datetime) -> dict[str, Any]:
    """The season's figures over [start, end): warnings issued in it, and everything of the events in it."""
    _can_read(actor)
    cat = catalogue(rt)
    names = {code: c.name for code, c in cat.by_code.items()}
    with unit_of_work(rt, readonly=True) as uow:
        events = [e for e in uow.flood.events(start, end) if e["started_at"] >= start]
        ids = [e["id"] for e in events]
        warns = uow.flood.warnings(start, end)
        figs = figures(uow, ids, warns, names)
        deps = uow.flood.deployments(ids) if ids else []
    per_event = []
    for e in sorted(events, key=lambda e: e["started_at"]):
        d = [x for x in deps if x["event_id"] == e["id"]]
        per_event.append({"id": e["id"], "name": e["name"], "started_at": e["started_at"], "ended_at": e["ended_at"],
                          "level_label": _level_label(e["level"]),
                          "warnings": sum(1 for w in warns if w["event_id"] == e["id"]),
                          "people": sum(x["people"] for x in d), "equipment": sum(x["vehicles"] + x["pumps"] for x in d)})
    return {"figures": figs, "events": per_event, "start": start, "end": end}
