"""Components on cases, called inside the case's own transaction: link, close, state changes."""

from __future__ import annotations

from datetime import datetime

from citysteward.assets.domain.components import (
    Component,
    ComponentState,
    HistoryKind,
    component_state,
    state_after_case,
)
from citysteward.assets.domain.maintenance import WORK_OF_CLASS, Quantity, WorkOrder, WorkOrigin, WorkStatus
from citysteward.assets.ports import AssetsUnitOfWork, unit_of_work
from citysteward.assets.services.components.importing import _with
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden, InvalidInput, NotFound
from citysteward.kernel.text import clean_text
from citysteward.platform.runtime import Runtime

# ---- cases on components (called inside the case's own transaction) ----------------------------------


def check_component(rt: Runtime, component_id: int, category_code: str) -> Component:
    """A report may name the component it is about: it must exist and be of the category's class
    (category 01037 路灯异常 or BJ01037 路灯 → class 01037)."""
    with unit_of_work(rt, readonly=True) as uow:
        c = uow.assets.component(component_id)
    if c is None:
        raise InvalidInput(f"部件 {component_id} 不存在", {"field": "component_id"})
    if category_code.removeprefix("BJ") != c.class_code:
        raise InvalidInput(f"部件「{c.name}」（类别 {c.class_code}）与问题类别 {category_code} 不符",
                           {"field": "component_id"})
    return c


def link_case(uow: AssetsUnitOfWork, component_id: int, case_id: int, case_no: str, at: datetime,
              actor_name: str) -> None:
    """A case about a component marks it damaged (破损) until the case is closed."""
    c = uow.assets.component(component_id)
    if c is None:
        raise InvalidInput(f"部件 {component_id} 不存在", {"field": "component_id"})
    to = ComponentState.DAMAGED if c.state is ComponentState.INTACT else c.state
    uow.assets.add_history([{"component_id": component_id, "at": at, "kind": HistoryKind.CASE_LINKED.value,
                             "state_from": c.state.value, "state_to": to.value, "case_id": case_id,
                             "case_no": case_no, "note": "案件上报", "actor": actor_name[:64]}])
    if to is not c.state:
        uow.assets.set_state(component_id, to, at)


def case_closed(uow: AssetsUnitOfWork, case_id: int, case_no: str, at: datetime, actor_name: str,
                unit_id: int | None, district_code: str | None) -> list[int]:
    """Closing a case repairs its components: state back to intact (完好), a history line, and a work
    order of the repair (one lamp repaired …) counted in the maintenance totals. Returns the ids."""
    ids = uow.assets.components_of_case(case_id)
    for cid in ids:
        c = uow.assets.component(cid)
        if c is None:
            continue
        to = state_after_case(c.state)
        work_type = WORK_OF_CLASS.get(c.class_code)
        order_id = None
        if work_type is not None:
            order_id = uow.assets.add_work_order(WorkOrder(
                title=f"{c.name}维修（案件 {case_no}）", origin=WorkOrigin.CASE, status=WorkStatus.DONE,
                unit_id=unit_id, district_code=district_code, planned_on=None, done_at=at,
                quantities=(Quantity(work_type, 1),), component_id=cid, road_id=c.road_id, case_no=case_no,
                created_by=actor_name[:64]), at)
        uow.assets.add_history([{"component_id": cid, "at": at, "kind": HistoryKind.CASE_CLOSED.value,
                                 "state_from": c.state.value, "state_to": to.value, "case_id": case_id,
                                 "case_no": case_no, "work_order_id": order_id, "note": "案件结案，部件修复",
                                 "actor": actor_name[:64]}])
        if to is not c.state:
            uow.assets.set_state(cid, to, at)
    return ids


def case_components(rt: Runtime, case_id: int) -> list[Component]:
    with unit_of_work(rt, readonly=True) as uow:
        return [c for cid in uow.assets.components_of_case(case_id) if (c := uow.assets.component(cid))]


def set_state(rt: Runtime, actor: Actor, component_id: int, state: str, note: str = "") -> Component:
    if actor.role not in (Role.ADMIN, Role.UNIT, Role.DISPATCHER):
        raise Forbidden("无权修改部件状态")
    new = component_state(state)
    with unit_of_work(rt) as uow:
        c = uow.assets.component(component_id)
        if c is None:
            raise NotFound(f"部件 {component_id} 不存在")
        now = rt.now()
        uow.assets.set_state(component_id, new, now)
        uow.assets.add_history([{"component_id": component_id, "at": now, "kind": HistoryKind.STATE.value,
                                 "state_from": c.state.value, "state_to": new.value,
                                 "note": clean_text(note, field="note", label="说明")[:400], "actor": actor.name[:64]}])
        uow.commit()
    return _with(c, state=new)
