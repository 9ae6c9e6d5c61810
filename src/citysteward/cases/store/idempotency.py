"""Storage of idempotency keys: a retried report gets the answer its first attempt got."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from citysteward.cases import tables as cases_tables
from citysteward.cases.domain.idempotency import IdempotencyKey, StoredReply

# ---------------------------------------------------------------- idempotency keys of intake
_KEYS = cases_tables.idempotency_keys
_CLAIM = {  # ON CONFLICT DO NOTHING waits for a racing transaction's row, then skips it if that one commits
    name: fn(_KEYS).on_conflict_do_nothing(index_elements=["client", "key"]).returning(_KEYS.c.client, _KEYS.c.key)
    for name, fn in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_ANSWER = (update(_KEYS).where(_KEYS.c.client == bindparam("_client"), _KEYS.c.key == bindparam("_key"))
           .values(status=bindparam("status"), response=bindparam("response")))


class SqlIdempotencyRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def find(self, client: str, key: str) -> StoredReply | None:
        row = self.conn.execute(select(_KEYS).where(_KEYS.c.client == client, _KEYS.c.key == key)).first()
        return StoredReply(**row._mapping) if row else None

    def claim(self, keys: Sequence[IdempotencyKey], at: Any) -> set[tuple[str, str]]:
        rows = [{"client": k.client, "key": k.key, "request_hash": k.request_hash, "created_at": at} for k in keys]
        return {(r.client, r.key) for r in self.conn.execute(_CLAIM[self.conn.dialect.name], rows)}

    def complete(self, replies: Sequence[tuple[IdempotencyKey, int, dict[str, Any]]]) -> None:
        self.conn.execute(_ANSWER, [{"_client": k.client, "_key": k.key, "status": status, "response": response}
                                    for k, status, response in replies])

    def forget(self, client: str, key: str) -> None:
        self.conn.execute(delete(_KEYS).where(_KEYS.c.client == client, _KEYS.c.key == key))

    def prune(self, before: Any, limit: int) -> int:
        old = select(_KEYS.c.client, _KEYS.c.key).where(_KEYS.c.created_at < before).limit(limit)
        return int(self.conn.execute(delete(_KEYS).where(tuple_(_KEYS.c.client, _KEYS.c.key).in_(old))).rowcount)
