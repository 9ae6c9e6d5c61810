"""Open311 storage: client applications (API keys) and the read queries behind GeoReport lists.

Reads bypass the domain (they return cases, events and plain rows); the page's extras (public notes,
photos, report payloads) come in one query each, never one per case.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from citysteward.cases import tables as cases_tables
from citysteward.cases.domain.case import Case, Event
from citysteward.cases.store.cases import row_to_case, row_to_event
from citysteward.open311 import tables as open311_tables
from citysteward.platform.quickread import QuickReads

_CLIENT_COLUMNS = [c for c in open311_tables.api_clients.c if c.name != "key_hash"]

# Statements built once, values bound at execution: the GET of one request runs these on every call, and
# building a select (and its cache key) each time cost more than running it (docs/performance.md).
_EVENTS_OF = (select(cases_tables.case_events)
              .where(cases_tables.case_events.c.case_id.in_(bindparam("case_ids", expanding=True)),
                     cases_tables.case_events.c.action.in_(bindparam("actions", expanding=True)))
              .order_by(cases_tables.case_events.c.id))
_PHOTOS_OF = (select(cases_tables.photos.c.id, cases_tables.photos.c.case_id, cases_tables.photos.c.kind)
              .where(cases_tables.photos.c.case_id.in_(bindparam("case_ids", expanding=True)))
              .order_by(cases_tables.photos.c.id))
_CLIENT_BY_KEY = select(*_CLIENT_COLUMNS).where(open311_tables.api_clients.c.key_hash == bindparam("key_hash"))
_CASES, _PHOTOS = cases_tables.cases, cases_tables.photos
# What a request's document is made of changes only with these: every step bumps the case's version
# (public notes included), a photo adds a row, and `updated_at` tells a rebuilt database's case apart.
_REQUEST_STAMP = select(
    _CASES.c.id, _CASES.c.version, _CASES.c.updated_at,
    select(func.count(_PHOTOS.c.id)).where(_PHOTOS.c.case_id == _CASES.c.id).scalar_subquery(),
    select(func.max(_PHOTOS.c.id)).where(_PHOTOS.c.case_id == _CASES.c.id).scalar_subquery(),
).where(_CASES.c.case_no == bindparam("case_no"))


class SqlOpen311Repository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ------------------------------------------------------------ client applications
    def add_client(self, row: dict[str, Any]) -> int:
        return self.conn.execute(insert(open311_tables.api_clients).values(row).returning(open311_tables.api_clients.c.id)).scalar_one()

    def clients(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(*_CLIENT_COLUMNS).order_by(open311_tables.api_clients.c.id))
        return [dict(r._mapping) for r in rows]

    def client(self, client_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(*_CLIENT_COLUMNS).where(open311_tables.api_clients.c.id == client_id)).first()
        return dict(row._mapping) if row else None

    def client_by_key_hash(self, key_hash: str) -> dict[str, Any] | None:
        row = self.conn.execute(_CLIENT_BY_KEY, {"key_hash": key_hash}).first()
        return dict(row._mapping) if row else None

    def revoke_client(self, client_id: int, at: datetime) -> None:
        self.conn.execute(update(open311_tables.api_clients).where(open311_tables.api_clients.c.id == client_id).values(revoked_at=at))

    # ------------------------------------------------------------ service requests (cases)
    def find_cases(self, filters: dict[str, Any], limit: int, offset: int) -> list[Case]:
        """Newest first. Filters: case_nos, category_codes, states (lists); reported_from/to (inclusive)."""
        c = cases_tables.cases.c
        stmt = select(cases_tables.cases)
        if filters.get("case_nos"):
            stmt = stmt.where(c.case_no.in_(list(filters["case_nos"])))
        if filters.get("category_codes"):
            stmt = stmt.where(c.category_code.in_(list(filters["category_codes"])))
        if filters.get("states"):
            stmt = stmt.where(c.state.in_(list(filters["states"])))
        if filters.get("reported_from") is not None:
            stmt = stmt.where(c.reported_at >= filters["reported_from"])
        if filters.get("reported_to") is not None:
            stmt = stmt.where(c.reported_at <= filters["reported_to"])
        stmt = stmt.order_by(c.reported_at.desc(), c.id.desc()).limit(limit).offset(offset)
        return [row_to_case(r) for r in self.conn.execute(stmt)]

    def case_by_token(self, token: str) -> Case | None:
        row = self.conn.execute(select(cases_tables.cases).where(cases_tables.cases.c.public_token == token)).first()
        return row_to_case(row) if row else None

    def events_of(self, case_ids: Collection[int], actions: Collection[str]) -> list[Event]:
        """The given actions' events of several cases, oldest first."""
        if not case_ids:
            return []
        rows = self.conn.execute(_EVENTS_OF, {"case_ids": list(case_ids), "actions": list(actions)})
        return [row_to_event(r) for r in rows]

    def photos_of(self, case_ids: Collection[int]) -> list[dict[str, Any]]:
        if not case_ids:
            return []
        return [dict(r._mapping) for r in self.conn.execute(_PHOTOS_OF, {"case_ids": list(case_ids)})]

    def updates(self, actions: Sequence[str], since: datetime, until: datetime, limit: int,
                offset: int) -> list[tuple[Event, str]]:
        """Events of the given actions in [since, until], oldest first, with their case numbers."""
        e = cases_tables.case_events.c
        stmt = (
            select(cases_tables.case_events, cases_tables.cases.c.case_no.label("case_no_of_event"))
            .join(cases_tables.cases, cases_tables.cases.c.id == e.case_id)
            .where(e.action.in_(list(actions)), e.at >= since, e.at <= until)
            .order_by(e.at, e.id).limit(limit).offset(offset)
        )
        return [(row_to_event(r), r._mapping["case_no_of_event"]) for r in self.conn.execute(stmt)]


class SqlOpen311Glances:
    """Single-statement reads outside a transaction (platform/quickread.py)."""

    def __init__(self, reads: QuickReads) -> None:
        self.reads = reads

    def request_stamp(self, case_no: str) -> tuple[Any, ...] | None:
        return self.reads.first(_REQUEST_STAMP, {"case_no": case_no})
