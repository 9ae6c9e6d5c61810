"""Administration: units, users, categories, responsibility rules. Every change is audited with who,
when, before and after."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from citysteward.cases.domain.routing import ResponsibilityRule
from citysteward.cases.ports import CasesUnitOfWork, unit_of_work
from citysteward.catalogue import services as catalogue_services
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import InvalidInput, NotFound
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime


# ------------------------------------------------------------------ responsibility rules
def _rule_from(data: dict[str, Any], rule_id: int = 0) -> ResponsibilityRule:
    try:
        main = int(data["main_unit_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("责任规则需要主办单位 main_unit_id", {"field": "main_unit_id"}) from exc
    if data.get("category_code") and data.get("category_class"):
        raise InvalidInput("类别与大类只能填写其一")
    return ResponsibilityRule(
        id=rule_id, main_unit_id=main, assisting_unit_ids=tuple(int(u) for u in data.get("assisting_unit_ids") or ()),
        category_code=data.get("category_code") or None, category_class=data.get("category_class") or None,
        grid_code=data.get("grid_code") or None, area_code=data.get("area_code") or None,
        road=(data.get("road") or "").strip() or None, note=data.get("note") or "",
        active=bool(data.get("active", True)),
    )


def _check_rule(rt: Runtime, uow: CasesUnitOfWork, rule: ResponsibilityRule) -> None:
    for unit_id in (rule.main_unit_id, *rule.assisting_unit_ids):
        if uow.org.unit(unit_id) is None:
            raise InvalidInput(f"单位 {unit_id} 不存在", {"field": "main_unit_id"})
    if rule.category_code and rule.category_code not in catalogue_services.catalogue(rt).by_code:
        raise InvalidInput(f"类别 {rule.category_code} 不存在", {"field": "category_code"})
    if rule.category_class and rule.category_class not in catalogue_services.catalogue(rt).class_names:
        raise InvalidInput(f"大类 {rule.category_class} 不存在", {"field": "category_class"})
    if rule.grid_code and uow.areas.grid(rule.grid_code) is None:
        raise InvalidInput(f"网格 {rule.grid_code} 不存在", {"field": "grid_code"})
    if rule.area_code and uow.areas.area(rule.area_code) is None:
        raise InvalidInput(f"区域 {rule.area_code} 不存在", {"field": "area_code"})


def create_rule(rt: Runtime, actor: Actor, data: dict[str, Any]) -> ResponsibilityRule:
    rule = _rule_from(data)
    with unit_of_work(rt) as uow:
        _check_rule(rt, uow, rule)
        rule = replace(rule, id=uow.rules.add(rule))
        record_change(rt, uow, actor, "rule", rule.id, "create", None, _rule_dict(rule))
        uow.commit()
    rt.cache.drop("rules")
    return rule


def update_rule(rt: Runtime, actor: Actor, rule_id: int, data: dict[str, Any]) -> ResponsibilityRule:
    with unit_of_work(rt) as uow:
        before = uow.rules.get(rule_id)
        if before is None:
            raise NotFound(f"责任规则 {rule_id} 不存在")
        rule = _rule_from({**_rule_dict(before), **data}, rule_id)
        _check_rule(rt, uow, rule)
        uow.rules.update(rule)
        record_change(rt, uow, actor, "rule", rule_id, "update", _rule_dict(before), _rule_dict(rule))
        uow.commit()
    rt.cache.drop("rules")
    return rule


def delete_rule(rt: Runtime, actor: Actor, rule_id: int) -> None:
    with unit_of_work(rt) as uow:
        before = uow.rules.get(rule_id)
        if before is None:
            raise NotFound(f"责任规则 {rule_id} 不存在")
        uow.rules.delete(rule_id)
        record_change(rt, uow, actor, "rule", rule_id, "delete", _rule_dict(before), None)
        uow.commit()
    rt.cache.drop("rules")


def _rule_dict(rule: ResponsibilityRule) -> dict[str, Any]:
    return {
        "id": rule.id, "main_unit_id": rule.main_unit_id, "assisting_unit_ids": list(rule.assisting_unit_ids),
        "category_code": rule.category_code, "category_class": rule.category_class, "grid_code": rule.grid_code,
        "area_code": rule.area_code, "road": rule.road, "note": rule.note, "active": rule.active,
        "scope": f"{rule.category_scope}/{rule.place_scope}",
    }


rule_dict = _rule_dict


def list_rules(rt: Runtime) -> list[dict[str, Any]]:
    with unit_of_work(rt, readonly=True) as uow:
        return [_rule_dict(r) for r in uow.rules.all()]

TTL = 15.0


def rules(rt: Runtime) -> list[ResponsibilityRule]:
    def load() -> list[ResponsibilityRule]:
        with unit_of_work(rt, readonly=True) as uow:
            return uow.rules.all()

    return rt.cache.get("rules", TTL, load)
