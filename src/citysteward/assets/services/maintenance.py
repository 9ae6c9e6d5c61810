"""Maintenance work (养护作业): record work orders with quantities, night lighting checks, and the
totals and report built from them (monthly and campaign-to-date, per type, unit and district)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from citysteward.assets.domain.maintenance import (
    WORK_UNIT,
    LightingRate,
    Quantity,
    Totals,
    WorkOrder,
    WorkOrigin,
    WorkStatus,
    WorkType,
    check_lighting,
    check_order,
    lighting_rates,
    report_sentence,
    totals_from_rows,
)
from citysteward.assets.ports import unit_of_work
from citysteward.assets.services.roads import config
from citysteward.geography import services as geography_services
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden, InvalidInput, NotFound
from citysteward.kernel.text import clean_text
from citysteward.org.services import accounts
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime

RECORDERS = frozenset({Role.ADMIN, Role.DISPATCHER, Role.UNIT, Role.SYSTEM})
READERS = frozenset({Role.ADMIN, Role.DISPATCHER, Role.UNIT, Role.SYSTEM, Role.SUPERVISOR, Role.LEADER,
                     Role.SHIFT_LEADER, Role.ACCEPTOR, Role.INSPECTOR, Role.HOTLINE})


@dataclass(frozen=True, slots=True)
class WorkInput:
    title: str
    quantities: Sequence[Mapping[str, Any]]
    status: str = "done"
    unit_id: int | None = None
    district_code: str | None = None
    planned_on: date | None = None
    done_at: datetime | None = None
    team: str = ""
    crew: int = 0
    equipment: str = ""
    road_id: int | None = None
    component_id: int | None = None
    note: str = ""


def record_work(rt: Runtime, actor: Actor, data: WorkInput) -> WorkOrder:
    """A unit records its own work; the dispatcher and administrators record any unit's."""
    if actor.role not in RECORDERS:
        raise Forbidden("无权登记养护作业")
    unit_id = data.unit_id
    if actor.role is Role.UNIT:
        if unit_id not in (None, actor.unit_id):
            raise Forbidden("责任单位只能登记本单位的养护作业")
        unit_id = actor.unit_id
    if data.status not in WorkStatus._value2member_map_:
        raise InvalidInput(f"作业状态「{data.status}」无效", {"field": "status"})
    status = WorkStatus(data.status)
    if data.done_at is not None and data.done_at.tzinfo is None:
        raise InvalidInput("完成时间需带时区（如 2026-11-17T10:00:00+08:00）", {"field": "done_at"})
    done_at = data.done_at or (rt.now() if status is WorkStatus.DONE else None)
    if done_at is not None and done_at > rt.now() + timedelta(minutes=5):
        raise InvalidInput("完成时间不能晚于现在", {"field": "done_at"})
    order = WorkOrder(
        title=clean_text(data.title or "", field="title", label="作业名称").strip()[:200],
        origin=WorkOrigin.PLANNED, status=status, unit_id=unit_id,
        district_code=(data.district_code or "").strip() or None, planned_on=data.planned_on,
        done_at=done_at if status is WorkStatus.DONE else None,
        quantities=tuple(Quantity.parse(q, f"第 {i} 行：") for i, q in enumerate(data.quantities, start=1)),
        team=clean_text(data.team or "", field="team", label="班组").strip()[:100], crew=int(data.crew or 0),
        equipment=clean_text(data.equipment or "", field="equipment", label="设备").strip()[:200],
        road_id=data.road_id, component_id=data.component_id,
        note=clean_text(data.note or "", multiline=True, field="note", label="备注").strip()[:1000],
        created_by=actor.name[:64])
    check_order(order)
    with unit_of_work(rt) as uow:
        if unit_id is not None and uow.org.unit(unit_id) is None:
            raise InvalidInput(f"单位 {unit_id} 不存在", {"field": "unit_id"})
        road = uow.assets.road(data.road_id) if data.road_id else None
        if data.road_id and road is None:
            raise InvalidInput(f"道路 {data.road_id} 不存在", {"field": "road_id"})
        if data.component_id and uow.assets.component(data.component_id) is None:
            raise InvalidInput(f"部件 {data.component_id} 不存在", {"field": "component_id"})
        if order.district_code is None and road is not None:
            order = replace(order, district_code=road.district_code)
        oid = uow.assets.add_work_order(order, rt.now())
        if data.component_id and status is WorkStatus.DONE:
            uow.assets.add_history([{"component_id": data.component_id, "at": done_at, "kind": "work",
                                     "work_order_id": oid, "note": order.title[:400], "actor": actor.name[:64]}])
        record_change(rt, uow, actor, "work_order", oid, "create", None,
                      {"title": order.title, "unit_id": unit_id,
                       "quantities": [[q.work_type.value, q.amount] for q in order.quantities]})
        uow.commit()
    return replace(order, id=oid, no=f"YH{oid:07d}")


def get_work(rt: Runtime, order_id: int) -> WorkOrder:
    with unit_of_work(rt, readonly=True) as uow:
        o = uow.assets.work_order(order_id)
    if o is None:
        raise NotFound(f"养护作业 {order_id} 不存在")
    return o


def list_work(rt: Runtime, actor: Actor, status: str | None = None, unit_id: int | None = None,
              page: int = 1, page_size: int = 50) -> tuple[list[WorkOrder], int]:
    _check_reader(actor)
    if actor.role is Role.UNIT:
        unit_id = actor.unit_id
    page_size = max(1, min(page_size, 200))
    with unit_of_work(rt, readonly=True) as uow:
        return uow.assets.work_orders(status or None, unit_id, None, page_size, (max(page, 1) - 1) * page_size)


