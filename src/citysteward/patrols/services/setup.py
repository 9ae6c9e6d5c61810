"""Who patrols where: the patrol rules (settings), inspectors bound to grids or streets, the duty
roster with each day's plan, and the shift leader's reassignment of a task (改派)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from citysteward.geography import services as geography_services
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden, InvalidInput, NotFound
from citysteward.kernel.periods import check_day
from citysteward.org.services import settings
from citysteward.org.services.audit import record_change
from citysteward.patrols.domain.config import PatrolConfig
from citysteward.patrols.domain.duty import STATE_TASK, RosterEntry, TaskKind, shift_bounds
from citysteward.patrols.ports import PatrolsUnitOfWork, unit_of_work
from citysteward.platform.runtime import Runtime

SETTINGS_KEY = "patrols"
MANAGERS = frozenset({Role.SHIFT_LEADER, Role.ADMIN, Role.SUPERVISOR, Role.LEADER})
REASSIGNERS = frozenset({Role.SHIFT_LEADER, Role.ADMIN})


def config(rt: Runtime) -> PatrolConfig:
    return settings.load(rt, SETTINGS_KEY, PatrolConfig.from_dict)


def set_config(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    return settings.replace(rt, actor, SETTINGS_KEY, data, PatrolConfig.from_dict)


def require_manager(actor: Actor) -> None:
    if actor.role not in MANAGERS:
        raise Forbidden("需要值班长、督查员、领导或系统管理员权限")


def _inspector(uow: PatrolsUnitOfWork, user_id: int) -> dict[str, Any]:
    user = uow.org.user(user_id)
    if user is None or user["role"] != Role.INSPECTOR.value:
        raise NotFound(f"监督员 {user_id} 不存在", {"field": "user_id"})
    return user


def _check_areas(rt: Runtime, codes: Sequence[str]) -> list[str]:
    names = geography_services.area_names(rt)
    grids = geography_services.grid_index(rt)
    out = []
    for code in dict.fromkeys(c.strip() for c in codes):
        if len(code) == 15 and code in grids:
            out.append(code)
        elif len(code) == 9 and code in names:
            out.append(code)
        else:
            raise InvalidInput(f"{code!r} 不是本市的网格（15 位）或街道（9 位）编码", {"field": "area_codes"})
    return out


def bind(rt: Runtime, actor: Actor, user_id: int, area_codes: Sequence[str]) -> dict[str, Any]:
    """Replace an inspector's grids and streets (责任网格)."""
    require_manager(actor)
    codes = _check_areas(rt, area_codes)
    with unit_of_work(rt) as uow:
        _inspector(uow, user_id)
        before = [b.area_code for b in uow.patrols.bindings(user_id=user_id)]
        uow.patrols.set_bindings(user_id, codes)
        record_change(rt, uow, actor, "patrol_bindings", user_id, "update", before, codes)
        uow.commit()
    return {"user_id": user_id, "area_codes": codes}


