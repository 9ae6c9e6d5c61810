"""SQL storage of the suggestion model's corrections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from citysteward.catalogue.suggest.tables import suggest_corrections as t


class SqlCorrectionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, text: str, suggested_code: str | None, chosen_code: str, case_no: str | None,
            user_id: int | None, at: datetime) -> int:
        row = {"text": text, "suggested_code": suggested_code, "chosen_code": chosen_code, "case_no": case_no,
               "user_id": user_id, "at": at}
        return int(self.conn.execute(insert(t).values(**row).returning(t.c.id)).scalar_one())

    def training(self, limit: int) -> list[tuple[str, str]]:
        rows = self.conn.execute(select(t.c.chosen_code, t.c.text).order_by(t.c.id.desc()).limit(limit))
        return [(r.chosen_code, r.text) for r in rows]

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t)).scalar_one())
