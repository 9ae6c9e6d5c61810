"""The case state machine (案件生命周期): one table of (state, action) -> (next state, roles).

Nothing else changes a case's state. `apply_action` checks the table and the guards, applies the
action's effects to the case and returns the event to append. Source: standards/STANDARDS.md
("The closed loop" and "Side flows"); DESIGN.md ("The case lifecycle").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from citysteward.cases.domain.case import Case, Event
from citysteward.cases.domain.model import Action, CaseState, PendingRequest, Satisfaction
from citysteward.kernel import deadlines
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.calendar import WorkCalendar
from citysteward.kernel.errors import Forbidden, IllegalTransition, InvalidInput
from citysteward.kernel.timelimit import LimitUnit, TimeLimit

S, A, R = CaseState, Action, Role
INTAKE = frozenset({R.ACCEPTOR, R.SHIFT_LEADER})
DISPATCH = frozenset({R.DISPATCHER, R.SHIFT_LEADER})
UNIT = frozenset({R.UNIT})
WATCH = frozenset({R.SUPERVISOR, R.LEADER, R.DISPATCHER, R.SHIFT_LEADER, R.SYSTEM})
PUBLIC = frozenset({R.CITIZEN, R.HOTLINE, R.INSPECTOR})
STAFF = frozenset(r for r in Role if r not in (R.CITIZEN, R.SYSTEM))

# (state, action) -> (next state or None to stay, roles allowed). The one table.
_T: dict[tuple[CaseState, Action], tuple[CaseState | None, frozenset[Role]]] = {
    (S.REPORTED, A.ACCEPT): (S.PENDING_VERIFY, INTAKE),
    (S.REPORTED, A.REGISTER): (S.REGISTERED, INTAKE),
    (S.REPORTED, A.VOID): (S.VOIDED, INTAKE),
    (S.REPORTED, A.REJECT): (S.REJECTED, INTAKE),
    (S.REPORTED, A.MERGE): (S.MERGED, INTAKE),
    (S.REPORTED, A.SELF_HANDLE): (S.CHECKED, frozenset({R.INSPECTOR})),
    (S.REPORTED, A.ME_TOO): (None, PUBLIC),
    (S.PENDING_VERIFY, A.VERIFY): (S.VERIFIED, frozenset({R.INSPECTOR})),
    (S.PENDING_VERIFY, A.REFUTE): (S.VOIDED, frozenset({R.INSPECTOR})),
    (S.PENDING_VERIFY, A.VOID): (S.VOIDED, INTAKE),
    (S.PENDING_VERIFY, A.MERGE): (S.MERGED, INTAKE),
    (S.PENDING_VERIFY, A.ME_TOO): (None, PUBLIC),
    (S.VERIFIED, A.REGISTER): (S.REGISTERED, INTAKE),
    (S.VERIFIED, A.VOID): (S.VOIDED, INTAKE),
    (S.VERIFIED, A.REJECT): (S.REJECTED, INTAKE),
    (S.VERIFIED, A.MERGE): (S.MERGED, INTAKE),
    (S.VERIFIED, A.ME_TOO): (None, PUBLIC),
    (S.REGISTERED, A.DISPATCH): (S.DISPATCHED, DISPATCH),
    (S.REGISTERED, A.VOID): (S.VOIDED, frozenset({R.SHIFT_LEADER})),
    (S.REGISTERED, A.MERGE): (S.MERGED, INTAKE | DISPATCH),
    (S.REGISTERED, A.ME_TOO): (None, PUBLIC),
    (S.DISPATCHED, A.ACCEPT_TASK): (S.IN_PROGRESS, UNIT),
    (S.DISPATCHED, A.HANDLE): (S.HANDLED, UNIT),
    (S.IN_PROGRESS, A.HANDLE): (S.HANDLED, UNIT),
    (S.IN_PROGRESS, A.REQUEST_SUSPEND): (None, UNIT),
    (S.IN_PROGRESS, A.APPROVE_SUSPEND): (S.SUSPENDED, DISPATCH),
    (S.IN_PROGRESS, A.DENY_SUSPEND): (None, DISPATCH),
    (S.SUSPENDED, A.RESUME): (S.IN_PROGRESS, DISPATCH),
    (S.HANDLED, A.CHECK_PASS): (S.CHECKED, frozenset({R.INSPECTOR})),
    (S.HANDLED, A.CHECK_FAIL): (S.DISPATCHED, frozenset({R.INSPECTOR})),
    (S.CHECKED, A.CLOSE): (S.CLOSED, frozenset({R.SHIFT_LEADER})),
    (S.CHECKED, A.CHECK_FAIL): (S.DISPATCHED, frozenset({R.SHIFT_LEADER})),
    (S.CLOSED, A.RATE): (None, frozenset({R.CITIZEN, R.HOTLINE})),
    (S.CLOSED, A.REOPEN): (S.HANDLED, frozenset({R.CITIZEN, R.HOTLINE})),
}
# Requests that wait for the dispatcher, and supervision, while the unit holds the case.
for _state in (S.DISPATCHED, S.IN_PROGRESS):
    _T[(_state, A.REQUEST_EXTENSION)] = (None, UNIT)
    _T[(_state, A.APPROVE_EXTENSION)] = (None, DISPATCH)
    _T[(_state, A.DENY_EXTENSION)] = (None, DISPATCH)
    _T[(_state, A.REQUEST_RETURN)] = (None, UNIT)
    _T[(_state, A.APPROVE_RETURN)] = (S.REGISTERED, DISPATCH)
    _T[(_state, A.DENY_RETURN)] = (None, DISPATCH)
    _T[(_state, A.REMIND)] = (None, WATCH)
    _T[(_state, A.SUPERVISE)] = (None, WATCH)
    _T[(_state, A.OVERDUE)] = (None, frozenset({R.SYSTEM}))
    _T[(_state, A.ME_TOO)] = (None, PUBLIC)
for _state in CaseState:
    _T[(_state, A.COMMENT)] = (None, STAFF | {R.SYSTEM})  # the system notes too: a sensor's readings

TRANSITIONS: Mapping[tuple[CaseState, Action], tuple[CaseState | None, frozenset[Role]]] = _T

# Actions that need a written reason (作废、不予受理、回退… must say why).
NOTE_REQUIRED = frozenset(
    {A.VOID, A.REJECT, A.REFUTE, A.HANDLE, A.CHECK_FAIL, A.REQUEST_EXTENSION, A.REQUEST_RETURN,
     A.REQUEST_SUSPEND, A.DENY_EXTENSION, A.DENY_RETURN, A.DENY_SUSPEND, A.REOPEN, A.COMMENT}
)
_REQUEST_OF = {
    A.APPROVE_EXTENSION: PendingRequest.EXTENSION,
    A.DENY_EXTENSION: PendingRequest.EXTENSION,
    A.APPROVE_RETURN: PendingRequest.RETURN,
    A.DENY_RETURN: PendingRequest.RETURN,
    A.APPROVE_SUSPEND: PendingRequest.SUSPEND,
    A.DENY_SUSPEND: PendingRequest.SUSPEND,
}
_REQUEST_BY = {
    A.REQUEST_EXTENSION: PendingRequest.EXTENSION,
    A.REQUEST_RETURN: PendingRequest.RETURN,
    A.REQUEST_SUSPEND: PendingRequest.SUSPEND,
}


@dataclass(frozen=True, slots=True)
class ActionParams:
    """What an action may carry; each action reads the fields it needs."""

    note: str = ""
    unit_id: int | None = None
    assisting_unit_ids: tuple[int, ...] = ()
    override_reason: str = ""
    extension: TimeLimit | None = None
    merged_into: str | None = None
    satisfaction: Satisfaction | None = None
    photo_ids: tuple[int, ...] = ()
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Timing:
    """What the clock needs: the working calendar and the case's handling limit."""

    calendar: WorkCalendar
    limit: TimeLimit | None = None


