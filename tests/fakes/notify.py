"""Fake outbox, notices and notification contacts."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tests.fakes.tables import FakeRepository, Row, new_row, ordered

_OUTBOX_DEFAULTS: Row = {"dedupe_key": None, "unit_id": None, "user_id": None, "address": None, "link": "",
                         "status": "pending", "attempts": 0, "version": 1, "claimed_at": None, "sent_at": None,
                         "last_error": None}


class FakeOutboxRepository(FakeRepository):
    def enqueue(self, row: Row) -> int | None:
        key = row.get("dedupe_key")
        if key and any(m["dedupe_key"] == key for m in self._r.outbox.values()):
            return None
        d = self._w
        new = d.next_id("outbox")
        d.outbox[new] = new_row(row, _OUTBOX_DEFAULTS) | {"id": new}
        return new

    def _update(self, outbox_id: int, version: int, only_if: str | None, **changes: Any) -> bool:
        m = self._r.outbox.get(outbox_id)
        if m is None or m["version"] != version or (only_if and m["status"] != only_if):
            return False
        self._w.outbox[outbox_id] = {**m, **changes, "version": version + 1}
        return True

    def claim(self, now: datetime, stale_before: datetime, limit: int) -> list[Row]:
        due = [m for m in ordered(self._r.outbox)
               if (m["status"] == "pending" and m["next_attempt_at"] <= now)
               or (m["status"] == "sending" and m["claimed_at"] is not None and m["claimed_at"] < stale_before)]
        claimed = [m["id"] for m in due[:limit] if self._update(m["id"], m["version"], None, status="sending",
                                                                claimed_at=now)]
        return copy.deepcopy([self._r.outbox[i] for i in claimed])

    def mark_sent(self, outbox_id: int, version: int, at: datetime) -> bool:
        return self._update(outbox_id, version, "sending", status="sent", sent_at=at, last_error=None)

    def mark_failed(self, outbox_id: int, version: int, error: str, next_at: datetime, dead: bool) -> bool:
        m = self._r.outbox.get(outbox_id)
        return m is not None and self._update(outbox_id, version, None, status="dead" if dead else "pending",
                                              attempts=m["attempts"] + 1, next_attempt_at=next_at,
                                              last_error=error[:2000])

    def messages(self, status: str | None = None, limit: int = 500) -> list[Row]:
        return copy.deepcopy([m for m in ordered(self._r.outbox) if not status or m["status"] == status][:limit])

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for m in self._r.outbox.values():
            out[m["status"]] = out.get(m["status"], 0) + 1
        return out

    def add_notice(self, row: Row) -> int | None:
        oid = row.get("outbox_id")
        if oid is not None and any(n["outbox_id"] == oid for n in self._r.notices.values()):
            return None
        d = self._w
        new = d.next_id("notices")
        d.notices[new] = new_row(row, {"outbox_id": None, "unit_id": None, "user_id": None, "link": "",
                                    "read_at": None}) | {"id": new}
        return new

    @staticmethod
    def _mine(n: Row, user_id: int | None, unit_id: int | None) -> bool:
        return (user_id is not None and n["user_id"] == user_id) or (
            unit_id is not None and n["unit_id"] == unit_id and n["user_id"] is None)

    def notices(self, user_id: int | None, unit_id: int | None, unread: bool, limit: int,
                before_id: int | None = None) -> tuple[list[Row], int]:
        mine = [n for n in reversed(ordered(self._r.notices)) if self._mine(n, user_id, unit_id)]
        shown = [n for n in mine if (not unread or n["read_at"] is None) and (not before_id or n["id"] < before_id)]
        return copy.deepcopy(shown[:limit]), sum(n["read_at"] is None for n in mine)

    def mark_read(self, notice_id: int, user_id: int | None, unit_id: int | None, at: datetime) -> bool:
        n = self._r.notices.get(notice_id)
        if n is None or n["read_at"] is not None or not self._mine(n, user_id, unit_id):
            return False
        self._w.notices[notice_id] = {**n, "read_at": at}
        return True

    def unread_count(self, user_id: int | None, unit_id: int | None) -> int:
        return sum(n["read_at"] is None and self._mine(n, user_id, unit_id) for n in self._r.notices.values())

    def mark_all_read(self, user_id: int | None, unit_id: int | None, at: datetime) -> int:
        ids = [k for k, n in self._r.notices.items() if n["read_at"] is None and self._mine(n, user_id, unit_id)]
        for k in ids:
            self._w.notices[k] = {**self._r.notices[k], "read_at": at}
        return len(ids)

    def contacts(self, unit_id: int) -> list[str]:
        return [c["email"] for c in ordered(self._r.contacts) if c["unit_id"] == unit_id and c["active"]]

    def set_contacts(self, unit_id: int, emails: Sequence[str]) -> None:
        d = self._w
        d.contacts = {k: c for k, c in d.contacts.items() if c["unit_id"] != unit_id}
        for email in emails:
            new = d.next_id("contacts")
            d.contacts[new] = {"id": new, "unit_id": unit_id, "email": email, "active": True}

