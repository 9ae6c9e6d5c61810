"""Idempotent intake (幂等上报): a client that did not hear back — the connection dropped after it sent
a report — sends the same report again with the same `Idempotency-Key` header and gets the first
answer (same case number, same status) instead of a second case. IETF draft "The Idempotency-Key HTTP
Header Field" (draft-ietf-httpapi-idempotency-key-header).

- A key belongs to one client: a staff user, an Open311 client application, or an anonymous caller
  known only by a keyed hash of its address (the address itself is personal data and is not kept).
- The same key with different content is the client's mistake, refused with a 422: it would otherwise
  get the answer to another report.
- Only created reports are remembered: a refused request changed nothing, so its retry is checked anew.
- A key is remembered for a configurable time (default 24 h), then forgotten and pruned.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import InvalidInput

HEADER = "Idempotency-Key"
MAX_KEY = 255
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII: a UUID, a ULID, a random token


class KeyReused(InvalidInput):
    """The same key with another request: 422 (the IETF draft's answer), also on Open311."""

    code = "idempotency_key_reused"


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """A request's key, who sent it, and a fingerprint of what it asked for."""

    key: str
    client: str
    request_hash: str
    status: int = 201  # what the entry point answers a new report with; kept with the answer

    @property
    def ident(self) -> tuple[str, str]:
        return self.client, self.key


@dataclass(frozen=True, slots=True)
class StoredReply:
    """The first answer to a key: its status and the result it was rendered from."""

    client: str
    key: str
    request_hash: str
    status: int | None
    response: dict[str, Any] | None
    created_at: datetime


def parse_key(raw: str | None) -> str | None:
    """The header's value; None when the client sent none."""
    if raw is None:
        return None
    value = raw.strip().strip('"')  # a structured-field string may arrive quoted
    if not _KEY.match(value):
        raise InvalidInput(f"{HEADER} 应为 1–{MAX_KEY} 个可见 ASCII 字符（建议使用 UUID）", {"field": HEADER})
    return value


def client_of(actor: Actor, address: str | None, secret: str) -> str:
    """Whose key it is: keys of different clients never meet."""
    if actor.client_id is not None:
        return f"client:{actor.client_id}"
    if actor.user_id is not None:
        return f"user:{actor.user_id}"
    digest = hmac.new(secret.encode(), (address or "").encode(), hashlib.sha256).hexdigest()
    return f"ip:{digest[:40]}"


def fingerprint(content: Any) -> str:
    """sha256 of the request's content in a canonical form (key order and spacing do not matter)."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def expired(stored: StoredReply, now: datetime, ttl: timedelta) -> bool:
    return stored.created_at <= now - ttl


def check_same_request(first_hash: str, request: IdempotencyKey) -> None:
    """A retry carries what the first request carried; anything else is refused."""
    if first_hash != request.request_hash:
        raise KeyReused(f"该 {HEADER} 已用于另一份内容不同的上报：重试时请原样重发；新的上报请使用新的 {HEADER}",
                       {"field": HEADER})


def replay(stored: StoredReply, request: IdempotencyKey) -> dict[str, Any]:
    """The first answer for a retry."""
    check_same_request(stored.request_hash, request)
    assert stored.response is not None  # written in the transaction that claimed the key
    return stored.response


def key_of(header: str | None, actor: Actor, address: str | None, secret: str, content: Any,
           status: int) -> IdempotencyKey | None:
    """The key of a report request, from its header, its sender and its content; None without a header."""
    key = parse_key(header)
    if key is None:
        return None
    return IdempotencyKey(key, client_of(actor, address, secret), fingerprint(content), status)
