"""What every service needs, wired once by an entry point: the unit-of-work factory, settings, a
clock (tests move it), and small in-process caches of slow-changing reference data."""

from __future__ import annotations

import logging
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
log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Load:
    """One load of one key in progress: the threads that miss meanwhile wait for it (or take the old value)."""

    __slots__ = ("done", "error", "thread", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.thread = threading.get_ident()
        self.value: Any = None
        self.error: BaseException | None = None


class TTLCache:
    """Reference data (calendar, catalogue, grids, rules) changes rarely and is read on every
    request. Each worker keeps a copy for a few seconds; a local write drops it at once, other
    workers see the change within the TTL.

    One load per key at a time: threads that miss while a key loads wait for that load rather than
    each loading it again (the grid index takes about a second to build; eight requests building it
    at once on two cores stalled intake for many seconds, docs/performance.md). When a value has only
    expired, the other threads keep answering with it while one thread refreshes it, so a refresh
    never stalls the requests around it. A refresh that finds the same value keeps the object it had.

    No lock is held while a value loads: a loader reads the database, and a thread that holds the
    database (SQLite's write lock, or PostgreSQL row locks) may itself ask the cache or drop from it.
    A waiter waits at most `wait` seconds for another thread's load, then loads for itself, so no
    such pair can wait for each other for ever. A drop bumps the key's generation (every key's,
    for a drop of everything), so a load that began before the drop never stores its stale value
    after it, and later readers do not wait on it."""

    def __init__(self, wait: float = 15.0) -> None:
        self.wait = wait
        self._data: dict[str, tuple[float, Any]] = {}
        self._loads: dict[str, _Load] = {}
        self._epoch = 0  # bumped by a drop of everything
        self._generations: dict[str, int] = {}
        self._lock = threading.Lock()  # held only around the dictionaries, never while loading

    def holds(self, key: str) -> bool:
        """Whether a value (fresh or expired) is kept for this key."""
        return key in self._data

    def get(self, key: str, ttl: float, load: Callable[[], T], *, background: bool = True) -> T:
        """An expired value is refreshed by a thread of its own while every caller gets the old one, so
        that no request, and no event loop, waits for a refresh (the grid index takes a second to build,
        the catalogue tens of milliseconds); `background=False` refreshes in the calling thread while the
        others keep the old value. The first load, and the load after a drop, are waited for."""
        hit = self._data.get(key)
        if hit is not None and time.monotonic() - hit[0] < ttl:
            return cast(T, hit[1])
        with self._lock:
            running = self._loads.get(key)
            if running is None:
                mine = self._loads[key] = _Load()
                stamp = (self._epoch, self._generations.get(key, 0))
        if running is None and hit is not None and background:
            threading.Thread(target=self._refresh, args=(key, load, mine, stamp), name=f"cache-refresh-{key}",
                             daemon=True).start()
            return cast(T, hit[1])
        if running is not None:
            if hit is not None:
                return cast(T, hit[1])  # expired, being refreshed by another thread: the old value meanwhile
            if running.thread != threading.get_ident() and running.done.wait(self.wait) and running.error is None:
                return cast(T, running.value)
            return load()  # the loader failed, is this thread, or is slow: load for ourselves (not stored)
        return self._run(key, load, mine, stamp)

    def _run(self, key: str, load: Callable[[], T], mine: _Load, stamp: tuple[int, int]) -> T:
        try:
            value = load()
        except BaseException as exc:
            mine.error = exc
            self._finish(key, mine)
            raise
        previous = self._data.get(key)
        if previous is not None and _same(previous[1], value):
            value = previous[1]  # unchanged: the same object, so stamps that hold it stay equal by identity
        mine.value = value
        with self._lock:
            if (self._epoch, self._generations.get(key, 0)) == stamp:
                self._data[key] = (time.monotonic(), value)
        self._finish(key, mine)
        return value

    def _refresh(self, key: str, load: Callable[[], Any], mine: _Load, stamp: tuple[int, int]) -> None:
        try:
            self._run(key, load, mine, stamp)
        except Exception:  # noqa: BLE001 - the old value stays; the next expired read tries again
            log.warning("refreshing cached %s failed; keeping the old value", key, exc_info=True)

    def _finish(self, key: str, load: _Load) -> None:
        with self._lock:
            if self._loads.get(key) is load:
                del self._loads[key]
        load.done.set()

    def drop(self, *keys: str) -> None:
        with self._lock:
            if not keys:
                self._epoch += 1
                self._data.clear()
                self._loads.clear()
                return
            for key in keys:
                self._forget(key)

    def drop_prefix(self, prefix: str) -> None:
        """Every entry whose key starts with `prefix` (e.g. each zoom of a map layer)."""
        with self._lock:
            for key in {k for k in (*self._data, *self._loads) if k.startswith(prefix)}:
                self._forget(key)

    def _forget(self, key: str) -> None:
        self._generations[key] = self._generations.get(key, 0) + 1
        self._data.pop(key, None)
        self._loads.pop(key, None)


def _same(old: Any, new: Any) -> bool:
    """Whether a refreshed value equals the one kept: compared once per refresh, so that the many
    comparisons of kept values against it (platform/stamped.py) stay identity checks; a reload of 413
    categories compared by content cost 0.8 ms on every Open311 GET (docs/performance.md, "Eighth round")."""
    if old is new:
        return True
    if type(old) is not type(new):
        return False
    try:
        return bool(old == new)
    except Exception:  # noqa: BLE001 - values without a usable == (arrays) count as changed
        return False


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
