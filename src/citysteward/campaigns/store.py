"""SQL storage of the campaigns context."""

from __future__ import annotations

from sqlalchemy import Connection


class SqlCampaignsRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