def inspectors(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    require_manager(actor)
    names = geography_services.area_names(rt)
    with unit_of_work(rt, readonly=True) as uow:
        people = uow.patrols.inspectors()
        bindings = uow.patrols.bindings()
    by_user: dict[int, list[str]] = {}
    for b in bindings:
        by_user.setdefault(b.user_id, []).append(b.area_code)
    return [{**p, "areas": [{"code": c, "name": names.get(c, c)} for c in by_user.get(p["id"], [])]} for p in people]


@dataclass(frozen=True, slots=True)
class RosterInput:
    user_id: int
    day: date
    shift: str
    grid_codes: tuple[str, ...] = ()
    passes: int = 1


def put_roster(rt: Runtime, actor: Actor, items: Sequence[RosterInput]) -> dict[str, Any]:
    """Add or replace roster entries (one per inspector, day and shift), all or nothing."""
    require_manager(actor)
    if not items:
        raise InvalidInput("排班不能为空", {"field": "entries"})
    cfg = config(rt)
    tz = rt.settings.tz
    entries = []
    for i, item in enumerate(items, start=1):
        shift = cfg.shifts.get(item.shift)
        if shift is None:
            raise InvalidInput(f"第 {i} 条排班的班次 {item.shift!r} 不存在（可选 {'、'.join(cfg.shifts)}）",
                               {"field": "shift", "index": i})
        if not 1 <= item.passes <= 24:
            raise InvalidInput(f"第 {i} 条排班的巡查频次应在 1–24 次之间", {"field": "passes", "index": i})
        check_day(item.day)
        grids = [c for c in _check_areas(rt, item.grid_codes) if len(c) == 15]
        start, end = shift_bounds(item.day, shift, tz)
        entries.append(RosterEntry(item.user_id, item.day, item.shift, start, end, tuple(grids), item.passes))
    with unit_of_work(rt) as uow:
        for uid in {e.user_id for e in entries}:
            _inspector(uow, uid)
        n = uow.patrols.put_roster(entries)
        record_change(rt, uow, actor, "patrol_roster", "*", "update", None,
                      [{"user_id": e.user_id, "day": e.day.isoformat(), "shift": e.shift, "grids": list(e.grid_codes)}
                       for e in entries])
        uow.commit()
    return {"saved": n}


def roster(rt: Runtime, actor: Actor, first: date, last: date) -> list[dict[str, Any]]:
    if actor.role is not Role.INSPECTOR:
        require_manager(actor)
    if (last - first).days > 62 or last < first:
        raise InvalidInput("排班查询区间应在 1–62 天之间", {"field": "date_to"})
    cfg = config(rt)
    with unit_of_work(rt, readonly=True) as uow:
        entries = uow.patrols.roster(first, last, actor.user_id if actor.role is Role.INSPECTOR else None)
        names = {p["id"]: p["display_name"] for p in uow.patrols.inspectors()}
    return [{"id": e.id, "user_id": e.user_id, "name": names.get(e.user_id, ""), "day": e.day.isoformat(),
             "shift": e.shift, "shift_label": cfg.shifts[e.shift].label if e.shift in cfg.shifts else e.shift,
             "starts_at": e.starts_at, "ends_at": e.ends_at, "grid_codes": list(e.grid_codes), "passes": e.passes}
            for e in entries]


def delete_roster(rt: Runtime, actor: Actor, entry_id: int) -> None:
    require_manager(actor)
    with unit_of_work(rt) as uow:
        if not uow.patrols.delete_roster(entry_id):
            raise NotFound(f"排班 {entry_id} 不存在")
        record_change(rt, uow, actor, "patrol_roster", entry_id, "delete", None, None)
        uow.commit()


def reassign(rt: Runtime, actor: Actor, case_no: str, user_id: int, note: str = "") -> dict[str, Any]:
    """改派: the task the case now waits for (核实 or 核查) goes to this inspector."""
    if actor.role not in REASSIGNERS:
        raise Forbidden("只有值班长可以改派核实、核查任务")
    with unit_of_work(rt) as uow:
        case = uow.patrols.case_for_task(case_no)
        if case is None:
            raise NotFound(f"案件 {case_no} 不存在")
        kind = STATE_TASK.get(case["state"])
        if kind is None:
            raise InvalidInput(f"案件 {case_no} 当前不在待核实或待核查环节，无需改派", {"field": "case_no"})
        _inspector(uow, user_id)
        uow.patrols.add_reassignment({"case_id": case["id"], "kind": kind.value, "user_id": user_id,
                                      "by_name": actor.name, "at": rt.now(), "note": note.strip()[:200]})
        record_change(rt, uow, actor, "patrol_task", case_no, "update", None, {"kind": kind.value, "user_id": user_id})
        uow.commit()
    return {"case_no": case_no, "kind": kind.value, "kind_label": TaskKind(kind).label, "user_id": user_id}
