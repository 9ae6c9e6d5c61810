"""SQL storage of the flood context."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlFloodRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
