"""SQL storage of the patrols context."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlPatrolsRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
