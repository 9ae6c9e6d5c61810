"""Storage for supervision (督办): tickets, the case markers the escalation sweep needs, listed hot
spots, evaluation settings and ranking history, the indicator aggregates, the outbox and notices,
and the worker's advisory lock. SQLAlchemy Core, one schema for SQLite and PostgreSQL.

The indicator queries group the step log by (unit, grid, community, street, district, category,
source) in SQL, so a month of ~20,000 cases returns a few thousand rows that Python rolls up to any
cut; the definitions they implement are in docs/indicators.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    insert,
    select,
    update,
)

from citysteward.supervision import tables as supervision_tables
from citysteward.supervision.store.tickets import C, E

IN_CHUNK = 10_000  # cells per IN list in one statement

# ---------------------------------------------------------------- hot spots
class SqlHotspotRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def place_cases(self, start: datetime, end: datetime, category: str | None = None,
                    cells: Sequence[str] | None = None, limit: int | None = None,
                    led_by: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """Cases reported in [start, end) that were not voided or merged, with their close and reopen
        times (from the step log), for the hot-spot finder; at most the newest `limit`, oldest first.
        Both reads are ranges on an index (`ix_cases_reported_at`, `ix_case_events_action_at`) no wider
        than the cases returned."""
        conds = [C.c.reported_at >= start, C.c.reported_at < end,
                 C.c.state.notin_(["voided", "rejected", "merged"])]
        if category:
            conds.append(C.c.category_code == category)
        if cells is not None:
            conds.append(C.c.cell.in_(list(cells)))
        if led_by is not None:  # a unit's own cases (cases.domain.access.led_units)
            conds.append(C.c.main_unit_id.in_(list(led_by)))
        stmt = (select(C.c.id, C.c.case_no, C.c.category_code, C.c.lon, C.c.lat, C.c.cell, C.c.reported_at,
                       C.c.state, C.c.address).where(*conds).order_by(C.c.reported_at.desc(), C.c.id.desc()))
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = [dict(r._mapping) for r in self.conn.execute(stmt)][::-1]
        if not rows:
            return rows
        steps: dict[int, dict[str, list[datetime]]] = {}
        lo = min(r["id"] for r in rows)
        ev = select(E.c.case_id, E.c.action, E.c.at).where(  # a case is closed or reopened after its report
            E.c.action.in_(["close", "reopen"]), E.c.case_id >= lo, E.c.at >= rows[0]["reported_at"], E.c.at < end)
        ids = {r["id"] for r in rows}
        for cid, action, at in self.conn.execute(ev):
            if cid in ids:
                steps.setdefault(cid, {"close": [], "reopen": []})[action].append(at)
        for r in rows:
            s = steps.get(r["id"], {})
            r["closes"] = tuple(sorted(s.get("close", [])))
            r["reopens"] = tuple(sorted(s.get("reopen", [])))
        return rows

    def cases_since(self, cells: Sequence[str], categories: Sequence[str], after: datetime) -> list[dict[str, Any]]:
        """Oldest first. One statement for up to `IN_CHUNK` cells (every place a board lists, unless a
        city has listed some hundreds of places); more cells go in several, as SQLite takes at most 32,766
        parameters a statement."""
        distinct = sorted(set(cells))
        rows: list[dict[str, Any]] = []
        for start in range(0, len(distinct), IN_CHUNK):
            stmt = (select(C.c.id, C.c.case_no, C.c.lon, C.c.lat, C.c.cell, C.c.category_code, C.c.reported_at, C.c.state)
                    .where(C.c.cell.in_(distinct[start:start + IN_CHUNK]), C.c.category_code.in_(list(categories)),
                           C.c.reported_at > after, C.c.state.notin_(["voided", "rejected", "merged"]))
                    .order_by(C.c.id))
            rows += [dict(r._mapping) for r in self.conn.execute(stmt)]
        return sorted(rows, key=lambda r: r["id"])

    def add_listing(self, row: dict[str, Any]) -> int:
        return int(self.conn.execute(insert(supervision_tables.hotspots).values(row).returning(supervision_tables.hotspots.c.id)).scalar_one())

    def listing(self, hotspot_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(supervision_tables.hotspots).where(supervision_tables.hotspots.c.id == hotspot_id)).first()
        return dict(row._mapping) if row else None

    def listings(self, state: str | None = None, category: str | None = None) -> list[dict[str, Any]]:
        stmt = select(supervision_tables.hotspots).order_by(supervision_tables.hotspots.c.id.desc())
        if state:
            stmt = stmt.where(supervision_tables.hotspots.c.state == state)
        if category:
            stmt = stmt.where(supervision_tables.hotspots.c.category_code == category)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def update_listing(self, hotspot_id: int, changes: dict[str, Any]) -> None:
        self.conn.execute(update(supervision_tables.hotspots).where(supervision_tables.hotspots.c.id == hotspot_id).values(changes))
