"""SQL storage of the assets context."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlAssetsRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
