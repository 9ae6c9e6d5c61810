"""The rules (settings), who may read, record and declare, and the input parsers every use case shares."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from citysteward.flood.domain import (
    DECLARERS,
    RECORDERS,
    FloodRules,
)
from citysteward.flood.ports import FloodUnitOfWork
from citysteward.kernel import fields
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden, InvalidInput, NotFound
from citysteward.org.services import settings
from citysteward.platform.runtime import Runtime

SETTINGS_KEY = "flood"
MAX_COUNT = 100_000


def rules(rt: Runtime) -> FloodRules:
    return settings.load(rt, SETTINGS_KEY, FloodRules.from_dict)


def set_rules(rt: Runtime, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    return settings.replace(rt, actor, SETTINGS_KEY, data, FloodRules.from_dict)


def _can_read(actor: Actor) -> None:
    if not actor.role.is_staff or actor.role is Role.SYSTEM:
        raise Forbidden("需要工作人员登录")


def _can_record(actor: Actor) -> None:
    if actor.role not in RECORDERS:
        raise Forbidden(f"「{actor.role.label}」不能登记防汛信息")


def _can_declare(actor: Actor) -> None:
    if actor.role not in DECLARERS:
        raise Forbidden(f"「{actor.role.label}」无权启动或调整应急响应")




def _count(data: Mapping[str, Any], key: str, label: str) -> int:
    value = data.get(key)
    if value in (None, ""):
        return 0
    try:
        n = int(str(value))
    except ValueError as exc:
        raise InvalidInput(f"{label}须为整数", {"field": key}) from exc
    if not 0 <= n <= MAX_COUNT:
        raise InvalidInput(f"{label}须在 0–{MAX_COUNT} 之间", {"field": key})
    return n



def _moment(rt: Runtime, value: Any, field: str, default: datetime | None = None) -> datetime:
    if value in (None, ""):
        if default is None:
            raise InvalidInput("请填写时间", {"field": field})
        return default
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise InvalidInput("时间格式应为 YYYY-MM-DDTHH:MM", {"field": field}) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=rt.settings.tz)
    return moment.astimezone(UTC)


def _event(uow: FloodUnitOfWork, event_id: int, lock: bool = False) -> dict[str, Any]:
    ev = uow.flood.event(int(event_id), lock=lock)
    if ev is None:
        raise NotFound(f"防汛事件 {event_id} 不存在", {"event_id": event_id})
    return ev


def _unit(uow: FloodUnitOfWork, unit_id: Any, field: str = "unit_id") -> int | None:
    if unit_id in (None, ""):
        return None
    try:
        uid = int(unit_id)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("单位编号须为整数", {"field": field}) from exc
    unit = uow.org.unit(uid)
    if unit is None or not unit["active"]:
        raise InvalidInput(f"单位 {unit_id} 不存在或已停用", {"field": field})
    return uid


# The shared field parsers (kernel/fields.py), under the names this context's use cases call them by.
_enum = fields.choice
_text = fields.text
_num = fields.number