def allowed_actions(case: Case, actor: Actor) -> list[Action]:
    """The actions this actor may take on this case now (drives the buttons on the case page)."""
    out = []
    for (state, action), (_next, roles) in TRANSITIONS.items():
        if state is case.state and actor.role in roles:
            try:
                _state_guard(case, action, actor)
            except (Forbidden, IllegalTransition, InvalidInput):
                continue
            out.append(action)
    return out


def check_allowed(case: Case, action: Action, actor: Actor) -> CaseState | None:
    """The next state (None: unchanged), or why not."""
    entry = TRANSITIONS.get((case.state, action))
    if entry is None:
        raise IllegalTransition(
            f"案件当前状态为「{case.state.label}」，不能执行「{action.label}」",
            {"state": case.state.value, "action": action.value},
        )
    next_state, roles = entry
    if actor.role not in roles:
        raise Forbidden(
            f"「{actor.role.label}」无权执行「{action.label}」",
            {"role": actor.role.value, "action": action.value, "allowed": sorted(r.value for r in roles)},
        )
    return next_state


def _state_guard(case: Case, action: Action, actor: Actor) -> None:
    """Conditions on the case and the actor (decide which buttons a person sees)."""
    if actor.role is R.UNIT and action in (A.ACCEPT_TASK, A.HANDLE, *_REQUEST_BY):
        if actor.unit_id is None or actor.unit_id != case.main_unit_id:
            raise Forbidden("只有主办单位可以办理此案件", {"main_unit_id": case.main_unit_id})
    if action in _REQUEST_BY and case.pending_request is not None:
        raise IllegalTransition(f"已有待审批的申请：{case.pending_request.label}")
    if action in _REQUEST_OF and case.pending_request is not _REQUEST_OF[action]:
        raise IllegalTransition(f"没有待审批的{_REQUEST_OF[action].label[:4]}，不能执行「{action.label}」")
    if action is A.SELF_HANDLE and (actor.user_id is None or actor.user_id != case.reporter_user_id):
        raise Forbidden("只有上报该问题的监督员本人可以自处理")
    if action is A.RATE and case.satisfaction is not None:
        raise InvalidInput("每个案件只能评价一次")


