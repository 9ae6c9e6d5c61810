"""Storage for supervision (督办): tickets, the case markers the escalation sweep needs, listed hot
spots, evaluation settings and ranking history, the indicator aggregates, the outbox and notices,
and the worker's advisory lock. SQLAlchemy Core, one schema for SQLite and PostgreSQL.

The indicator queries group the step log by (unit, grid, community, street, district, category,
source) in SQL, so a month of ~20,000 cases returns a few thousand rows that Python rolls up to any
cut; the definitions they implement are in docs/indicators.md.
"""

from __future__ import annotations

from sqlalchemy import (
    Connection,
    text,
)


# ---------------------------------------------------------------- the worker's lock
class SqlLocks:
    """A session-level PostgreSQL advisory lock: held by this connection until unlock() (or until the
    connection ends), across transactions. On SQLite, writers are serialised by the database's
    write lock anyway, and every sweep step re-checks its guard inside its own write transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def try_lock(self, key: int) -> bool:
        if self.conn.dialect.name != "postgresql":
            return True
        return bool(self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())

    def unlock(self, key: int) -> None:
        if self.conn.dialect.name != "postgresql":
            return
        try:
            self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        except Exception:
            # never hand a connection that may still hold the lock back to the pool
            self.conn.invalidate()
            raise
