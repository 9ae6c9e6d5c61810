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
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from citysteward.notify import tables as notify_tables
from citysteward.platform.db import upsert

# ---------------------------------------------------------------- outbox, notices, contacts
OB = notify_tables.outbox


class SqlOutboxRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def enqueue(self, row: dict[str, Any]) -> int | None:
        """Insert one message; a message whose dedupe_key is already queued is not queued again."""
        values = {"status": "pending", "attempts": 0, "version": 1, "link": "", **row}
        stmt = upsert(self.conn, OB).values(values)
        if values.get("dedupe_key"):
            stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
        return self.conn.execute(stmt.returning(OB.c.id)).scalar()

    def claim(self, now: datetime, stale_before: datetime, limit: int) -> list[dict[str, Any]]:
        """Mark up to `limit` due messages as `sending` and return them. On PostgreSQL the candidate rows
        are locked with FOR UPDATE SKIP LOCKED, so concurrent senders take disjoint sets; everywhere the
        update is guarded by the row's version, so a row is claimed by one sender only."""
        due = or_(and_(OB.c.status == "pending", OB.c.next_attempt_at <= now),
                  and_(OB.c.status == "sending", OB.c.claimed_at < stale_before))
        stmt = select(OB.c.id, OB.c.version).where(due).order_by(OB.c.id).limit(limit)
        if self.conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        claimed = []
        for oid, version in self.conn.execute(stmt).all():
            res = self.conn.execute(update(OB).where(OB.c.id == oid, OB.c.version == version)
                                    .values(status="sending", claimed_at=now, version=version + 1))
            if res.rowcount == 1:
                claimed.append(oid)
        if not claimed:
            return []
        return [dict(r._mapping) for r in self.conn.execute(select(OB).where(OB.c.id.in_(claimed)).order_by(OB.c.id))]

    def mark_sent(self, outbox_id: int, version: int, at: datetime) -> bool:
        res = self.conn.execute(update(OB).where(OB.c.id == outbox_id, OB.c.version == version,
                                                 OB.c.status == "sending")
                                .values(status="sent", sent_at=at, version=version + 1, last_error=None))
        return res.rowcount == 1

    def mark_failed(self, outbox_id: int, version: int, error: str, next_at: datetime, dead: bool) -> bool:
        res = self.conn.execute(update(OB).where(OB.c.id == outbox_id, OB.c.version == version)
                                .values(status="dead" if dead else "pending", attempts=OB.c.attempts + 1,
                                        next_attempt_at=next_at, last_error=error[:2000], version=version + 1))
        return res.rowcount == 1

    def messages(self, status: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        stmt = select(OB).order_by(OB.c.id).limit(limit)
        if status:
            stmt = stmt.where(OB.c.status == status)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def counts(self) -> dict[str, int]:
        return {s: int(n) for s, n in self.conn.execute(select(OB.c.status, func.count()).group_by(OB.c.status))}

    # ---- notices
    def add_notice(self, row: dict[str, Any]) -> int | None:
        stmt = upsert(self.conn, notify_tables.notices).values(row)
        if row.get("outbox_id") is not None:
            stmt = stmt.on_conflict_do_nothing(index_elements=["outbox_id"])
        return self.conn.execute(stmt.returning(notify_tables.notices.c.id)).scalar()

    def _mine(self, user_id: int | None, unit_id: int | None) -> Any:
        conds = [notify_tables.notices.c.user_id == user_id] if user_id is not None else []
        if unit_id is not None:
            conds.append(and_(notify_tables.notices.c.unit_id == unit_id, notify_tables.notices.c.user_id.is_(None)))
        return or_(*conds) if conds else literal(False)

    def notices(self, user_id: int | None, unit_id: int | None, unread: bool, limit: int,
                before_id: int | None = None) -> tuple[list[dict[str, Any]], int]:
        mine = self._mine(user_id, unit_id)
        stmt = select(notify_tables.notices).where(mine)
        if unread:
            stmt = stmt.where(notify_tables.notices.c.read_at.is_(None))
        if before_id:
            stmt = stmt.where(notify_tables.notices.c.id < before_id)
        rows = [dict(r._mapping) for r in self.conn.execute(stmt.order_by(notify_tables.notices.c.id.desc()).limit(limit))]
        unread_n = int(self.conn.execute(select(func.count()).select_from(notify_tables.notices)
                                         .where(mine, notify_tables.notices.c.read_at.is_(None))).scalar_one())
        return rows, unread_n

    def mark_read(self, notice_id: int, user_id: int | None, unit_id: int | None, at: datetime) -> bool:
        res = self.conn.execute(update(notify_tables.notices).where(notify_tables.notices.c.id == notice_id, self._mine(user_id, unit_id),
                                                        notify_tables.notices.c.read_at.is_(None)).values(read_at=at))
        return res.rowcount == 1

    def unread_count(self, user_id: int | None, unit_id: int | None) -> int:
        N = notify_tables.notices
        return int(self.conn.execute(select(func.count()).select_from(N)
                                     .where(self._mine(user_id, unit_id), N.c.read_at.is_(None))).scalar_one())

    def mark_all_read(self, user_id: int | None, unit_id: int | None, at: datetime) -> int:
        N = notify_tables.notices
        res = self.conn.execute(update(N).where(self._mine(user_id, unit_id), N.c.read_at.is_(None)).values(read_at=at))
        return int(res.rowcount)

    # ---- contacts
    def contacts(self, unit_id: int) -> list[str]:
        rows = self.conn.execute(select(notify_tables.notify_contacts.c.email).where(
            notify_tables.notify_contacts.c.unit_id == unit_id, notify_tables.notify_contacts.c.active.is_(True)).order_by(notify_tables.notify_contacts.c.id))
        return [e for (e,) in rows]

    def set_contacts(self, unit_id: int, emails: Sequence[str]) -> None:
        self.conn.execute(delete(notify_tables.notify_contacts).where(notify_tables.notify_contacts.c.unit_id == unit_id))
        if emails:
            self.conn.execute(insert(notify_tables.notify_contacts),
                              [{"unit_id": unit_id, "email": e, "active": True} for e in emails])
