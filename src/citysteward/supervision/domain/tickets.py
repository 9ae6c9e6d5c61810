"""Supervision tickets (督导单) and their state machine; automatic escalation rules (督办).

A supervisor issues a ticket with a level (白色 / 黄色 / 红色) for one case, several cases or a place,
to one or more units (双交办), with a deadline. Every addressed unit replies; the supervisor accepts
the rectification (已整改) or sends it back (退回整改). A ticket still waiting for the units after its
deadline goes up one level (white → yellow → red) with a fresh deadline; a red one is marked overdue.
Source: DESIGN.md ("Around the cases"), GLOSSARY.md (督办 / 催办 / 督导单 / 挂牌督办).

Like domain/lifecycle.py, one table of (state, action) → (next state, roles) decides every move.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden, IllegalTransition, InvalidInput
from citysteward.kernel.labels import Labelled


class TicketLevel(Labelled):
    WHITE = "white"
    YELLOW = "yellow"
    RED = "red"

    @property
    def rank(self) -> int:
        return _LEVEL_ORDER.index(self)

    @property
    def next(self) -> TicketLevel | None:
        """The level an overdue ticket escalates to; None at the top."""
        i = self.rank
        return _LEVEL_ORDER[i + 1] if i + 1 < len(_LEVEL_ORDER) else None


TicketLevel.set_labels({
    "white": ("白色", "#adb5bd"),
    "yellow": ("黄色", "#ffc107"),
    "red": ("红色", "#dc3545"),
})
_LEVEL_ORDER = (TicketLevel.WHITE, TicketLevel.YELLOW, TicketLevel.RED)


class TicketState(Labelled):
    ISSUED = "issued"
    REPLIED = "replied"
    RETURNED = "returned"
    RECTIFIED = "rectified"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (TicketState.RECTIFIED, TicketState.CANCELLED)

    @property
    def waits_for_units(self) -> bool:
        """The units hold the ticket: its deadline runs and it can escalate."""
        return self in (TicketState.ISSUED, TicketState.RETURNED)


TicketState.set_labels({
    "issued": ("待整改", "#0d6efd"),
    "replied": ("待验收", "#d63384"),
    "returned": ("退回整改", "#fd7e14"),
    "rectified": ("已整改", "#198754"),
    "cancelled": ("已撤销", "#6c757d"),
})


class TicketAction(Labelled):
    ISSUE = "issue"
    REPLY = "reply"
    ACCEPT = "accept"
    SEND_BACK = "send_back"
    ESCALATE = "escalate"
    OVERDUE = "overdue"
    CANCEL = "cancel"


TicketAction.set_labels({
    "issue": ("下发督导单", "#0d6efd"),
    "reply": ("整改回复", "#d63384"),
    "accept": ("验收通过", "#198754"),
    "send_back": ("退回整改", "#fd7e14"),
    "escalate": ("逾期升级", "#dc3545"),
    "overdue": ("红色督导逾期", "#dc3545"),
    "cancel": ("撤销", "#6c757d"),
})


class TicketSource(Labelled):
    MANUAL = "manual"
    AUTO = "auto"
    HOTSPOT = "hotspot"


TicketSource.set_labels({
    "manual": ("督查下发", "#0d6efd"),
    "auto": ("红灯自动督办", "#dc3545"),
    "hotspot": ("难点点位挂牌", "#6f42c1"),
})

T, TA, R = TicketState, TicketAction, Role
ISSUERS = frozenset({R.SUPERVISOR, R.LEADER, R.ADMIN})
# (state, action) -> (next state, roles). REPLY's next state applies once every addressed unit has
# replied; until then the ticket stays where it is (双交办: both units must answer).
TICKET_TRANSITIONS: Mapping[tuple[TicketState, TicketAction], tuple[TicketState | None, frozenset[Role]]] = {
    (T.ISSUED, TA.REPLY): (T.REPLIED, frozenset({R.UNIT})),
    (T.RETURNED, TA.REPLY): (T.REPLIED, frozenset({R.UNIT})),
    (T.REPLIED, TA.ACCEPT): (T.RECTIFIED, ISSUERS),
    (T.REPLIED, TA.SEND_BACK): (T.RETURNED, ISSUERS),
    (T.ISSUED, TA.ESCALATE): (None, frozenset({R.SYSTEM})),
    (T.RETURNED, TA.ESCALATE): (None, frozenset({R.SYSTEM})),
    (T.ISSUED, TA.OVERDUE): (None, frozenset({R.SYSTEM})),
    (T.RETURNED, TA.OVERDUE): (None, frozenset({R.SYSTEM})),
    (T.ISSUED, TA.CANCEL): (T.CANCELLED, ISSUERS),
    (T.RETURNED, TA.CANCEL): (T.CANCELLED, ISSUERS),
    (T.REPLIED, TA.CANCEL): (T.CANCELLED, ISSUERS),
}
NOTE_REQUIRED = frozenset({TA.REPLY, TA.SEND_BACK, TA.CANCEL})


@dataclass(frozen=True, slots=True)
class SupervisionRules:
    """Configurable: how long each level gives the units, and what the deadline sweep does."""

    level_hours: Mapping[str, float] = field(
        default_factory=lambda: {"white": 72.0, "yellow": 48.0, "red": 24.0})
    auto_level: TicketLevel = TicketLevel.WHITE

    def hours_for(self, level: TicketLevel) -> float:
        return float(self.level_hours.get(level.value, 72.0))

    def deadline_for(self, level: TicketLevel, start: datetime) -> datetime:
        return start + timedelta(hours=self.hours_for(level))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> SupervisionRules:
        data = dict(data or {})
        hours = dict(cls().level_hours)
        for key, value in dict(data.get("level_hours") or {}).items():
            if key not in hours:
                raise InvalidInput(f"未知的督导级别：{key}", {"field": "level_hours"})
            if not isinstance(value, int | float) or value <= 0:
                raise InvalidInput("督导时限（小时）必须为正数", {"field": f"level_hours.{key}"})
            hours[key] = float(value)
        try:
            level = TicketLevel(data.get("auto_level", TicketLevel.WHITE.value))
        except ValueError as exc:
            raise InvalidInput("自动督办级别只能是 white、yellow 或 red", {"field": "auto_level"}) from exc
        return cls(level_hours=hours, auto_level=level)

    def to_dict(self) -> dict[str, Any]:
        return {"level_hours": dict(self.level_hours), "auto_level": self.auto_level.value}


@dataclass(slots=True)
class Ticket:
    ticket_no: str
    level: TicketLevel
    state: TicketState
    source: TicketSource
    title: str
    content: str
    issued_at: datetime
    deadline: datetime
    unit_ids: tuple[int, ...]
    issuer_name: str
    id: int | None = None
    version: int = 1
    issuer_id: int | None = None
    replies: dict[int, datetime | None] = field(default_factory=dict)
    case_ids: tuple[int, ...] = ()
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    hotspot_id: int | None = None
    escalations: int = 0
    overdue: bool = False
    closed_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def all_replied(self) -> bool:
        return all(self.replies.get(u) is not None for u in self.unit_ids)


@dataclass(frozen=True, slots=True)
class TicketEvent:
    action: TicketAction
    from_state: TicketState | None
    to_state: TicketState
    actor: Actor
    at: datetime
    note: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    ticket_id: int | None = None


def check_ticket_action(ticket: Ticket, action: TicketAction, actor: Actor) -> TicketState | None:
    entry = TICKET_TRANSITIONS.get((ticket.state, action))
    if entry is None:
        raise IllegalTransition(
            f"督导单当前状态为「{ticket.state.label}」，不能执行「{action.label}」",
            {"state": ticket.state.value, "action": action.value},
        )
    next_state, roles = entry
    if actor.role not in roles:
        raise Forbidden(f"「{actor.role.label}」无权执行「{action.label}」",
                        {"role": actor.role.value, "allowed": sorted(r.value for r in roles)})
    if actor.role is R.UNIT and (actor.unit_id is None or actor.unit_id not in ticket.unit_ids):
        raise Forbidden("该督导单未交办给本单位", {"unit_ids": list(ticket.unit_ids)})
    return next_state


def allowed_ticket_actions(ticket: Ticket, actor: Actor) -> list[TicketAction]:
    out = []
    for (state, action), (_next, roles) in TICKET_TRANSITIONS.items():
        if state is ticket.state and actor.role in roles and actor.role is not R.SYSTEM:
            if actor.role is R.UNIT and (actor.unit_id not in ticket.unit_ids or ticket.replies.get(actor.unit_id)):
                continue
            out.append(action)
    return out


def apply_ticket_action(
    ticket: Ticket, action: TicketAction, actor: Actor, at: datetime, note: str = "",
    rules: SupervisionRules | None = None,
) -> TicketEvent:
    """Check, apply and record one action on a ticket. Mutates `ticket`; returns the event."""
    next_state = check_ticket_action(ticket, action, actor)
    note = note.strip()
    if action in NOTE_REQUIRED and not note:
        raise InvalidInput(f"「{action.label}」需要填写说明", {"field": "note"})
    rules = rules or SupervisionRules()
    from_state = ticket.state
    payload: dict[str, Any] = {}
    if action is TA.REPLY:
        assert actor.unit_id is not None
        if ticket.replies.get(actor.unit_id) is not None:
            raise IllegalTransition("本单位已回复，请等待督查验收")
        ticket.replies[actor.unit_id] = at
        payload["unit_id"] = actor.unit_id
        if not ticket.all_replied:
            next_state = None
        payload["waiting_units"] = [u for u in ticket.unit_ids if ticket.replies.get(u) is None]
    elif action is TA.SEND_BACK:
        ticket.replies = {u: None for u in ticket.unit_ids}
        ticket.deadline = rules.deadline_for(ticket.level, at)
        payload["deadline"] = ticket.deadline.isoformat()
    elif action is TA.ESCALATE:
        higher = ticket.level.next
        if higher is None:
            raise IllegalTransition("红色督导单无法继续升级")
        if at <= ticket.deadline:
            raise IllegalTransition("督导单尚未逾期，不能升级")
        payload.update(from_level=ticket.level.value, to_level=higher.value, old_deadline=ticket.deadline.isoformat())
        ticket.level = higher
        ticket.deadline = rules.deadline_for(higher, at)
        ticket.escalations += 1
        ticket.overdue = False
        payload["deadline"] = ticket.deadline.isoformat()
    elif action is TA.OVERDUE:
        if ticket.overdue or at <= ticket.deadline:
            raise IllegalTransition("督导单未逾期或已标记逾期")
        ticket.overdue = True
    if next_state is not None:
        ticket.state = next_state
        if next_state.is_final:
            ticket.closed_at = at
    ticket.updated_at = at
    return TicketEvent(action=action, from_state=from_state, to_state=ticket.state, actor=actor, at=at,
                       note=note, payload=payload, ticket_id=ticket.id)


def overdue_step(ticket: Ticket, now: datetime) -> TicketAction | None:
    """What the sweep does with this ticket now: escalate, mark a red one overdue, or nothing."""
    if not ticket.state.waits_for_units or now <= ticket.deadline:
        return None
    if ticket.level.next is not None:
        return TA.ESCALATE
    return None if ticket.overdue else TA.OVERDUE


def ledger_summary(total: int, by_level: Mapping[str, int], rectified: int) -> str:
    """The ledger's one-line count, e.g. "129 张：白色 125、黄色 4，已整改 129"."""
    parts = [f"{lvl.label} {by_level[lvl.value]}" for lvl in _LEVEL_ORDER if by_level.get(lvl.value)]
    text = f"{total} 张"
    if parts:
        text += "：" + "、".join(parts)
    return f"{text}，已整改 {rectified}"


def ticket_table_markdown() -> str:
    lines = ["| 状态 state | 动作 action | 下一状态 next | 角色 roles |", "|---|---|---|---|"]
    for (state, action), (nxt, roles) in TICKET_TRANSITIONS.items():
        target = f"{nxt.label} `{nxt.value}`" if nxt else "（不变）"
        who = "、".join(r.label for r in Role if r in roles)
        lines.append(f"| {state.label} `{state.value}` | {action.label} `{action.value}` | {target} | {who} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- who sees a ticket
def ticket_scope(actor: Actor) -> int | None:
    """The one unit whose tickets `actor` may see (a unit's staff see only tickets addressed to their
    unit), or None for supervisors and other staff, who see all; -1 for a unit login without a unit."""
    if actor.role is Role.UNIT:
        return actor.unit_id if actor.unit_id is not None else -1
    return None


def can_view_ticket(ticket: Ticket, actor: Actor) -> bool:
    scope = ticket_scope(actor)
    if scope is not None:
        return scope in ticket.unit_ids
    return actor.role.is_staff
