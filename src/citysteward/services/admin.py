"""Administration: units, users, categories, responsibility rules. Every change is audited with who,
when, before and after."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from citysteward.domain.attributes import parse_definitions
from citysteward.domain.cases import Actor
from citysteward.domain.catalogue import Category, Urgency
from citysteward.domain.errors import Conflict, InvalidInput, NotFound
from citysteward.domain.model import Role
from citysteward.domain.routing import ResponsibilityRule
from citysteward.domain.timelimit import TimeLimit
from citysteward.services import auth, reference
from citysteward.services.ports import UnitOfWork
from citysteward.services.runtime import Runtime

UNIT_KINDS = {
    "city_department": "市直部门", "district": "区城管局", "sanitation": "环卫", "street": "街道办事处",
    "company": "国有企业", "facility": "专业养护单位", "center": "指挥中心", "other": "其他",
}
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")


def _audit(rt: Runtime, uow: UnitOfWork, actor: Actor, entity: str, entity_id: object, action: str,
           before: Any, after: Any) -> None:
    uow.audit.record(rt.now(), actor.user_id, actor.name, entity, str(entity_id), action,
                     _jsonable(before), _jsonable(after))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k != "password_hash"}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# ------------------------------------------------------------------ units
def create_unit(rt: Runtime, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    name = (data.get("name") or "").strip()
    code = (data.get("code") or "").strip()
    kind = data.get("kind") or "other"
    if not name or not code:
        raise InvalidInput("单位名称和编码不能为空", {"fields": ["name", "code"]})
    if kind not in UNIT_KINDS:
        raise InvalidInput(f"未知的单位类型：{kind}", {"allowed": list(UNIT_KINDS)})
    row = {"name": name, "code": code, "kind": kind, "district_code": data.get("district_code"),
           "phone": data.get("phone"), "active": bool(data.get("active", True))}
    with rt.uow() as uow:
        if uow.org.unit_by_name(name) or uow.org.unit_by_name(code):
            raise Conflict(f"单位「{name}」或编码 {code} 已存在")
        row["id"] = uow.org.add_unit(row)
        _audit(rt, uow, actor, "unit", row["id"], "create", None, row)
        uow.commit()
    rt.cache.drop("unit_names")
    return row


def update_unit(rt: Runtime, actor: Actor, unit_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    allowed = {k: v for k, v in changes.items() if k in ("name", "kind", "district_code", "phone", "active")}
    if "kind" in allowed and allowed["kind"] not in UNIT_KINDS:
        raise InvalidInput(f"未知的单位类型：{allowed['kind']}")
    with rt.uow() as uow:
        before = uow.org.unit(unit_id)
        if before is None:
            raise NotFound(f"单位 {unit_id} 不存在")
        uow.org.update_unit(unit_id, allowed)
        after = uow.org.unit(unit_id)
        _audit(rt, uow, actor, "unit", unit_id, "update", before, after)
        uow.commit()
    rt.cache.drop("unit_names")
    return after or {}


def list_units(rt: Runtime) -> list[dict[str, Any]]:
    with rt.uow(readonly=True) as uow:
        rows = uow.org.units()
    return [{**r, "kind_label": UNIT_KINDS.get(r["kind"], r["kind"])} for r in rows]


# ------------------------------------------------------------------ users
def _public_user(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "password_hash"} | {"role_label": Role(row["role"]).label}


def create_user(rt: Runtime, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    username = (data.get("username") or "").strip()
    password = data.get("password") or ""
    if not _USERNAME.match(username):
        raise InvalidInput("用户名需为 3–64 位字母、数字或 _.-", {"field": "username"})
    if len(password) < 8:
        raise InvalidInput("密码至少 8 位", {"field": "password"})
    try:
        role = Role(data.get("role"))
    except ValueError as exc:
        raise InvalidInput(f"未知的角色：{data.get('role')}", {"allowed": [r.value for r in Role]}) from exc
    unit_id = data.get("unit_id")
    if role is Role.UNIT and not unit_id:
        raise InvalidInput("责任单位用户必须属于一个单位", {"field": "unit_id"})
    row = {"username": username, "password_hash": auth.hash_password(password),
           "display_name": (data.get("display_name") or username).strip(), "phone": data.get("phone"),
           "role": role.value, "unit_id": unit_id, "active": True, "created_at": rt.now()}
    with rt.uow() as uow:
        if uow.org.user_by_name(username):
            raise Conflict(f"用户名 {username} 已存在")
        if unit_id and uow.org.unit(unit_id) is None:
            raise InvalidInput(f"单位 {unit_id} 不存在", {"field": "unit_id"})
        row["id"] = uow.org.add_user(row)
        _audit(rt, uow, actor, "user", row["id"], "create", None, row)
        uow.commit()
    return _public_user(row)


def update_user(rt: Runtime, actor: Actor, user_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    allowed = {k: v for k, v in changes.items() if k in ("display_name", "phone", "role", "unit_id", "active")}
    if "role" in allowed:
        try:
            Role(allowed["role"])
        except ValueError as exc:
            raise InvalidInput(f"未知的角色：{allowed['role']}") from exc
    if changes.get("password"):
        if len(changes["password"]) < 8:
            raise InvalidInput("密码至少 8 位", {"field": "password"})
        allowed["password_hash"] = auth.hash_password(changes["password"])
    with rt.uow() as uow:
        before = uow.org.user(user_id)
        if before is None:
            raise NotFound(f"用户 {user_id} 不存在")
        uow.org.update_user(user_id, allowed)
        if "role" in allowed or "unit_id" in allowed or allowed.get("active") is False or "password_hash" in allowed:
            uow.org.delete_user_tokens(user_id)  # old sessions must not keep old rights
        after = uow.org.user(user_id)
        _audit(rt, uow, actor, "user", user_id, "update", before, after)
        uow.commit()
    auth.forget_cached_tokens()
    return _public_user(after or {})


def list_users(rt: Runtime, unit_id: int | None = None) -> list[dict[str, Any]]:
    with rt.uow(readonly=True) as uow:
        return [_public_user(r) for r in uow.org.users(unit_id)]


# ------------------------------------------------------------------ categories
def list_categories(rt: Runtime, active_only: bool = False) -> list[Category]:
    cats = list(reference.catalogue(rt).by_code.values())
    return [c for c in cats if c.active or not active_only]


def update_category(rt: Runtime, actor: Actor, code: str, changes: dict[str, Any]) -> Category:
    with rt.uow() as uow:
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
        _audit(rt, uow, actor, "category", code, "update", before.to_dict(), after.to_dict())
        uow.commit()
    rt.cache.drop("catalogue")
    return after


def load_catalogue(rt: Runtime, categories: list[Category], actor: Actor | None = None) -> int:
    with rt.uow() as uow:
        for c in categories:
            uow.catalogue.upsert(c)
        if actor:
            _audit(rt, uow, actor, "category", "*", "import", None, {"count": len(categories)})
        uow.commit()
    rt.cache.drop("catalogue")
    return len(categories)


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


def _check_rule(rt: Runtime, uow: UnitOfWork, rule: ResponsibilityRule) -> None:
    for unit_id in (rule.main_unit_id, *rule.assisting_unit_ids):
        if uow.org.unit(unit_id) is None:
            raise InvalidInput(f"单位 {unit_id} 不存在", {"field": "main_unit_id"})
    if rule.category_code and rule.category_code not in reference.catalogue(rt).by_code:
        raise InvalidInput(f"类别 {rule.category_code} 不存在", {"field": "category_code"})
    if rule.category_class and rule.category_class not in reference.catalogue(rt).class_names:
        raise InvalidInput(f"大类 {rule.category_class} 不存在", {"field": "category_class"})
    if rule.grid_code and uow.areas.grid(rule.grid_code) is None:
        raise InvalidInput(f"网格 {rule.grid_code} 不存在", {"field": "grid_code"})
    if rule.area_code and uow.areas.area(rule.area_code) is None:
        raise InvalidInput(f"区域 {rule.area_code} 不存在", {"field": "area_code"})


def create_rule(rt: Runtime, actor: Actor, data: dict[str, Any]) -> ResponsibilityRule:
    rule = _rule_from(data)
    with rt.uow() as uow:
        _check_rule(rt, uow, rule)
        rule = replace(rule, id=uow.rules.add(rule))
        _audit(rt, uow, actor, "rule", rule.id, "create", None, _rule_dict(rule))
        uow.commit()
    rt.cache.drop("rules")
    return rule


def update_rule(rt: Runtime, actor: Actor, rule_id: int, data: dict[str, Any]) -> ResponsibilityRule:
    with rt.uow() as uow:
        before = uow.rules.get(rule_id)
        if before is None:
            raise NotFound(f"责任规则 {rule_id} 不存在")
        rule = _rule_from({**_rule_dict(before), **data}, rule_id)
        _check_rule(rt, uow, rule)
        uow.rules.update(rule)
        _audit(rt, uow, actor, "rule", rule_id, "update", _rule_dict(before), _rule_dict(rule))
        uow.commit()
    rt.cache.drop("rules")
    return rule


def delete_rule(rt: Runtime, actor: Actor, rule_id: int) -> None:
    with rt.uow() as uow:
        before = uow.rules.get(rule_id)
        if before is None:
            raise NotFound(f"责任规则 {rule_id} 不存在")
        uow.rules.delete(rule_id)
        _audit(rt, uow, actor, "rule", rule_id, "delete", _rule_dict(before), None)
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
    with rt.uow(readonly=True) as uow:
        return [_rule_dict(r) for r in uow.rules.all()]


def audit_entries(rt: Runtime, entity: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    with rt.uow(readonly=True) as uow:
        return uow.audit.list(entity, limit)
