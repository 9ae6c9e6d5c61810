"""Open311 storage: client applications (API keys) and the read queries behind GeoReport lists.

Reads bypass the domain (they return cases, events and plain rows); the page's extras (public notes,
photos, report payloads) come in one query each, never one per case.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from citysteward.cases import tables as cases_tables
from citysteward.cases.domain.case import Case, Event
from citysteward.cases.store.cases import row_to_case, row_to_event
from citysteward.open311 import tables as open311_tables

_CLIENT_COLUMNS = [c for c in open311_tables.api_clients.c if c.name != "key_hash"]


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
        row = self.conn.execute(select(*_CLIENT_COLUMNS).where(open311_tables.api_clients.c.key_hash == key_hash)).first()
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
        e = cases_tables.case_events.c
        stmt = (select(cases_tables.case_events).where(e.case_id.in_(list(case_ids)), e.action.in_(list(actions)))
                .order_by(e.id))
        return [row_to_event(r) for r in self.conn.execute(stmt)]

    def photos_of(self, case_ids: Collection[int]) -> list[dict[str, Any]]:
        if not case_ids:
            return []
        p = cases_tables.photos.c
        stmt = select(p.id, p.case_id, p.kind).where(p.case_id.in_(list(case_ids))).order_by(p.id)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

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
