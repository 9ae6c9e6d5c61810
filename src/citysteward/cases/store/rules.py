"""Storage of responsibility rules (责任划分规则)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from citysteward.cases import tables as cases_tables
from citysteward.cases.domain.routing import ResponsibilityRule


# ---------------------------------------------------------------- responsibility rules
def _row_to_rule(r: Any) -> ResponsibilityRule:
    return ResponsibilityRule(
        id=r.id, main_unit_id=r.main_unit_id, assisting_unit_ids=tuple(r.assisting_unit_ids or ()),
        category_code=r.category_code, category_class=r.category_class, grid_code=r.grid_code,
        area_code=r.area_code, road=r.road, note=r.note or "", active=bool(r.active),
    )


def rule_to_row(rule: ResponsibilityRule) -> dict[str, Any]:
    return {
        "category_code": rule.category_code, "category_class": rule.category_class, "grid_code": rule.grid_code,
        "area_code": rule.area_code, "road": rule.road, "main_unit_id": rule.main_unit_id,
        "assisting_unit_ids": list(rule.assisting_unit_ids), "note": rule.note, "active": rule.active,
    }


class SqlRuleRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def all(self) -> list[ResponsibilityRule]:
        return [_row_to_rule(r) for r in self.conn.execute(select(cases_tables.responsibility_rules).order_by(cases_tables.responsibility_rules.c.id))]

    def get(self, rule_id: int) -> ResponsibilityRule | None:
        r = self.conn.execute(select(cases_tables.responsibility_rules).where(cases_tables.responsibility_rules.c.id == rule_id)).first()
        return _row_to_rule(r) if r else None

    def add(self, rule: ResponsibilityRule) -> int:
        return self.conn.execute(insert(cases_tables.responsibility_rules).values(rule_to_row(rule))
                                 .returning(cases_tables.responsibility_rules.c.id)).scalar_one()

    def update(self, rule: ResponsibilityRule) -> None:
        self.conn.execute(update(cases_tables.responsibility_rules).where(cases_tables.responsibility_rules.c.id == rule.id)
                          .values(rule_to_row(rule)))

    def delete(self, rule_id: int) -> None:
        self.conn.execute(delete(cases_tables.responsibility_rules).where(cases_tables.responsibility_rules.c.id == rule_id))
