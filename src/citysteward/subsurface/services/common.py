"""The rules (settings), who may read and write, and the input parsers every use case shares."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden, InvalidInput
from citysteward.org.services import settings
from citysteward.platform.runtime import Runtime
from citysteward.subsurface.domain import (
    FIELD_STAFF,
    SubsurfaceRules,
    TreatmentMethod,
)

SETTINGS_KEY = "subsurface"
REMEDIES = (TreatmentMethod.GROUTING, TreatmentMethod.EXCAVATION)


def rules(rt: Runtime) -> SubsurfaceRules:
    return settings.load(rt, SETTINGS_KEY, SubsurfaceRules.from_dict)


def set_rules(rt: Runtime, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    return settings.replace(rt, actor, SETTINGS_KEY, data, SubsurfaceRules.from_dict)


def _can_read(actor: Actor) -> None:
    if not actor.role.is_staff or actor.role is Role.SYSTEM:
        raise Forbidden("需要工作人员登录")


def _can_write(actor: Actor) -> None:
    if actor.role not in FIELD_STAFF:
        raise Forbidden(f"「{actor.role.label}」不能登记塌陷隐患")


def _enum(cls: Any, value: Any, label: str, field: str) -> Any:
    try:
        return cls(value)
    except ValueError as exc:
        choices = "、".join(f"{m.value}（{m.label}）" for m in cls)
        raise InvalidInput(f"未知的{label}：{value}；可选：{choices}", {"field": field}) from exc


def _num(data: Mapping[str, Any], key: str, label: str) -> float | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{label}须为数字", {"field": key}) from exc


def _text(data: Mapping[str, Any], key: str, label: str, limit: int, required: bool = False) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        raise InvalidInput(f"请填写{label}", {"field": key})
    if len(value) > limit:
        raise InvalidInput(f"{label}不能超过 {limit} 个字", {"field": key})
    return value


def _day(value: Any, label: str, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput(f"{label}格式应为 YYYY-MM-DD", {"field": field}) from exc


