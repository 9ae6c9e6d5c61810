"""SQL storage of the subsurface context."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlSubsurfaceRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
