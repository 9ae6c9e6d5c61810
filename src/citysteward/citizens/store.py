"""SQL storage of the citizens context."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlCitizensRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
