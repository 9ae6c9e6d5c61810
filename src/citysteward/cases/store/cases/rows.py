"""Cases and their events: the explicit row <-> domain mapping."""

from __future__ import annotations

from typing import Any

from citysteward.cases.domain.case import Case, Event
from citysteward.cases.domain.model import Action, CaseState, PendingRequest, Satisfaction, Source
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.timelimit import LimitUnit, TimeLimit

# ---------------------------------------------------------------- cases
_CASE_SCALARS = [
    "case_no", "version", "category_code", "urgency", "description", "address", "road", "lon",
    "lat", "cell", "grid_code", "community_code", "street_code", "district_code", "reporter_name",
    "reporter_phone", "reporter_user_id", "client_id", "main_unit_id", "suggested_unit_id",
    "routing_rule_id", "routing_reason", "limit_minutes", "deadline", "reported_at", "registered_at",
    "dispatched_at", "handled_at", "closed_at", "suspended_at", "updated_at", "pending_payload", "light",
    "overdue", "handled_on_time", "rework_count", "extension_count", "return_count", "reopen_count",
    "me_too_count", "merged_into", "public_token",
]


def case_to_row(case: Case) -> dict[str, Any]:
    row = {name: getattr(case, name) for name in _CASE_SCALARS}
    row["state"] = case.state.value
    row["source"] = case.source.value
    row["assisting_unit_ids"] = list(case.assisting_unit_ids)
    row["limit_amount"] = case.limit.amount if case.limit else None
    row["limit_unit"] = case.limit.unit.value if case.limit else None
    row["pending_request"] = case.pending_request.value if case.pending_request else None
    row["satisfaction"] = case.satisfaction.value if case.satisfaction else None
    row["updated_at"] = case.updated_at or case.reported_at
    return row


def row_to_case(row: Any) -> Case:
    m = row._mapping
    values = {name: m[name] for name in _CASE_SCALARS}
    return Case(
        id=m["id"],
        state=CaseState(m["state"]),
        source=Source(m["source"]),
        assisting_unit_ids=tuple(m["assisting_unit_ids"] or ()),
        limit=TimeLimit(m["limit_amount"], LimitUnit(m["limit_unit"])) if m["limit_unit"] else None,
        pending_request=PendingRequest(m["pending_request"]) if m["pending_request"] else None,
        satisfaction=Satisfaction(m["satisfaction"]) if m["satisfaction"] else None,
        **values,
    )


def event_to_row(event: Event) -> dict[str, Any]:
    return {
        "case_id": event.case_id,
        "action": event.action.value,
        "from_state": event.from_state.value if event.from_state else None,
        "to_state": event.to_state.value,
        "actor_id": event.actor.user_id,
        "actor_name": event.actor.name,
        "role": event.actor.role.value,
        "unit_id": event.actor.unit_id,
        "client_id": event.actor.client_id,
        "at": event.at,
        "note": event.note,
        "payload": event.payload,
        "photo_ids": list(event.photo_ids),
    }


def row_to_event(row: Any) -> Event:
    m = row._mapping
    return Event(
        id=m["id"],
        case_id=m["case_id"],
        action=Action(m["action"]),
        from_state=CaseState(m["from_state"]) if m["from_state"] else None,
        to_state=CaseState(m["to_state"]),
        actor=Actor(role=Role(m["role"]), user_id=m["actor_id"], name=m["actor_name"], unit_id=m["unit_id"],
                    client_id=m["client_id"]),
        at=m["at"],
        note=m["note"],
        payload=m["payload"] or {},
        photo_ids=tuple(m["photo_ids"] or ()),
    )
