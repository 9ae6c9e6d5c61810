"""Administration: units, users, categories, responsibility rules. Every change is audited with who,
when, before and after."""

from __future__ import annotations

import re
from typing import Any

from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Conflict, InvalidInput, NotFound
from citysteward.org.ports import unit_of_work
from citysteward.org.services import access, auth
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime

UNIT_KINDS = {
    "city_department": "市直部门", "district": "区城管局", "sanitation": "环卫", "street": "街道办事处",
    "company": "国有企业", "facility": "专业养护单位", "center": "指挥中心", "other": "其他",
}
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")


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
    with unit_of_work(rt) as uow:
        if uow.org.unit_by_name(name) or uow.org.unit_by_name(code):
            raise Conflict(f"单位「{name}」或编码 {code} 已存在")
        row["id"] = uow.org.add_unit(row)
        record_change(rt, uow, actor, "unit", row["id"], "create", None, row)
        uow.commit()
    rt.cache.drop("unit_names")
    return row


# An update with no field to change is the client's mistake (and `UPDATE … SET` with nothing is no SQL).
NOTHING_TO_CHANGE = "没有要修改的内容"


def update_unit(rt: Runtime, actor: Actor, unit_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    allowed = {k: v for k, v in changes.items() if k in ("name", "kind", "district_code", "phone", "active")}
    if not allowed:
        raise InvalidInput(NOTHING_TO_CHANGE)
    if "kind" in allowed and allowed["kind"] not in UNIT_KINDS:
        raise InvalidInput(f"未知的单位类型：{allowed['kind']}")
    with unit_of_work(rt) as uow:
        before = uow.org.unit(unit_id)
        if before is None:
            raise NotFound(f"单位 {unit_id} 不存在")
        same_name = uow.org.unit_by_name(allowed["name"]) if "name" in allowed else None
        if same_name and same_name["id"] != unit_id:
            raise Conflict(f"单位「{allowed['name']}」已存在")
        uow.org.update_unit(unit_id, allowed)
        after = uow.org.unit(unit_id)
        record_change(rt, uow, actor, "unit", unit_id, "update", before, after)
        uow.commit()
    rt.cache.drop("unit_names")
    return after or {}


def list_units(rt: Runtime) -> list[dict[str, Any]]:
    with unit_of_work(rt, readonly=True) as uow:
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
        role = Role(str(data.get("role") or ""))
    except ValueError as exc:
        raise InvalidInput(f"未知的角色：{data.get('role')}", {"allowed": [r.value for r in Role]}) from exc
    unit_id = data.get("unit_id")
    if role is Role.UNIT and not unit_id:
        raise InvalidInput("责任单位用户必须属于一个单位", {"field": "unit_id"})
    row = {"username": username, "password_hash": auth.hash_password(password),
           "display_name": (data.get("display_name") or username).strip(), "phone": data.get("phone"),
           "role": role.value, "unit_id": unit_id, "active": True, "created_at": rt.now()}
    with unit_of_work(rt) as uow:
        if uow.org.user_by_name(username):
            raise Conflict(f"用户名 {username} 已存在")
        if unit_id and uow.org.unit(unit_id) is None:
            raise InvalidInput(f"单位 {unit_id} 不存在", {"field": "unit_id"})
        row["id"] = uow.org.add_user(row)
        record_change(rt, uow, actor, "user", row["id"], "create", None, row)
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
    if not allowed:
        raise InvalidInput(NOTHING_TO_CHANGE)
    with unit_of_work(rt) as uow:
        before = uow.org.user(user_id)
        if before is None:
            raise NotFound(f"用户 {user_id} 不存在")
        if allowed.get("unit_id") and uow.org.unit(allowed["unit_id"]) is None:
            raise InvalidInput(f"单位 {allowed['unit_id']} 不存在", {"field": "unit_id"})
        uow.org.update_user(user_id, allowed)
        if "role" in allowed or "unit_id" in allowed or allowed.get("active") is False or "password_hash" in allowed:
            uow.org.delete_user_tokens(user_id)  # old sessions must not keep old rights
        after = uow.org.user(user_id)
        record_change(rt, uow, actor, "user", user_id, "update", before, after)
        uow.commit()
    return _public_user(after or {})


def list_users(rt: Runtime, unit_id: int | None = None, viewer: Actor | None = None) -> list[dict[str, Any]]:
    """The users with their phones (personal data): a `viewer` seeing them is written to the access log."""
    with unit_of_work(rt, readonly=True) as uow:
        rows = [_public_user(r) for r in uow.org.users(unit_id)]
    if viewer is not None:
        access.record_view(rt, viewer, "users", unit_id if unit_id is not None else "*", ["phone"])
    return rows

TTL = 15.0


def unit_names(rt: Runtime) -> dict[int, str]:
    def load() -> dict[int, str]:
        with unit_of_work(rt, readonly=True) as uow:
            return {u["id"]: u["name"] for u in uow.org.units()}

    return rt.cache.get("unit_names", TTL, load)
