"""Staff login with argon2-hashed passwords and expiring bearer tokens.

Tokens are random; the database keeps only their sha256, so checking one is a primary-key lookup
(cheap on every request), and each worker remembers recent checks for a few seconds. Argon2 runs
only at login (~150 ms a hash by design)."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Unauthorized
from citysteward.org.ports import unit_of_work
from citysteward.platform.runtime import Runtime

_hasher = PasswordHasher()
_TOKEN_CACHE_SECONDS = 20.0
_token_cache: dict[str, tuple[float, StaffUser]] = {}


@dataclass(frozen=True, slots=True)
class StaffUser:
    id: int
    username: str
    display_name: str
    role: Role
    unit_id: int | None
    expires_at: datetime | None = None

    @property
    def actor(self) -> Actor:
        return Actor(role=self.role, user_id=self.id, name=self.display_name, unit_id=self.unit_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "username": self.username, "display_name": self.display_name,
            "role": self.role.value, "role_label": self.role.label, "unit_id": self.unit_id,
        }


@dataclass(frozen=True, slots=True)
class LoginResult:
    token: str
    expires_at: datetime
    user: StaffUser


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user_from_row(row: dict[str, Any]) -> StaffUser:
    return StaffUser(row["id"], row["username"], row["display_name"], Role(row["role"]), row["unit_id"],
                     row.get("expires_at"))


def login(rt: Runtime, username: str, password: str) -> LoginResult:
    with unit_of_work(rt) as uow:
        row = uow.org.user_by_name(username.strip())
        ok = False
        if row and row["active"]:
            try:
                ok = _hasher.verify(row["password_hash"], password)
            except (VerificationError, InvalidHashError):
                ok = False
        if not ok or row is None:
            raise Unauthorized("用户名或密码错误")
        now = rt.now()
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(hours=rt.settings.token_ttl_hours)
        uow.org.add_token(_digest(token), row["id"], now, expires)
        uow.commit()
    return LoginResult(token, expires, _user_from_row({**row, "expires_at": expires}))


def authenticate(rt: Runtime, token: str) -> StaffUser:
    digest = _digest(token)
    hit = _token_cache.get(digest)
    now = rt.now()
    if hit and time.monotonic() - hit[0] < _TOKEN_CACHE_SECONDS:
        user = hit[1]
        if user.expires_at is None or user.expires_at > now:
            return user
    with unit_of_work(rt, readonly=True) as uow:
        row = uow.org.token_user(digest, now)
    if row is None or not row["active"]:
        _token_cache.pop(digest, None)
        raise Unauthorized("登录已过期或无效，请重新登录")
    user = _user_from_row(row)
    if len(_token_cache) > 10_000:
        _token_cache.clear()
    _token_cache[digest] = (time.monotonic(), user)
    return user


def logout(rt: Runtime, token: str) -> None:
    digest = _digest(token)
    _token_cache.pop(digest, None)
    with unit_of_work(rt) as uow:
        uow.org.delete_token(digest)
        uow.commit()


def forget_cached_tokens() -> None:
    """After a user is disabled or their role changes, drop this worker's remembered checks."""
    _token_cache.clear()
