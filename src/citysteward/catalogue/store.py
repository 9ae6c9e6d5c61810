"""Repositories on SQLAlchemy Core: explicit row <-> domain mapping, one class per aggregate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from citysteward.catalogue import tables as catalogue_tables
from citysteward.catalogue.domain.categories import Category, CategoryKind, Urgency
from citysteward.kernel.timelimit import TimeLimit
from citysteward.platform.db import upsert


# ---------------------------------------------------------------- catalogue
def _row_to_category(row: Any) -> Category:
    m = row._mapping
    return Category(
        code=m["code"], scheme=m["scheme"], kind=CategoryKind(m["kind"]), class_code=m["class_code"],
        class_name=m["class_name"], name=m["name"], keywords=tuple(m["keywords"] or ()),
        limits={Urgency(k): TimeLimit.from_dict(v) for k, v in (m["limits"] or {}).items()},
        default_urgency=Urgency(m["default_urgency"]), same_day=bool(m["same_day"]), active=bool(m["active"]),
        source_code=m["source_code"], attributes=tuple(m["attributes"] or ()), note=m["note"],
    )


def _category_to_row(c: Category) -> dict[str, Any]:
    return {
        "code": c.code, "scheme": c.scheme, "kind": c.kind.value, "class_code": c.class_code,
        "class_name": c.class_name, "name": c.name, "keywords": list(c.keywords),
        "limits": {u.value: lim.to_dict() for u, lim in c.limits.items()},
        "default_urgency": c.default_urgency.value, "same_day": c.same_day, "active": c.active,
        "source_code": c.source_code, "attributes": [dict(a) for a in c.attributes], "note": c.note,
    }


class SqlCatalogueRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def all(self) -> list[Category]:
        return [_row_to_category(r) for r in self.conn.execute(select(catalogue_tables.categories).order_by(catalogue_tables.categories.c.code))]

    def get(self, code: str) -> Category | None:
        row = self.conn.execute(select(catalogue_tables.categories).where(catalogue_tables.categories.c.code == code)).first()
        return _row_to_category(row) if row else None

    def upsert(self, category: Category) -> None:
        row = _category_to_row(category)
        stmt = upsert(self.conn, catalogue_tables.categories).values(row)
        stmt = stmt.on_conflict_do_update(index_elements=["code"], set_={k: v for k, v in row.items() if k != "code"})
        self.conn.execute(stmt)
