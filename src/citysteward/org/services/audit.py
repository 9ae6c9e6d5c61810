"""Administration: units, users, categories, responsibility rules. Every change is audited with who,
when, before and after."""

from __future__ import annotations

from typing import Any

from citysteward.kernel.actor import Actor
from citysteward.org.ports import OrgUnitOfWork, unit_of_work
from citysteward.platform.runtime import Runtime


def record_change(rt: Runtime, uow: OrgUnitOfWork, actor: Actor, entity: str, entity_id: object, action: str,
           before: Any, after: Any) -> None:
    uow.audit.record(rt.now(), actor.user_id, actor.name, entity, str(entity_id), action,
                     jsonable(before), jsonable(after))


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if k != "password_hash"}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def audit_entries(rt: Runtime, entity: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    with unit_of_work(rt, readonly=True) as uow:
        return uow.audit.list(entity, limit)
