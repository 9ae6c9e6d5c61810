"""What every service needs, wired once by an entry point: the unit-of-work factory, settings, a
clock (tests move it), and small in-process caches of slow-changing reference data."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from citysteward.config import Settings
from citysteward.platform.throttle import CounterStore, DatabaseCounters, Throttle
from citysteward.platform.transaction import UnitOfWorkFactory

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


class TTLCache:
    """Reference data (calendar, catalogue, grids, rules) changes rarely and is read on every
    request. Each worker keeps a copy for a few seconds; a local write drops it at once, other
    workers see the change within the TTL.

    No lock is held while a value loads: a loader reads the database, and a thread that holds the
    database (SQLite's write lock, or PostgreSQL row locks) may itself ask the cache or drop from it;
    holding a cache lock across the load would let those two threads wait for each other forever.
    Two threads missing at once both load (reference data: cheap and harmless). A drop bumps the
    generation, so a load that began before the drop never stores its stale value after it."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[float, Any]] = {}
        self._generation = 0
        self._lock = threading.Lock()  # held only around the dictionary, never while loading

    def get(self, key: str, ttl: float, load: Callable[[], T]) -> T:
        hit = self._data.get(key)
        if hit and time.monotonic() - hit[0] < ttl:
            return cast(T, hit[1])
        generation = self._generation
        value = load()
        with self._lock:
            if self._generation == generation:
                self._data[key] = (time.monotonic(), value)
        return value

    def drop(self, *keys: str) -> None:
        with self._lock:
            self._generation += 1
            for key in keys or list(self._data):
                self._data.pop(key, None)

    def drop_prefix(self, prefix: str) -> None:
        """Every entry whose key starts with `prefix` (e.g. each zoom of a map layer)."""
        with self._lock:
            self._generation += 1
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
