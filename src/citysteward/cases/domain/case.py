"""The case (案卷) and its events: the case row is a projection of an append-only event log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from citysteward.cases.domain.model import Action, CaseState, PendingRequest, Satisfaction, Source
from citysteward.kernel.actor import Actor
from citysteward.kernel.numbering import numbered
from citysteward.kernel.timelimit import TimeLimit

CASE_NO_DIGITS = 5  # the day's serial in a case number


def case_no_stem(prefix: str, day: str) -> str:
    """What every case number of a day starts with: the city's prefix and the local day (JZ20261127-)."""
    return f"{prefix}{day}-"


def case_no(prefix: str, day: str, number: int) -> str:
    """A case's number: the city's prefix, the local day (YYYYMMDD) and the day's serial, gapless from 1
    (JZ20261127-00042)."""
    return numbered(case_no_stem(prefix, day), number, CASE_NO_DIGITS)


def case_nos(stem: str, last: int, count: int) -> list[str]:
    """The numbers of a batch of `count` cases of a day whose series now ends at `last` (`stem` from
    `case_no_stem`): the batch took the `count` numbers up to `last`."""
    return [numbered(stem, n, CASE_NO_DIGITS) for n in range(last - count + 1, last + 1)]


@dataclass(slots=True)
class Case:
    case_no: str
    state: CaseState
    source: Source
    category_code: str
    urgency: str
    description: str
    lon: float
    lat: float
    grid_code: str
    community_code: str
    street_code: str
    district_code: str
    reported_at: datetime
    id: int | None = None
    version: int = 1
    address: str = ""
    road: str | None = None
    cell: str = ""
    reporter_name: str | None = None
    reporter_phone: str | None = None
    reporter_user_id: int | None = None
    client_id: int | None = None
    main_unit_id: int | None = None
    assisting_unit_ids: tuple[int, ...] = ()
    suggested_unit_id: int | None = None
    routing_rule_id: int | None = None
    routing_reason: str | None = None
    limit: TimeLimit | None = None
    limit_minutes: float | None = None
    deadline: datetime | None = None
    registered_at: datetime | None = None
    dispatched_at: datetime | None = None
    handled_at: datetime | None = None
    closed_at: datetime | None = None
    suspended_at: datetime | None = None
    updated_at: datetime | None = None
    pending_request: PendingRequest | None = None
    pending_payload: dict[str, Any] | None = None
    light: str | None = None
    overdue: bool = False
    handled_on_time: bool | None = None
    rework_count: int = 0
    extension_count: int = 0
    return_count: int = 0
    reopen_count: int = 0
    me_too_count: int = 0
    merged_into: str | None = None
    satisfaction: Satisfaction | None = None
    public_token: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One step in a case's life. Never updated, never deleted."""

    action: Action
    from_state: CaseState | None
    to_state: CaseState
    actor: Actor
    at: datetime
    note: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    photo_ids: tuple[int, ...] = ()
    case_id: int | None = None
    id: int | None = None

    @property
    def public(self) -> bool:
        return self.action in PUBLIC_ACTIONS


# Steps whose note is written for the public (the unit's report-back, the reason for voiding …).
PUBLIC_NOTE_ACTIONS = frozenset({Action.HANDLE, Action.CLOSE, Action.VOID, Action.REJECT, Action.REFUTE})

# What a citizen may see on the public timeline (notes of these steps are written for the public).
PUBLIC_ACTIONS = frozenset(
    {
        Action.REPORT,
        Action.ACCEPT,
        Action.VERIFY,
        Action.REGISTER,
        Action.VOID,
        Action.REJECT,
        Action.REFUTE,
        Action.MERGE,
        Action.DISPATCH,
        Action.HANDLE,
        Action.CLOSE,
        Action.CHECK_FAIL,
        Action.SELF_HANDLE,
        Action.REOPEN,
        Action.RATE,
        Action.ME_TOO,
    }
)