def _input_guard(case: Case, action: Action, params: ActionParams) -> None:
    """Conditions on what the person filled in."""
    if action in NOTE_REQUIRED and not params.note.strip():
        raise InvalidInput(f"「{action.label}」需要填写说明", {"field": "note"})
    if action is A.DISPATCH and not params.unit_id:
        raise InvalidInput("派遣需要指定主办单位", {"field": "unit_id"})
    if action is A.RATE and params.satisfaction is None:
        raise InvalidInput("请选择满意度（满意/基本满意/不满意）", {"field": "satisfaction"})
    if action is A.MERGE and (not params.merged_into or params.merged_into == case.case_no):
        raise InvalidInput("合并需要指定另一个案件编号", {"field": "merged_into"})


def apply_action(
    case: Case, action: Action, actor: Actor, at: datetime, params: ActionParams, timing: Timing
) -> Event:
    """Check, apply and record one action. Mutates `case`; returns the event to append."""
    next_state = check_allowed(case, action, actor)
    _state_guard(case, action, actor)
    _input_guard(case, action, params)
    from_state = case.state
    payload: dict[str, Any] = dict(params.payload)
    effect = _EFFECTS.get(action)
    if effect is not None:
        payload.update(effect(case, actor, at, params, timing) or {})
    if action in _REQUEST_BY:
        case.pending_request = _REQUEST_BY[action]
        case.pending_payload = {"note": params.note, **payload}
    elif action in _REQUEST_OF:
        case.pending_request = None
        case.pending_payload = None
    if next_state is not None:
        case.state = next_state
    case.updated_at = at
    return Event(
        action=action,
        from_state=from_state,
        to_state=case.state,
        actor=actor,
        at=at,
        note=params.note.strip(),
        payload=payload,
        photo_ids=params.photo_ids,
        case_id=case.id,
    )


def _start_clock(case: Case, at: datetime, timing: Timing) -> dict[str, Any]:
    if timing.limit is None:
        raise InvalidInput("该类别未设置处置时限，无法派遣，请管理员先设置")
    case.limit = timing.limit
    case.dispatched_at = at
    case.deadline = deadlines.deadline_for(at, timing.limit, timing.calendar)
    case.limit_minutes = deadlines.limit_minutes(at, case.deadline, timing.limit, timing.calendar)
    case.light = deadlines.Light.GREEN.value
    case.overdue = False
    case.handled_at = None
    case.handled_on_time = None
    return {"deadline": case.deadline.isoformat(), "limit": timing.limit.to_dict()}


def _clock_kind(case: Case) -> deadlines.Clock:
    return "natural" if case.limit and case.limit.unit is LimitUnit.NATURAL_HOURS else "working"


