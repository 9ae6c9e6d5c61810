"""What a member of staff sees of one case (案件详情): typed, so the case page reads enums and dates as
they are; the REST API turns it into JSON at the edge with `to_json()`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from citysteward.cases.domain.model import Action, CaseState, PendingRequest, Satisfaction, Source
from citysteward.catalogue.domain.categories import Urgency
from citysteward.kernel.actor import Role
from citysteward.kernel.deadlines import Light
from citysteward.kernel.timelimit import TimeLimit


@dataclass(frozen=True, slots=True)
class UnitRef:
    id: int
    name: str | None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Where routing suggested the case go at registration, and why (为何派至此单位)."""

    suggested_unit_id: int | None
    suggested_unit_name: str | None
    rule_id: int | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class PhotoView:
    id: int
    kind: str
    width: int | None
    height: int | None

    @property
    def url(self) -> str:
        return f"/api/v1/photos/{self.id}"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    id: int | None
    action: Action
    from_state: CaseState | None
    to_state: CaseState
    actor: str
    role: Role
    unit_id: int | None
    unit_name: str | None
    at: datetime
    note: str
    payload: dict[str, Any]
    photo_ids: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "action": self.action.value, "action_label": self.action.label,
            "from_state": self.from_state.value if self.from_state else None,
            "to_state": self.to_state.value, "to_state_label": self.to_state.label,
            "actor": self.actor, "role": self.role.value, "role_label": self.role.label,
            "unit_id": self.unit_id, "unit_name": self.unit_name,
            "at": self.at, "note": self.note, "payload": self.payload, "photo_ids": list(self.photo_ids),
        }


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case_no: str
    id: int | None
    version: int
    state: CaseState
    source: Source
    category_code: str
    category_name: str
    category_class: str
    urgency: Urgency
    description: str
    address: str
    road: str | None
    lon: float
    lat: float
    grid_code: str
    grid_name: str | None
    community_code: str
    street_code: str
    street_name: str | None
    district_code: str
    district_name: str | None
    main_unit_id: int | None
    main_unit_name: str | None
    assisting_units: tuple[UnitRef, ...]
    limit: TimeLimit | None
    deadline: datetime | None
    reported_at: datetime
    registered_at: datetime | None
    dispatched_at: datetime | None
    handled_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime | None
    overdue: bool
    handled_on_time: bool | None
    rework_count: int
    extension_count: int
    me_too_count: int
    merged_into: str | None
    satisfaction: Satisfaction | None
    client_id: int | None
    reporter_name: str | None  # masked unless the role calls reporters back
    reporter_phone: str | None
    light: Light | None  # live: recomputed for a running clock
    routing: Suggestion
    pending_request: PendingRequest | None
    pending_payload: dict[str, Any] | None
    allowed_actions: tuple[Action, ...]  # for this actor, now
    photos: tuple[PhotoView, ...]
    timeline: tuple[TimelineEntry, ...]

    def to_json(self) -> dict[str, Any]:
        """The REST API's shape (its keys and their order are the API's contract)."""
        return {
            "case_no": self.case_no, "id": self.id, "version": self.version,
            "state": self.state.value, "state_label": self.state.label,
            "source": self.source.value, "source_label": self.source.label,
            "category_code": self.category_code, "category_name": self.category_name,
            "urgency": self.urgency.value, "urgency_label": self.urgency.label,
            "description": self.description, "address": self.address, "road": self.road,
            "lon": self.lon, "lat": self.lat,
            "grid_code": self.grid_code, "grid_name": self.grid_name,
            "community_code": self.community_code, "street_code": self.street_code,
            "street_name": self.street_name, "district_code": self.district_code,
            "district_name": self.district_name,
            "main_unit_id": self.main_unit_id, "main_unit_name": self.main_unit_name,
            "assisting_units": [{"id": u.id, "name": u.name} for u in self.assisting_units],
            "limit": self.limit.to_dict() if self.limit else None,
            "limit_label": self.limit.label if self.limit else None,
            "deadline": self.deadline, "reported_at": self.reported_at, "registered_at": self.registered_at,
            "dispatched_at": self.dispatched_at, "handled_at": self.handled_at, "closed_at": self.closed_at,
            "updated_at": self.updated_at, "overdue": self.overdue, "handled_on_time": self.handled_on_time,
            "rework_count": self.rework_count, "extension_count": self.extension_count,
            "me_too_count": self.me_too_count, "merged_into": self.merged_into,
            "satisfaction": self.satisfaction.value if self.satisfaction else None,
            "client_id": self.client_id,
            "category_class": self.category_class,
            "reporter_name": self.reporter_name,
            "reporter_phone": self.reporter_phone,
            "light": self.light.value if self.light else None,
            "light_label": self.light.label if self.light else None,
            "routing": {"suggested_unit_id": self.routing.suggested_unit_id,
                        "suggested_unit_name": self.routing.suggested_unit_name,
                        "rule_id": self.routing.rule_id, "reason": self.routing.reason},
            "pending_request": self.pending_request.value if self.pending_request else None,
            "pending_request_label": self.pending_request.label if self.pending_request else None,
            "pending_payload": self.pending_payload,
            "allowed_actions": [{"action": a.value, "label": a.label} for a in self.allowed_actions],
            "photos": [{"id": p.id, "kind": p.kind, "url": p.url, "width": p.width, "height": p.height}
                       for p in self.photos],
            "timeline": [e.to_json() for e in self.timeline],
        }
