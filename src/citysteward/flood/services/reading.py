"""The pre-flood checklist and the reading side: events, the command page, season figures."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from citysteward.catalogue.services import catalogue
from citysteward.flood.domain import (
    DEPTH_LABELS,
    CheckKind,
    CheckResult,
    Figures,
    ResponseLevel,
    WarningColour,
    depth_state,
)
from citysteward.flood.ports import FloodUnitOfWork, unit_of_work
from citysteward.flood.services.common import _can_declare, _can_read, _can_record, _enum, _event, _text, _unit
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import Conflict, InvalidInput, NotFound
from citysteward.org.services import accounts
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.tickets import TicketLevel, TicketSource
from citysteward.supervision.services.tickets import issue_in


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