def _register(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    case.registered_at = at
    return {}


def _dispatch(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    if case.suggested_unit_id and p.unit_id != case.suggested_unit_id and not p.override_reason.strip():
        raise InvalidInput("改派到非建议单位时需要说明理由", {"field": "override_reason"})
    case.main_unit_id = p.unit_id
    case.assisting_unit_ids = tuple(u for u in p.assisting_unit_ids if u != p.unit_id)
    out = _start_clock(case, at, t)
    out.update(unit_id=p.unit_id, assisting_unit_ids=list(case.assisting_unit_ids))
    if p.override_reason.strip():
        out["override_reason"] = p.override_reason.strip()
    return out


def _handle(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    case.handled_at = at
    case.handled_on_time = case.deadline is None or at <= case.deadline
    return {"on_time": case.handled_on_time}


def _check_fail(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    """返工: back to the same unit with a fresh limit."""
    case.rework_count += 1
    limit = case.limit or t.limit
    return _start_clock(case, at, Timing(t.calendar, limit))


def _close(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    case.closed_at = at
    return {}


def _approve_extension(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    requested = (case.pending_payload or {}).get("extension")
    extra = p.extension or (TimeLimit.from_dict(requested) if requested else None)
    if extra is None or case.deadline is None:
        raise InvalidInput("批准延期需要延期时长", {"field": "extension"})
    old = case.deadline
    case.deadline = deadlines.extend(old, extra, t.calendar)
    case.limit_minutes = (case.limit_minutes or 0) + deadlines.limit_minutes(old, case.deadline, extra, t.calendar)
    case.extension_count += 1
    case.light = deadlines.timer_light(at, case.deadline, case.limit_minutes, _clock_kind(case), t.calendar).value
    case.overdue = at > case.deadline
    return {"old_deadline": old.isoformat(), "deadline": case.deadline.isoformat(), "extension": extra.to_dict()}


def _request_extension(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    if p.extension is None:
        raise InvalidInput("申请延期需要填写延期时长", {"field": "extension"})
    return {"extension": p.extension.to_dict()}


def _approve_return(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    out = {"returned_by_unit": case.main_unit_id}
    case.main_unit_id = None
    case.assisting_unit_ids = ()
    case.deadline = case.dispatched_at = case.limit_minutes = None
    case.light = None
    case.overdue = False
    case.return_count += 1
    return out


def _approve_suspend(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    case.suspended_at = at
    return {}


def _resume(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    if case.suspended_at is None or case.deadline is None:
        return {}
    old = case.deadline
    case.deadline = deadlines.shift_for_suspension(old, case.suspended_at, at, _clock_kind(case), t.calendar)
    case.suspended_at = None
    return {"old_deadline": old.isoformat(), "deadline": case.deadline.isoformat()}


def _self_handle(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    case.registered_at = case.handled_at = at
    case.handled_on_time = True
    return {}


def _reopen(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    case.closed_at = None
    case.satisfaction = None
    case.reopen_count += 1
    return {}


def _rate(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    assert p.satisfaction is not None
    case.satisfaction = p.satisfaction
    return {"satisfaction": p.satisfaction.value}


def _merge(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    case.merged_into = p.merged_into
    return {"merged_into": p.merged_into}


def _me_too(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    case.me_too_count += 1
    return {}


def _overdue(case: Case, actor: Actor, at: datetime, p: ActionParams, t: Timing) -> dict[str, Any]:
    case.overdue = True
    case.light = deadlines.Light.RED.value
    return {}


_Effect = Callable[[Case, Actor, datetime, ActionParams, Timing], dict[str, Any]]
_EFFECTS: dict[Action, _Effect] = {
    A.REGISTER: _register,
    A.DISPATCH: _dispatch,
    A.HANDLE: _handle,
    A.CHECK_FAIL: _check_fail,
    A.CLOSE: _close,
    A.REQUEST_EXTENSION: _request_extension,
    A.APPROVE_EXTENSION: _approve_extension,
    A.APPROVE_RETURN: _approve_return,
    A.APPROVE_SUSPEND: _approve_suspend,
    A.RESUME: _resume,
    A.SELF_HANDLE: _self_handle,
    A.REOPEN: _reopen,
    A.RATE: _rate,
    A.MERGE: _merge,
    A.ME_TOO: _me_too,
    A.OVERDUE: _overdue,
}


def transition_table_markdown() -> str:
    """The table as documentation (docs/lifecycle.md is generated from this)."""
    lines = ["| 状态 state | 动作 action | 下一状态 next | 角色 roles |", "|---|---|---|---|"]
    for (state, action), (nxt, roles) in TRANSITIONS.items():
        if action is A.COMMENT:
            continue
        target = f"{nxt.label} `{nxt.value}`" if nxt else "（不变）"
        who = "、".join(r.label for r in Role if r in roles)
        lines.append(f"| {state.label} `{state.value}` | {action.label} `{action.value}` | {target} | {who} |")
    lines.append("| 任意 any | 备注 `comment` | （不变） | 所有工作人员 |")
    return "\n".join(lines) + "\n"
