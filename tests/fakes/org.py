"""Fake org repositories: units, users and logins, local-policy settings, the audit log."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tests.fakes.tables import FakeIntegrityError, FakeRepository, Row, as_json, new_row, ordered


class FakeOrgRepository(FakeRepository):
    def units(self) -> list[Row]:
        return copy.deepcopy(ordered(self._r.units))

    def unit(self, unit_id: int) -> Row | None:
        return copy.deepcopy(self._r.units.get(unit_id))

    def add_unit(self, row: Row) -> int:
        if any(u["code"] == row["code"] or u["name"] == row["name"] for u in self._r.units.values()):
            raise FakeIntegrityError(f"unit {row['code']} / {row['name']} exists")
        d = self._w
        new = d.next_id("units")
        d.units[new] = new_row(row, {"kind": "department", "district_code": None, "phone": None, "active": True}) | {"id": new}
        return new

    def update_unit(self, unit_id: int, changes: Row) -> None:
        if unit_id in self._r.units:
            self._w.units[unit_id] = {**self._r.units[unit_id], **copy.deepcopy(changes)}

    def users(self, unit_id: int | None = None) -> list[Row]:
        return copy.deepcopy([u for u in ordered(self._r.users) if unit_id is None or u["unit_id"] == unit_id])

    def user(self, user_id: int) -> Row | None:
        return copy.deepcopy(self._r.users.get(user_id))

    def user_by_name(self, username: str) -> Row | None:
        return copy.deepcopy(next((u for u in self._r.users.values() if u["username"] == username), None))

    def add_user(self, row: Row) -> int:
        if self.user_by_name(row["username"]) is not None:
            raise FakeIntegrityError(f"user {row['username']} exists")
        d = self._w
        new = d.next_id("users")
        d.users[new] = new_row({k: v for k, v in row.items() if k != "id"},
                            {"phone": None, "unit_id": None, "active": True}) | {"id": new}
        return new

    def update_user(self, user_id: int, changes: Row) -> None:
        if user_id in self._r.users:
            self._w.users[user_id] = {**self._r.users[user_id], **copy.deepcopy(changes)}

    def add_token(self, token_hash: str, user_id: int, created_at: datetime, expires_at: datetime) -> None:
        self._w.tokens[token_hash] = {"token_hash": token_hash, "user_id": user_id, "created_at": created_at,
                                      "expires_at": expires_at}

    def token_user(self, token_hash: str, now: datetime) -> Row | None:
        token = self._r.tokens.get(token_hash)
        if token is None or token["expires_at"] <= now or token["user_id"] not in self._r.users:
            return None
        return {**copy.deepcopy(self._r.users[token["user_id"]]), "expires_at": token["expires_at"]}

    def delete_token(self, token_hash: str) -> None:
        self._w.tokens.pop(token_hash, None)

    def delete_user_tokens(self, user_id: int) -> None:
        d = self._w
        d.tokens = {k: t for k, t in d.tokens.items() if t["user_id"] != user_id}

    def unit_by_name(self, name: str) -> Row | None:
        return copy.deepcopy(next((u for u in ordered(self._r.units) if name in (u["name"], u["code"])), None))


class FakeSettingsRepository(FakeRepository):
    def get(self, key: str) -> Row | None:
        row = self._r.settings.get(key)
        return copy.deepcopy(row["value"]) if row and isinstance(row["value"], dict) else None

    def put(self, key: str, value: Row, at: datetime, by: str) -> None:
        self._w.settings[key] = {"key": key, "value": as_json(value), "updated_at": at, "updated_by": by}


class FakeAuditLog(FakeRepository):
    def record(self, at: datetime, actor_id: int | None, actor_name: str, entity: str, entity_id: str,
               action: str, before: Any, after: Any) -> None:
        d = self._w
        new = d.next_id("audit")
        d.audit[new] = {"id": new, "at": at, "actor_id": actor_id, "actor_name": actor_name, "entity": entity,
                        "entity_id": str(entity_id), "action": action, "before": as_json(before), "after": as_json(after)}

    def list(self, entity: str | None, limit: int) -> list[Row]:  # last: it shadows `list` in the class
        rows = [r for r in reversed(ordered(self._r.audit)) if not entity or r["entity"] == entity]
        return copy.deepcopy(rows[:limit])


class FakeAccessLog(FakeRepository):
    def record(self, entries: Sequence[Row]) -> None:
        d = self._w
        for row in entries:
            new = d.next_id("access")
            d.access[new] = {**copy.deepcopy(row), "detail": as_json(row.get("detail")), "id": new}

    def oldest(self, limit: int) -> list[tuple[int, datetime]]:
        return [(r["id"], r["at"]) for r in ordered(self._r.access)[:limit]]

    def delete(self, ids: Sequence[int]) -> int:
        d = self._w
        return sum(d.access.pop(i, None) is not None for i in ids)

    def list(self, filters: Row, before_id: int | None, limit: int) -> list[Row]:  # last: it shadows `list`
        user = self._r.users.get(next((k for k, u in self._r.users.items()
                                       if u["username"] == filters.get("username")), -1))
        rows = []
        for r in reversed(ordered(self._r.access)):
            if before_id is not None and r["id"] >= before_id:
                continue
            if any(filters.get(k) and r[k] != filters[k] for k in ("action", "user_id", "entity", "entity_id")):
                continue
            if filters.get("username") and not (r["username"] == filters["username"]
                                                or (user is not None and r["user_id"] == user["id"])):
                continue
            rows.append(r)
        return copy.deepcopy(rows[:limit])


class FakeThrottleCounters(FakeRepository):
    def hit(self, key: str, window_start: int, expires_at: datetime) -> int:
        d = self._w
        old = d.throttle.get((key, window_start))
        d.throttle[(key, window_start)] = {"count": (old["count"] if old else 0) + 1, "expires_at": expires_at}
        return int(d.throttle[(key, window_start)]["count"])

    def count(self, key: str, window_start: int) -> int:
        row = self._r.throttle.get((key, window_start))
        return int(row["count"]) if row else 0

    def prune(self, before: datetime) -> int:
        d = self._w
        gone = [k for k, r in d.throttle.items() if r["expires_at"] <= before]
        for k in gone:
            del d.throttle[k]
        return len(gone)
