"""The inspector's tasks (个人任务): 核实 of public reports and 核查 after a unit reported back, computed
from the roster and the bindings (domain/duty.py), nearest first, each with its timer light. The time
limits are the configured natural minutes of each step (the same figures the evaluation counts on-time
rates with); lights follow the kernel's deadline rule (green ≤ 80 %, yellow ≤ 100 %, red beyond)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from citysteward.catalogue import services as catalogue_services
from citysteward.kernel import deadlines
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden
from citysteward.patrols.domain.duty import STATE_TASK, TASK_STATE, Duty, Task, TaskKind, nearest_first
from citysteward.patrols.ports import PatrolsUnitOfWork, unit_of_work
from citysteward.patrols.services.setup import MANAGERS, config
from citysteward.platform.runtime import Runtime
from citysteward.worktime import services as worktime_services


def _tasks(rt: Runtime, uow: PatrolsUnitOfWork, streets: set[str] | None, now: datetime,
           extra_case_ids: list[int]) -> list[Task]:
    """The open tasks in these streets (None: the whole city) and those named, with who holds each."""
    cfg = config(rt)
    rows = uow.patrols.task_cases(sorted(streets) if streets is not None else None, list(TASK_STATE.values()),
                                  extra_case_ids)
    duty = Duty(uow.patrols.bindings(sorted((streets or set()) | {r["grid_code"][:9] for r in rows})), uow.patrols.roster_at(now),
                uow.patrols.reassignments([r["id"] for r in rows]))
    calendar = worktime_services.calendar(rt)
    out = []
    for r in rows:
        kind = STATE_TASK[r["state"]]
        minutes = cfg.verify_minutes if kind is TaskKind.VERIFY else cfg.check_minutes
        since = r["since"] or r["updated_at"]
        deadline = since + timedelta(minutes=minutes)
        light = deadlines.timer_light(now, deadline, minutes, "natural", calendar)
        who, why = duty.responsible(r["grid_code"], now, r["id"], kind)
        out.append(Task(r["id"], r["case_no"], kind, r["grid_code"], r["lon"], r["lat"], since, deadline, light,
                        who, why, r["version"], r["category_code"], r["description"][:80], r["address"]))
    return out


def my_tasks(rt: Runtime, actor: Actor, lon: float | None = None, lat: float | None = None) -> list[dict[str, Any]]:
    """This inspector's tasks, nearest first when the phone sends its position."""
    if actor.role is not Role.INSPECTOR or actor.user_id is None:
        raise Forbidden("只有监督员有核实、核查任务")
    now = rt.now()
    with unit_of_work(rt, readonly=True) as uow:
        mine = uow.patrols.bindings(user_id=actor.user_id)
        planned = {g[:9] for r in uow.patrols.roster_at(now) if r.user_id == actor.user_id for g in r.grid_codes}
        given = [case_id for (case_id, _kind) in uow.patrols.reassignments(user_id=actor.user_id)]
        tasks = _tasks(rt, uow, {b.street_code for b in mine} | planned, now, given)
    here = (lon, lat) if lon is not None and lat is not None else None
    return [_json(rt, t) for t in nearest_first((t for t in tasks if actor.user_id in t.assignees), here)]


def all_tasks(rt: Runtime, actor: Actor, street_code: str | None = None) -> list[dict[str, Any]]:
    """The shift leader's view: every open task and who holds it."""
    if actor.role not in MANAGERS:
        raise Forbidden("需要值班长、督查员、领导或系统管理员权限")
    now = rt.now()
    with unit_of_work(rt, readonly=True) as uow:
        tasks = _tasks(rt, uow, {street_code} if street_code else None, now, [])
        names = {p["id"]: p["display_name"] for p in uow.patrols.inspectors()}
    return [{**_json(rt, t), "assignee_names": [names.get(u, str(u)) for u in t.assignees]}
            for t in nearest_first(tasks, None)]


def _json(rt: Runtime, t: Task) -> dict[str, Any]:
    return {"case_no": t.case_no, "kind": t.kind.value, "kind_label": t.kind.label, "grid_code": t.grid_code,
            "lon": t.lon, "lat": t.lat, "since": t.since, "deadline": t.deadline, "light": t.light.value,
            "light_label": t.light.label, "assignees": list(t.assignees), "reason": t.reason, "version": t.version,
            "category_name": catalogue_services.catalogue(rt).name(t.category_code), "description": t.description,
            "address": t.address, "distance_m": t.distance_m}
