"""Staff login with argon2-hashed passwords and expiring bearer tokens.

Tokens are random; the database keeps only their sha256, so checking one is a primary-key lookup on
every request. No worker remembers a check: a logout, a disabled user or a changed role (which deletes
the user's tokens) is refused by every worker on its very next request.

Argon2 runs only at login (~150 ms a hash by design), outside any transaction, and it runs for an
unknown user name too (against a dummy hash), so the answer's timing does not tell which names exist.
Wrong passwords are counted per user name and per client address (platform/throttle.py); once a name
or an address has had its allowance in the window, it is locked until the window ends. Logins, failed
logins and logouts go to the access log (services/access.py)."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Unauthorized
from citysteward.kernel.throttle import Limit
from citysteward.org.ports import glances, unit_of_work
from citysteward.org.services import access
from citysteward.platform import caller
from citysteward.platform.replica import primary_reads
from citysteward.platform.runtime import Runtime

_hasher = PasswordHasher()


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


@functools.cache
def _dummy_hash() -> str:
    """What an unknown user name's password is checked against: a hash made with the same parameters
    as every real one, so both cost the same."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(stored: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def _refusal(row: dict[str, Any] | None, password: str) -> str:
    """Why a login fails ('' when it does not). Exactly one argon2 verification whatever the case (the
    dummy hash is made on a worker's first login, known name or not)."""
    dummy = _dummy_hash()
    ok = _verify(row["password_hash"] if row else dummy, password)
    if row is None:
        return "unknown_user"
    if not ok:
        return "bad_password"
    return "" if row["active"] else "inactive"


def login_limits(rt: Runtime) -> tuple[Limit, Limit]:
    """Wrong passwords allowed per user name and per client address in one lockout window."""
    s = rt.settings
    return (Limit("login-user", s.login_failures_per_user, s.login_lockout_seconds, "该账号密码错误次数过多，已暂时锁定"),
            Limit("login-ip", s.login_failures_per_ip, s.login_lockout_seconds, "登录失败次数过多，已暂时锁定"))


def login(rt: Runtime, username: str, password: str, client_ip: str = "") -> LoginResult:
    name = username.strip()
    client_ip = client_ip or caller.client_ip()
    per_user, per_ip = login_limits(rt)
    checks = ((per_user, name), (per_ip, client_ip))
    now = rt.now()
    rt.throttle.guard(now, *checks)  # locked: refused before any password is checked
    with unit_of_work(rt, readonly=True) as uow:
        row = uow.org.user_by_name(name)
    who: dict[str, Any] = {"user_id": row["id"], "display_name": row["display_name"], "role": row["role"]} if row else {}
    reason = _refusal(row, password)
    if reason:
        rt.throttle.fail(now, *checks)
        access.record(rt, access.entry(rt, "login_failed", username=name, detail={"reason": reason},
                                       client_ip=client_ip, **who))
        raise Unauthorized("用户名或密码错误")
    assert row is not None
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=rt.settings.token_ttl_hours)
    with unit_of_work(rt) as uow:
        uow.org.add_token(_digest(token), row["id"], now, expires)
        access.record_in(uow, access.entry(rt, "login", username=name, client_ip=client_ip, **who))
        uow.commit()
    return LoginResult(token, expires, _user_from_row({**row, "expires_at": expires}))


def authenticate(rt: Runtime, token: str) -> StaffUser:
    """The user behind a bearer token: one primary-key lookup, on every request, on the primary
    (never a lagging replica: a revoked token is refused at once, docs/security.md)."""
    with primary_reads():
        row = glances(rt).org.token_user(_digest(token), rt.now())
    if row is None or not row["active"]:
        raise Unauthorized("登录已过期或无效，请重新登录")
    return _user_from_row(row)


def logout(rt: Runtime, token: str) -> None:
    digest = _digest(token)
    with unit_of_work(rt) as uow:
        row = uow.org.token_user(digest, rt.now())
        uow.org.delete_token(digest)
        if row is not None:
            access.record_in(uow, access.entry(rt, "logout", user_id=row["id"], username=row["username"],
                                               display_name=row["display_name"], role=row["role"]))
        uow.commit()
