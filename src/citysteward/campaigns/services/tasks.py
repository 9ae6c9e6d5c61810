"""Key-task ledger (民生实事 / 重点任务): tasks with an owner, milestones and monthly progress. A milestone
not done by its due day raises a supervision ticket to the owner (once); the monthly scheduling report
(月度调度) lists progress, milestones done and overdue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from citysteward.campaigns.domain import TaskLevel, milestone_overdue
from citysteward.campaigns.ports import unit_of_work
from citysteward.campaigns.services.setup import MANAGERS
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden, InvalidInput, NotFound
from citysteward.kernel.periods import parse_month
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.tickets import TicketLevel, TicketSource
from citysteward.supervision.services import tickets as ticket_service


@dataclass(frozen=True, slots=True)
class MilestoneInput:
    name: str
    due_on: date


@dataclass(frozen=True, slots=True)
class TaskInput:
    year: int
    level: str
    seq: int
    name: str
    target: str = ""
    owner_unit_id: int | None = None
    owner_name: str = ""
    milestones: tuple[MilestoneInput, ...] = ()


def add_task(rt: Runtime, actor: Actor, data: TaskInput) -> int:
    if actor.role not in MANAGERS and actor.role is not Role.SYSTEM:
        raise Forbidden(f"「{actor.role.label}」不能登记重点任务")
    try:
        level = TaskLevel(data.level)
    except ValueError as exc:
        raise InvalidInput("任务级别只能是 provincial（省定）或 municipal（市定）", {"field": "level"}) from exc
    if not data.name.strip():
        raise InvalidInput("请填写任务名称", {"field": "name"})
    if not 2000 <= data.year <= 2100:
        raise InvalidInput("年度有误", {"field": "year"})
    for m in data.milestones:
        if not m.name.strip():
            raise InvalidInput("节点名称不能为空", {"field": "milestones"})
        if m.due_on.year != data.year:
            raise InvalidInput(f"节点「{m.name}」的完成期限不在 {data.year} 年内", {"field": "milestones"})
    with unit_of_work(rt) as uow:
        if data.owner_unit_id is not None and uow.org.unit(data.owner_unit_id) is None:
            raise InvalidInput("责任单位不存在", {"field": "owner_unit_id"})
        tid = uow.key_tasks.add_task(
            {"year": data.year, "level": level.value, "seq": data.seq, "name": data.name.strip()[:200],
             "target": data.target.strip(), "owner_unit_id": data.owner_unit_id,
             "owner_name": data.owner_name.strip()[:100], "created_at": rt.now()},
            [{"seq": i, "name": m.name.strip()[:200], "due_on": m.due_on, "done_on": None}
             for i, m in enumerate(sorted(data.milestones, key=lambda m: m.due_on), start=1)])
        record_change(rt, uow, actor, "key_task", tid, "create", None, {"name": data.name, "level": level.value})
        uow.commit()
    return tid


def _may_report(actor: Actor, task: dict[str, Any]) -> None:
    if actor.role in MANAGERS or actor.role is Role.SYSTEM:
        return
    if actor.role is Role.UNIT and actor.unit_id is not None and actor.unit_id == task["owner_unit_id"]:
        return
    raise Forbidden("只有责任单位和督查人员可以填报进展")


def report_progress(rt: Runtime, actor: Actor, task_id: int, month: str, percent: int, note: str = "",
                    done_milestones: Sequence[int] = ()) -> None:
    """A month's progress (0–100 %), optionally marking milestones done today."""
    parse_month(month)
    if not 0 <= percent <= 100:
        raise InvalidInput("完成进度应在 0–100 之间", {"field": "percent"})
    today = rt.now().astimezone(rt.settings.tz).date()
    with unit_of_work(rt) as uow:
        task = uow.key_tasks.task(task_id)
        if task is None:
            raise NotFound("重点任务不存在")
        _may_report(actor, task)
        mine = {m["id"]: m for m in uow.key_tasks.milestones([task_id])}
        for mid in done_milestones:
            if mid not in mine:
                raise InvalidInput("节点不属于该任务", {"field": "done_milestones"})
            if mine[mid]["done_on"] is None:
                uow.key_tasks.set_milestone(mid, {"done_on": today})
        uow.key_tasks.put_progress(task_id, month, percent, note.strip()[:2000], rt.now(), actor.name or actor.role.label)
        uow.commit()


def raise_overdue(rt: Runtime, actor: Actor | None = None) -> list[str]:
    """Each overdue milestone without a ticket gets a white supervision ticket to its task's owner."""
    actor = actor or Actor.system("重点任务督办")
    today = rt.now().astimezone(rt.settings.tz).date()
    made = []
    with unit_of_work(rt) as uow:
        for m in uow.key_tasks.overdue_milestones(today):
            if m["ticket_id"] or not m["owner_unit_id"]:
                continue
            ticket = ticket_service.issue_in(
                uow, rt, rt.now(), actor, level=TicketLevel.WHITE, source=TicketSource.AUTO,
                title=f"重点任务节点逾期：{m['task_name']} · {m['name']}"[:200],
                content=f"「{m['task_name']}」节点「{m['name']}」应于 {m['due_on'].isoformat()} 完成，至今未完成，请加快推进并回复。",
                unit_ids=(m["owner_unit_id"],))
            uow.key_tasks.set_milestone(m["id"], {"ticket_id": ticket.id, "ticket_no": ticket.ticket_no})
            made.append(ticket.ticket_no)
        uow.commit()
    return made


def ledger(rt: Runtime, year: int, month: str) -> dict[str, Any]:
    """The monthly scheduling report (月度调度): every task with its month's progress and milestones."""
    parse_month(month)
    y, mo = parse_month(month)
    month_end = date(y + (mo == 12), mo % 12 + 1, 1)
    today = min(rt.now().astimezone(rt.settings.tz).date(), month_end)
    with unit_of_work(rt, readonly=True) as uow:
        tasks = uow.key_tasks.tasks(year)
        ids = [t["id"] for t in tasks]
        milestones = uow.key_tasks.milestones(ids)
        progress = uow.key_tasks.progress(ids)
        units = {u["id"]: u["name"] for u in uow.org.units()}
    by_task: dict[int, list[dict[str, Any]]] = {}
    for m in milestones:
        m["overdue"] = milestone_overdue(m["due_on"], m["done_on"], today)
        by_task.setdefault(m["task_id"], []).append(m)
    latest: dict[int, dict[str, Any]] = {}
    for p in progress:
        if p["month"] <= month:
            latest[p["task_id"]] = p
    rows = []
    for t in tasks:
        ms = by_task.get(t["id"], [])
        last = latest.get(t["id"])
        rows.append({**t, "level_label": TaskLevel(t["level"]).label,
                     "owner": units.get(t["owner_unit_id"] or 0, t["owner_name"]) or t["owner_name"],
                     "milestones": ms, "done": sum(m["done_on"] is not None for m in ms),
                     "overdue": sum(m["overdue"] for m in ms),
                     "percent": last["percent"] if last else 0, "progress_month": last["month"] if last else None,
                     "reported_this_month": bool(last and last["month"] == month),
                     "note": last["note"] if last else ""})
    summary = {lv.value: {"label": lv.label, "tasks": sum(r["level"] == lv.value for r in rows),
                          "finished": sum(r["level"] == lv.value and r["percent"] >= 100 for r in rows)}
               for lv in TaskLevel}
    return {"year": year, "month": month, "rows": rows, "summary": summary,
            "overdue_milestones": sum(r["overdue"] for r in rows),
            "not_reported": [r["name"] for r in rows if not r["reported_this_month"]]}
