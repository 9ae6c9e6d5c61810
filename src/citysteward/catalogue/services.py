"""Administration: units, users, categories, responsibility rules. Every change is audited with who,
when, before and after."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from citysteward.catalogue.domain.attributes import parse_definitions
from citysteward.catalogue.domain.categories import Category, Urgency
from citysteward.catalogue.ports import unit_of_work
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import InvalidInput, NotFound
from citysteward.kernel.timelimit import TimeLimit
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime


# ------------------------------------------------------------------ categories
def list_categories(rt: Runtime, active_only: bool = False) -> list[Category]:
    cats = list(catalogue(rt).by_code.values())
    return [c for c in cats if c.active or not active_only]


def update_category(rt: Runtime, actor: Actor, code: str, changes: dict[str, Any]) -> Category:
    with unit_of_work(rt) as uow:
        before = uow.catalogue.get(code)
        if before is None:
            raise NotFound(f"类别 {code} 不存在")
        updates: dict[str, Any] = {}
        if "limits" in changes:
            try:
                updates["limits"] = {Urgency(k): TimeLimit.from_dict(v) for k, v in changes["limits"].items()}
            except (ValueError, AttributeError) as exc:
                raise InvalidInput("时限格式错误：{urgency: {amount, unit}}", {"field": "limits"}) from exc
        for key in ("active", "same_day", "name"):
            if key in changes:
                updates[key] = changes[key]
        if "default_urgency" in changes:
            updates["default_urgency"] = Urgency(changes["default_urgency"])
        if "attributes" in changes:
            # refuse a malformed question now rather than breaking the citizen form and Open311 later
            updates["attributes"] = tuple(d.to_dict() for d in parse_definitions(changes["attributes"]))
        after = replace(before, **updates)
        uow.catalogue.upsert(after)
        record_change(rt, uow, actor, "category", code, "update", before.to_dict(), after.to_dict())
        uow.commit()
    rt.cache.drop("catalogue")
    return after


def load_catalogue(rt: Runtime, categories: list[Category], actor: Actor | None = None) -> int:
    with unit_of_work(rt) as uow:
        for c in categories:
            uow.catalogue.upsert(c)
        if actor:
            record_change(rt, uow, actor, "category", "*", "import", None, {"count": len(categories)})
        uow.commit()
    rt.cache.drop("catalogue")
    return len(categories)

TTL = 15.0


@dataclass(frozen=True)
class Catalogue:
    by_code: dict[str, Category]
    class_names: dict[str, str]

    def get(self, code: str) -> Category:
        cat = self.by_code.get(code)
        if cat is None or not cat.active:
            raise InvalidInput(f"未知或已停用的问题类别：{code}", {"field": "category_code", "value": code})
        return cat

    def name(self, code: str) -> str:
        cat = self.by_code.get(code)
        return cat.name if cat else code


def catalogue(rt: Runtime) -> Catalogue:
    def load() -> Catalogue:
        with unit_of_work(rt, readonly=True) as uow:
            cats = uow.catalogue.all()
        return Catalogue({c.code: c for c in cats}, {c.class_code: c.class_name for c in cats})

    return rt.cache.get("catalogue", TTL, load)
