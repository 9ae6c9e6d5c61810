"""Repositories on SQLAlchemy Core: explicit row <-> domain mapping, one class per aggregate."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select

from citysteward.geography import tables as geography_tables
from citysteward.platform.db import upsert


# ---------------------------------------------------------------- areas and grids
class SqlAreaRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def upsert_areas(self, rows: Iterable[dict[str, Any]]) -> int:
        n = 0
        for row in rows:
            stmt = upsert(self.conn, geography_tables.areas).values(row)
            self.conn.execute(stmt.on_conflict_do_update(
                index_elements=["code"], set_={k: v for k, v in row.items() if k != "code"}))
            n += 1
        return n

    def upsert_grids(self, rows: Iterable[dict[str, Any]]) -> int:
        n = 0
        for row in rows:
            stmt = upsert(self.conn, geography_tables.grids).values(row)
            self.conn.execute(stmt.on_conflict_do_update(
                index_elements=["code"], set_={k: v for k, v in row.items() if k != "code"}))
            n += 1
        return n

    def areas(self, level: str | None = None, parent: str | None = None) -> list[dict[str, Any]]:
        stmt = select(geography_tables.areas).order_by(geography_tables.areas.c.code)
        if level:
            stmt = stmt.where(geography_tables.areas.c.level == level)
        if parent:
            stmt = stmt.where(geography_tables.areas.c.parent_code == parent)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def area(self, code: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(geography_tables.areas).where(geography_tables.areas.c.code == code)).first()
        return dict(row._mapping) if row else None

    def grids(self, parent: str | None = None, with_geometry: bool = True) -> list[dict[str, Any]]:
        cols = list(geography_tables.grids.c) if with_geometry else [c for c in geography_tables.grids.c if c.name != "geometry"]
        stmt = select(*cols).order_by(geography_tables.grids.c.code)
        if parent:
            stmt = stmt.where(or_(geography_tables.grids.c.community_code == parent, geography_tables.grids.c.street_code == parent,
                                  geography_tables.grids.c.district_code == parent))
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def grid(self, code: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(geography_tables.grids).where(geography_tables.grids.c.code == code)).first()
        return dict(row._mapping) if row else None

    def grid_count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(geography_tables.grids)).scalar_one())

    def grid_members(self, grid_code: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(geography_tables.grid_members).where(geography_tables.grid_members.c.grid_code == grid_code)
                                 .order_by(geography_tables.grid_members.c.id))
        return [dict(r._mapping) for r in rows]

    def set_grid_members(self, grid_code: str, members: Sequence[dict[str, Any]]) -> None:
        self.conn.execute(delete(geography_tables.grid_members).where(geography_tables.grid_members.c.grid_code == grid_code))
        if members:
            self.conn.execute(insert(geography_tables.grid_members), [{**m, "grid_code": grid_code} for m in members])

    def change_stamp(self) -> tuple[int, str] | None:
        t = geography_tables.area_change_stamp
        row = self.conn.execute(select(t.c.n, t.c.epoch).where(t.c.id == 1)).first()
        return (int(row[0]), str(row[1])) if row is not None else None

    def names(self) -> dict[str, str]:
        out = {r.code: r.name for r in self.conn.execute(select(geography_tables.areas.c.code, geography_tables.areas.c.name))}
        out.update({r.code: r.name for r in self.conn.execute(select(geography_tables.grids.c.code, geography_tables.grids.c.name))})
        return out
