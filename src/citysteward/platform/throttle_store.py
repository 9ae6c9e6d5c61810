"""The database's throttling counters: one upsert per counted attempt (`INSERT … ON CONFLICT DO UPDATE
SET count = count + 1 RETURNING count`), atomic on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, select

from citysteward.platform.db import upsert
from citysteward.platform.tables import throttle_counters as T


class SqlThrottleCounters:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def hit(self, key: str, window_start: int, expires_at: datetime) -> int:
        stmt = upsert(self.conn, T).values(key=key, window_start=window_start, count=1, expires_at=expires_at)
        stmt = stmt.on_conflict_do_update(index_elements=["key", "window_start"],
                                          set_={"count": T.c.count + 1}).returning(T.c.count)
        return int(self.conn.execute(stmt).scalar_one())

    def count(self, key: str, window_start: int) -> int:
        value = self.conn.execute(select(T.c.count).where(T.c.key == key, T.c.window_start == window_start)).scalar()
        return int(value or 0)

    def prune(self, before: datetime) -> int:
        return int(self.conn.execute(delete(T).where(T.c.expires_at <= before)).rowcount or 0)
