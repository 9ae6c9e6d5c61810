"""SQL storage of the sensors context."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlSensorsRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
