"""The access log (访问日志): sign-ins, failed sign-ins, sign-outs, and every time personal data is shown
unmasked — a case's reporter name and phone, the users list, grid teams' phones (PIPL 个人信息保护法
art. 51 and 55: record access to personal information). Read by the administrator only.

An entry holds when, who (user id, login name, display name, role), what (the action; for a view, which
record and which fields) and the client's address. A password is never written: a failed login keeps
the name as typed and why it failed. A login is written in the login's own unit of work; a view (a read
with nothing else to write) joins a group commit, so concurrent views share one transaction, and the
caller returns once its entry is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import InvalidInput
from citysteward.org.ports import OrgUnitOfWork, unit_of_work
from citysteward.platform import caller
from citysteward.platform.groupcommit import GroupCommit
from citysteward.platform.runtime import Runtime

ACTIONS = {"login": "登录", "login_failed": "登录失败", "logout": "退出登录", "view": "查看个人信息"}
ENTITIES = {"case": "案件上报人姓名电话", "users": "用户列表（电话）", "grid_team": "网格团队电话"}
FAILURES = {"unknown_user": "用户名不存在", "bad_password": "密码错误", "inactive": "账号已停用"}
MAX_PAGE = 500


def entry(rt: Runtime, action: str, *, user_id: int | None = None, username: str = "", display_name: str = "",
          role: str = "", entity: str = "", entity_id: object = "", detail: dict[str, Any] | None = None,
          client_ip: str = "") -> dict[str, Any]:
    """One access-log row, stamped with the time and the client's address (by default the current
    request's)."""
    return {"at": rt.now(), "user_id": user_id, "username": username[:64], "display_name": display_name[:64],
            "role": role, "action": action, "entity": entity, "entity_id": str(entity_id)[:64],
            "client_ip": (client_ip or caller.client_ip())[:45], "detail": detail}


def record_in(uow: OrgUnitOfWork, row: dict[str, Any]) -> None:
    """Write an entry inside the caller's unit of work (committed with it)."""
    uow.access.record([row])


def record(rt: Runtime, row: dict[str, Any]) -> None:
    """Write an entry on its own; concurrent ones share a transaction. Never call it inside an open
    write unit of work (on SQLite the writer would wait for it)."""
    _writer(rt).submit(row)


def _write_many(uow: OrgUnitOfWork, rows: list[dict[str, Any]]) -> list[None]:
    uow.access.record(rows)
    return [None] * len(rows)


def _writer(rt: Runtime) -> GroupCommit[OrgUnitOfWork, dict[str, Any], None]:
    return rt.singleton("access_log", lambda: GroupCommit(
        lambda: unit_of_work(rt), lambda uow, row: record_in(uow, row), write_many=_write_many))


PURGE_BATCH = 1000


def purge(rt: Runtime) -> int:
    """Delete the entries older than the retention (`CITYSTEWARD_ACCESS_LOG_DAYS`; 0 keeps every entry),
    oldest first, a batch a transaction. Entries come in nearly in time order, so the walk stops at the
    first batch that holds one still kept: a round with nothing to delete reads one batch by key."""
    days = rt.settings.access_log_days
    if not days:
        return 0
    before = rt.now() - timedelta(days=days)
    deleted = 0
    while True:
        with unit_of_work(rt) as uow:
            batch = uow.access.oldest(PURGE_BATCH)
            expired = [entry_id for entry_id, at in batch if at < before]
            deleted += uow.access.delete(expired)
            uow.commit()
        if len(expired) < PURGE_BATCH:
            return deleted


def record_view(rt: Runtime, actor: Actor, entity: str, entity_id: object, fields: Sequence[str]) -> None:
    """Personal data was shown to `actor` unmasked: which record, which fields."""
    record(rt, entry(rt, "view", user_id=actor.user_id, display_name=actor.name, role=actor.role.value,
                     entity=entity, entity_id=entity_id, detail={"fields": list(fields)}))


def entries(rt: Runtime, filters: dict[str, Any] | None = None, before_id: int | None = None,
            limit: int = 100) -> list[dict[str, Any]]:
    """Newest first; `filters`: action, username (its logins and everything its user did), user_id,
    entity, entity_id; page on with `before_id` (the last id seen)."""
    f = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    if f.get("action") and f["action"] not in ACTIONS:
        raise InvalidInput(f"未知的访问类型：{f['action']}", {"field": "action", "allowed": list(ACTIONS)})
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"每页条数应在 1–{MAX_PAGE} 之间", {"field": "limit"})
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.access.list(f, before_id, limit)
    return [labelled(r) for r in rows]


def labelled(row: dict[str, Any]) -> dict[str, Any]:
    detail = row.get("detail") or {}
    role = row.get("role") or ""
    return {**row, "action_label": ACTIONS.get(row["action"], row["action"]),
            "entity_label": ENTITIES.get(row["entity"], row["entity"]),
            "role_label": Role(role).label if role in Role._value2member_map_ else role,
            "reason_label": FAILURES.get(detail.get("reason", ""), "")}
