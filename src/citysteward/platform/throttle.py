"""Throttling that holds across app workers: the rules of `kernel/throttle.py` applied with counters
in a store every worker shares.

Two stores: the database (the default: a table of fixed-window counters, incremented with one upsert,
old windows pruned now and then; works on SQLite for the laptop demo and on PostgreSQL across
workers and hosts) and Redis (`CITYSTEWARD_REDIS_URL`; `throttle_redis.py`). The store is behind
`CounterStore`, so services never know which one counts. Subjects (client addresses, user names) are
kept only as keyed hashes: the counters hold no personal data.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from citysteward.kernel.throttle import Limit, Window, locked, over, refusal, window_at
from citysteward.platform.transaction import Transaction

PRUNE_EVERY_S = 300.0


class CounterStore(Protocol):
    def hit(self, key: str, window: Window) -> int:
        """Add one to `key`'s counter in `window` and return the new count."""
        ...

    def count(self, key: str, window: Window) -> int: ...


class ThrottleRepository(Protocol):
    """The database's counters (platform/throttle_store.py), used through a unit of work."""

    def hit(self, key: str, window_start: int, expires_at: datetime) -> int: ...
    def count(self, key: str, window_start: int) -> int: ...
    def prune(self, before: datetime) -> int: ...


class ThrottleUnitOfWork(Transaction, Protocol):
    @property
    def throttle(self) -> ThrottleRepository: ...


class ThrottleUnitOfWorkFactory(Protocol):
    def __call__(self, *, readonly: bool = False) -> AbstractContextManager[ThrottleUnitOfWork]: ...


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class DatabaseCounters:
    """Counters in the `throttle_counters` table: one short write transaction per counted attempt.
    Windows that ended before the current one began are deleted every few minutes (per worker)."""

    def __init__(self, uow: ThrottleUnitOfWorkFactory, prune_every_s: float = PRUNE_EVERY_S) -> None:
        self._uow = uow
        self._prune_every = prune_every_s
        self._pruned_at = time.monotonic()
        self._lock = threading.Lock()

    def hit(self, key: str, window: Window) -> int:
        with self._uow() as uow:
            n = uow.throttle.hit(key, window.start, _utc(window.end))
            uow.commit()
        self._maybe_prune(window)
        return n

    def count(self, key: str, window: Window) -> int:
        with self._uow(readonly=True) as uow:
            return uow.throttle.count(key, window.start)

    def prune(self, before: datetime) -> int:
        with self._uow() as uow:
            n = uow.throttle.prune(before)
            uow.commit()
        return n

    def _maybe_prune(self, window: Window) -> None:
        # Bounded by the window's own start (the caller's clock), not this machine's: a counter that
        # ended before it is over for every limit.
        with self._lock:
            if time.monotonic() - self._pruned_at < self._prune_every:
                return
            self._pruned_at = time.monotonic()
        self.prune(_utc(window.start))


class Throttle:
    """Counts attempts per (limit, subject) and refuses with `TooManyRequests` (429, Retry-After)."""

    def __init__(self, store: CounterStore, secret: str, tz: ZoneInfo | None = None) -> None:
        self.store = store
        self._secret = secret.encode()
        self._tz = tz

    def key(self, limit: Limit, subject: str) -> str:
        digest = hmac.new(self._secret, subject.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{limit.name}:{digest}"

    def _window(self, limit: Limit, now: datetime) -> tuple[datetime, Window]:
        local = now.astimezone(self._tz) if self._tz is not None else now
        return local, window_at(local, limit.seconds)

    def hit(self, now: datetime, *checks: tuple[Limit, str]) -> None:
        """Count one attempt against each limit in turn; the first one exceeded refuses it (later
        limits are then not counted, so a refused burst does not use up the longer windows)."""
        for limit, subject in checks:
            if limit.off:
                continue
            moment, window = self._window(limit, now)
            if over(self.store.hit(self.key(limit, subject), window), limit):
                raise refusal(limit, window, moment)

    def first(self, now: datetime, limit: Limit, subject: str) -> bool:
        """Count `subject` in `limit`'s window and say whether this is its first time there: a retry of a
        request already counted (the same Idempotency-Key) answers False, from any worker."""
        return self.store.hit(self.key(limit, subject), self._window(limit, now)[1]) == 1

    def guard(self, now: datetime, *checks: tuple[Limit, str]) -> None:
        """Refuse while a subject is locked out (as many failures as the limit allows), counting nothing."""
        for limit, subject in checks:
            if limit.off:
                continue
            moment, window = self._window(limit, now)
            if locked(self.store.count(self.key(limit, subject), window), limit):
                raise refusal(limit, window, moment)

    def fail(self, now: datetime, *checks: tuple[Limit, str]) -> None:
        """Count one failure against each limit (a wrong password)."""
        for limit, subject in checks:
            if not limit.off:
                self.store.hit(self.key(limit, subject), self._window(limit, now)[1])
