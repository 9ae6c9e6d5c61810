"""Flood events, response levels (who declared what, when), warnings, the active event, the duty roster."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from citysteward.flood.domain import (
    WARNING_THRESHOLDS,
    ResponseLevel,
    WarningColour,
    higher_colour,
    raised_level,
    roster_gaps,
)
from citysteward.flood.ports import FloodUnitOfWork, unit_of_work
from citysteward.flood.services.common import (
    _can_declare,
    _can_read,
    _can_record,
    _enum,
    _event,
    _moment,
    _text,
    _unit,
    rules,
)
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import Conflict, InvalidInput
from citysteward.platform.runtime import Runtime


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


