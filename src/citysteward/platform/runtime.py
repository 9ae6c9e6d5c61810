"""What every service needs, wired once by an entry point: the unit-of-work factory, settings, a
clock (tests move it), and small in-process caches of slow-changing reference data."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from citysteward.config import Settings
from citysteward.platform.throttle import CounterStore, DatabaseCounters, Throttle
from citysteward.platform.transaction import UnitOfWorkFactory

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


class TTLCache:
    """Reference data (calendar, catalogue, grids, rules) changes rarely and is read on every
    request. Each worker keeps a copy for a few seconds; a local write drops it at once, other
    workers see the change within the TTL."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[float, Any]] = {}
        # Re-entrant: a loader may read other cached data (the dashboard's figures read the catalogue
        # and the rollups' offset); a plain lock would deadlock its own thread on the nested miss.
        self._lock = threading.RLock()

    def get(self, key: str, ttl: float, load: Callable[[], T]) -> T:
        hit = self._data.get(key)
        now = time.monotonic()
        if hit and now - hit[0] < ttl:
            return hit[1]
        with self._lock:
            hit = self._data.get(key)
            if hit and time.monotonic() - hit[0] < ttl:
                return hit[1]
            value = load()
            self._data[key] = (time.monotonic(), value)
            return value

    def drop(self, *keys: str) -> None:
        with self._lock:
            for key in keys or list(self._data):
                self._data.pop(key, None)

    def drop_prefix(self, prefix: str) -> None:
        """Every entry whose key starts with `prefix` (e.g. each zoom of a map layer)."""
        with self._lock:
            for key in [k for k in self._data if k.startswith(prefix)]:
                self._data.pop(key, None)


@dataclass
class Runtime:
    uow: UnitOfWorkFactory
    settings: Settings
    clock: Callable[[], datetime] = utcnow
    cache: TTLCache = field(default_factory=TTLCache)
    _singletons: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Throttling counters shared by every worker (platform/throttle.py); none given: the database's.
    counters: CounterStore | None = field(default=None, repr=False)
    throttle: Throttle = field(init=False, repr=False)

    def __post_init__(self) -> None:
        counters = self.counters if self.counters is not None else DatabaseCounters(self.uow)
        self.throttle = Throttle(counters, self.settings.secret_key, self.settings.tz)

    def now(self) -> datetime:
        return self.clock()

    def singleton(self, key: str, make: Callable[[], T]) -> T:
        """One long-lived helper per runtime (e.g. the intake group-commit writer)."""
        with self._lock:
            if key not in self._singletons:
                self._singletons[key] = make()
            return self._singletons[key]