def _check_reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise Forbidden("无权查看养护作业")


# ---- periods and totals ------------------------------------------------------------------------------


def month_bounds(rt: Runtime, month: str) -> tuple[datetime, datetime]:
    """A calendar month ("2026-07") in the city's time zone, as UTC instants [start, end)."""
    try:
        y, m = (int(x) for x in month.split("-"))
        start = date(y, m, 1)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"月份「{month}」应为 YYYY-MM", {"field": "month"}) from exc
    end = date(y + (m == 12), m % 12 + 1, 1)
    return local_bounds(rt, start, end)


def local_bounds(rt: Runtime, start: date, end: date) -> tuple[datetime, datetime]:
    """Local days [start, end) as UTC instants."""
    tz = rt.settings.tz
    return datetime.combine(start, time(), tz), datetime.combine(end, time(), tz)


def totals(rt: Runtime, start: datetime, end: datetime, unit_id: int | None = None,
           district_code: str | None = None) -> Totals:
    with unit_of_work(rt, readonly=True) as uow:
        return totals_from_rows(uow.assets.work_totals(start, end, None, unit_id, district_code))


def totals_by(rt: Runtime, start: datetime, end: datetime, by: str) -> dict[Any, Totals]:
    """Totals per unit (`unit_id`) or district (`district_code`)."""
    if by not in ("unit_id", "district_code"):
        raise InvalidInput("分组只能按单位（unit_id）或区（district_code）")
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.assets.work_totals(start, end, by, None, None)
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for r in rows:
        grouped.setdefault(r["key"], []).append(r)
    return {k: totals_from_rows(v) for k, v in grouped.items()}


def record_lighting_check(rt: Runtime, actor: Actor, road_id: int, checked_on: date, lamps: int, dark: int,
                          method: str = "night_patrol", note: str = "") -> int:
    if actor.role not in RECORDERS | {Role.INSPECTOR}:
        raise Forbidden("无权登记亮灯检查")
    check_lighting(lamps, dark)
    if method not in ("night_patrol", "controller"):
        raise InvalidInput("检查方式应为夜巡（night_patrol）或单灯/回路控制器（controller）", {"field": "method"})
    with unit_of_work(rt) as uow:
        if uow.assets.road(road_id) is None:
            raise InvalidInput(f"道路 {road_id} 不存在", {"field": "road_id"})
        cid = uow.assets.add_lighting_check({"checked_on": checked_on, "road_id": road_id, "lamps": lamps,
                                             "dark": dark, "method": method, "note": note[:200],
                                             "created_at": rt.now()})
        uow.commit()
    return cid


def lighting(rt: Runtime, start: date, end: date) -> list[LightingRate]:
    """亮灯率 per road class over the checks of [start, end] against the configured targets."""
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.assets.lighting_rows(start, end)
    return lighting_rates(rows, config(rt).lighting)


# ---- the report -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MaintenanceReport:
    title: str
    period: str
    month: Totals
    to_date: Totals
    to_date_since: date
    by_unit: list[tuple[str, Totals]]
    by_district: list[tuple[str, Totals]]
    lighting: list[LightingRate]
    types: list[WorkType] = field(default_factory=lambda: list(WorkType))

    @property
    def sentence(self) -> str:
        return report_sentence(self.month)

    @property
    def to_date_sentence(self) -> str:
        return report_sentence(self.to_date)


def report(rt: Runtime, actor: Actor, month: str, since: date | None = None) -> MaintenanceReport:
    """The month's maintenance report; `since` starts the campaign-to-date figures (default: 1 January)."""
    _check_reader(actor)
    start, end = month_bounds(rt, month)
    local_start = start.astimezone(rt.settings.tz).date()
    since = since or date(local_start.year, 1, 1)
    if since > local_start:
        raise InvalidInput("累计起始日期不能晚于报告月份", {"field": "since"})
    names = accounts.unit_names(rt)
    areas = geography_services.area_names(rt)
    by_unit = sorted(((names.get(k, "未指定单位") if k else "未指定单位", v)
                      for k, v in totals_by(rt, start, end, "unit_id").items()), key=lambda kv: kv[0])
    by_district = sorted(((areas.get(k, k) if k else "未指定区", v)
                          for k, v in totals_by(rt, start, end, "district_code").items()), key=lambda kv: kv[0])
    last_day = (end.astimezone(rt.settings.tz) - timedelta(days=1)).date()
    return MaintenanceReport(
        title=f"{rt.settings.city_name}市政设施养护情况（{month}）",
        period=month, month=totals(rt, start, end), to_date=totals(rt, *local_bounds(rt, since, last_day + timedelta(days=1))),
        to_date_since=since, by_unit=by_unit, by_district=by_district,
        lighting=lighting(rt, local_start, last_day))


def paper_section(rt: Runtime, start: datetime, end: datetime, first: date, last: date) -> dict[str, Any]:
    """The maintenance part of the daily sheet and the monthly bulletin (evaluation/papers): the period's
    work by type, its sentence, and 亮灯率 against the targets."""
    t = totals(rt, start, end)
    rows: list[list[Any]] = [[wt.label, WORK_UNIT[wt], _plain(t.amounts.get(wt, 0.0))] for wt in WorkType
                             if t.amounts.get(wt)]
    rates = lighting(rt, first, last)
    lit = "；".join(f"{x.road_class.label}亮灯率 {x.rate:.2f}%（目标 {x.target:g}%，{'达标' if x.meets else '未达标'}）"
                   for x in rates if x.rate is not None)
    return {"title": "市政设施养护", "columns": ["作业类型", "计量单位", "数量"], "rows": rows,
            "lead": report_sentence(t), "note": f"{lit}。" if lit else ""}


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 1)
