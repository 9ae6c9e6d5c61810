"""The rules (settings), who may read and write, and the input parsers every use case shares."""

from __future__ import annotations

from datetime import date
from typing import Any

from citysteward.kernel import fields
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





def _day(value: Any, label: str, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput(f"{label}格式应为 YYYY-MM-DD", {"field": field}) from exc


# The shared field parsers (kernel/fields.py), under the names this context's use cases call them by.
_enum = fields.choice
_text = fields.text
_num = fields.number
