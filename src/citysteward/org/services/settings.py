"""Local-policy settings kept in the database (evaluation weights, supervision and hot-spot rules):
read through a short per-worker cache, replaced whole by an administrator, audited."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden
from citysteward.org.ports import unit_of_work
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime


class Serialisable(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


S = TypeVar("S", bound=Serialisable)


def load(rt: Runtime, key: str, parse: Callable[[Any], S]) -> S:
    def read() -> S:
        with unit_of_work(rt, readonly=True) as uow:
            return parse(uow.settings.get(key))

    return rt.cache.get(f"setting:{key}", 15.0, read)


def replace(rt: Runtime, actor: Actor, key: str, data: Mapping[str, Any], parse: Callable[[Any], S]) -> dict[str, Any]:
    """Anything left out of `data` takes its default (the parser decides)."""
    if actor.role is not Role.ADMIN:
        raise Forbidden("需要系统管理员权限")
    parsed = parse(data).to_dict()
    with unit_of_work(rt) as uow:
        before = uow.settings.get(key)
        uow.settings.put(key, parsed, rt.now(), actor.name)
        record_change(rt, uow, actor, "settings", key, "update", before, parsed)
        uow.commit()
    rt.cache.drop(f"setting:{key}")
    return parsed
