"""Repositories on SQLAlchemy Core: explicit row <-> domain mapping, one class per aggregate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, or_, select, update

from citysteward.org import tables as org_tables
from citysteward.platform.db import upsert
from citysteward.platform.quickread import QuickReads

S = org_tables.evaluation_settings


# ---------------------------------------------------------------- org: units, users, tokens

# The sign-in check of every request: built once, values bound at execution (docs/performance.md).
_TOKEN_USER = (
    select(org_tables.users, org_tables.auth_tokens.c.expires_at)
    .join(org_tables.auth_tokens, org_tables.auth_tokens.c.user_id == org_tables.users.c.id)
    .where(org_tables.auth_tokens.c.token_hash == bindparam("token_hash"),
           org_tables.auth_tokens.c.expires_at > bindparam("now", type_=org_tables.auth_tokens.c.expires_at.type))
)


class SqlOrgGlances:
    """Single-statement reads outside a transaction (platform/quickread.py)."""

    def __init__(self, reads: QuickReads) -> None:
        self.reads = reads

    def token_user(self, token_hash: str, now: datetime) -> dict[str, Any] | None:
        return self.reads.first_mapping(_TOKEN_USER, {"token_hash": token_hash, "now": now})


class SqlOrgRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def units(self) -> list[dict[str, Any]]:
        return [dict(r._mapping) for r in self.conn.execute(select(org_tables.units).order_by(org_tables.units.c.id))]

    def unit(self, unit_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(org_tables.units).where(org_tables.units.c.id == unit_id)).first()
        return dict(row._mapping) if row else None

    def unit_by_name(self, name: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(org_tables.units).where(or_(org_tables.units.c.name == name, org_tables.units.c.code == name))).first()
        return dict(row._mapping) if row else None

    def add_unit(self, row: dict[str, Any]) -> int:
        return self.conn.execute(insert(org_tables.units).values(row).returning(org_tables.units.c.id)).scalar_one()

    def update_unit(self, unit_id: int, changes: dict[str, Any]) -> None:
        self.conn.execute(update(org_tables.units).where(org_tables.units.c.id == unit_id).values(changes))

    def users(self, unit_id: int | None = None) -> list[dict[str, Any]]:
        stmt = select(org_tables.users).order_by(org_tables.users.c.id)
        if unit_id is not None:
            stmt = stmt.where(org_tables.users.c.unit_id == unit_id)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def user(self, user_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(org_tables.users).where(org_tables.users.c.id == user_id)).first()
        return dict(row._mapping) if row else None

    def user_by_name(self, username: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(org_tables.users).where(org_tables.users.c.username == username)).first()
        return dict(row._mapping) if row else None

    def add_user(self, row: dict[str, Any]) -> int:
        return self.conn.execute(insert(org_tables.users).values(row).returning(org_tables.users.c.id)).scalar_one()

    def update_user(self, user_id: int, changes: dict[str, Any]) -> None:
        self.conn.execute(update(org_tables.users).where(org_tables.users.c.id == user_id).values(changes))

    def add_token(self, token_hash: str, user_id: int, created_at: datetime, expires_at: datetime) -> None:
        self.conn.execute(insert(org_tables.auth_tokens).values(
            token_hash=token_hash, user_id=user_id, created_at=created_at, expires_at=expires_at))

    def token_user(self, token_hash: str, now: datetime) -> dict[str, Any] | None:
        row = self.conn.execute(_TOKEN_USER, {"token_hash": token_hash, "now": now}).first()
        return dict(row._mapping) if row else None

    def delete_token(self, token_hash: str) -> None:
        self.conn.execute(delete(org_tables.auth_tokens).where(org_tables.auth_tokens.c.token_hash == token_hash))

    def delete_user_tokens(self, user_id: int) -> None:
        self.conn.execute(delete(org_tables.auth_tokens).where(org_tables.auth_tokens.c.user_id == user_id))


# ---------------------------------------------------------------- audit
class SqlAuditLog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, at: datetime, actor_id: int | None, actor_name: str, entity: str, entity_id: str,
               action: str, before: Any, after: Any) -> None:
        self.conn.execute(insert(org_tables.audit_log).values(
            at=at, actor_id=actor_id, actor_name=actor_name, entity=entity, entity_id=str(entity_id),
            action=action, before=before, after=after))

    def list(self, entity: str | None, limit: int) -> list[dict[str, Any]]:
        stmt = select(org_tables.audit_log).order_by(org_tables.audit_log.c.id.desc()).limit(limit)
        if entity:
            stmt = stmt.where(org_tables.audit_log.c.entity == entity)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]


class SqlAccessLog:
    """Logins and views of personal data; newest first, filtered by action, user name or record."""

    FILTERS = ("action", "user_id", "entity", "entity_id")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, entries: Sequence[dict[str, Any]]) -> None:
        if entries:
            self.conn.execute(insert(org_tables.access_log), list(entries))

    def oldest(self, limit: int) -> list[tuple[int, datetime]]:
        A = org_tables.access_log
        return [(r.id, r.at) for r in self.conn.execute(select(A.c.id, A.c.at).order_by(A.c.id).limit(limit))]

    def delete(self, ids: Sequence[int]) -> int:
        if not ids:
            return 0
        A = org_tables.access_log
        return self.conn.execute(A.delete().where(A.c.id.in_(list(ids)))).rowcount or 0

    def list(self, filters: dict[str, Any], before_id: int | None, limit: int) -> list[dict[str, Any]]:
        A = org_tables.access_log
        stmt = select(A).order_by(A.c.id.desc()).limit(limit)
        for name in self.FILTERS:
            if filters.get(name):
                stmt = stmt.where(A.c[name] == filters[name])
        if filters.get("username"):  # the logins under that name and everything its user did
            user_id = select(org_tables.users.c.id).where(org_tables.users.c.username == filters["username"])
            stmt = stmt.where(or_(A.c.username == filters["username"], A.c.user_id == user_id.scalar_subquery()))
        if before_id is not None:
            stmt = stmt.where(A.c.id < before_id)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]


class SqlSettingsRepository:
    """Local-policy settings (evaluation weights, supervision and hot-spot rules) as JSON by key."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, key: str) -> dict[str, Any] | None:
        value = self.conn.execute(select(S.c.value).where(S.c.key == key)).scalar()
        return dict(value) if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any], at: datetime, by: str) -> None:
        stmt = upsert(self.conn, S).values(key=key, value=value, updated_at=at, updated_by=by)
        self.conn.execute(stmt.on_conflict_do_update(index_elements=["key"],
                                                     set_={"value": value, "updated_at": at, "updated_by": by}))
