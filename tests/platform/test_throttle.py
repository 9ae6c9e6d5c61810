"""Throttling counters that every app worker shares: the database (SQLite and PostgreSQL) and Redis.
Each "worker" here is its own engine or Redis connection on the same store, as two processes would be."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select

from citysteward.kernel.errors import TooManyRequests
from citysteward.kernel.throttle import MINUTE, Limit, Window, window_at
from citysteward.platform.db import make_engine
from citysteward.platform.tables import throttle_counters
from citysteward.platform.throttle import CounterStore, DatabaseCounters, Throttle
from citysteward.platform.throttle_redis import RedisCounters
from citysteward.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import database_url, require

REDIS_URL = os.environ.get("CITYSTEWARD_TEST_REDIS", "redis://127.0.0.1:6379/15")
NOW = datetime(2026, 11, 17, 2, 0, 30, tzinfo=UTC)
WINDOW = window_at(NOW, MINUTE)


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


class Stores:
    """Two workers' views of one shared store, and a way to look inside it."""

    def __init__(self, a: CounterStore, b: CounterStore, engines: list[Any]) -> None:
        self.a, self.b, self.engines = a, b, engines


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def stores(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    if backend == "redis":
        require(redis_available(), f"Redis is not reachable at {REDIS_URL}")
        prefix = f"cs:test:{uuid.uuid4().hex[:8]}:"
        a, b = RedisCounters(REDIS_URL, prefix=prefix), RedisCounters(REDIS_URL, prefix=prefix)
        yield Stores(a, b, [])
        for key in a.client.scan_iter(f"{prefix}*"):
            a.client.delete(key)
        return
    db_url = database_url(request, tmp_path, backend)
    engines = [make_engine(db_url), make_engine(db_url)]
    yield Stores(*(DatabaseCounters(SqlUnitOfWorkFactory(e)) for e in engines), engines)
    for e in engines:
        e.dispose()


def test_concurrent_hits_from_two_workers_are_all_counted(stores: Stores) -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def work(store: CounterStore) -> None:
        for _ in range(15):
            n = store.hit("race", WINDOW)
            with lock:
                seen.append(n)

    threads = [threading.Thread(target=work, args=(s,)) for s in (stores.a, stores.b, stores.a, stores.b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(1, 61))  # every increment saw its own count: none lost, none doubled
    assert stores.a.count("race", WINDOW) == stores.b.count("race", WINDOW) == 60


def test_keys_and_windows_count_apart(stores: Stores) -> None:
    later = Window(WINDOW.end, MINUTE)
    assert [stores.a.hit("k1", WINDOW), stores.b.hit("k1", WINDOW), stores.a.hit("k2", WINDOW),
            stores.b.hit("k1", later)] == [1, 2, 1, 1]
    assert stores.b.count("k3", WINDOW) == 0


def test_a_limit_holds_across_workers_and_the_next_window_starts_afresh(stores: Stores) -> None:
    limit = Limit("report-minute", 5, MINUTE, "提交过于频繁")
    worker_a, worker_b = Throttle(stores.a, "secret"), Throttle(stores.b, "secret")
    for worker in (worker_a, worker_b, worker_a, worker_b, worker_a):
        worker.hit(NOW, (limit, "203.0.113.9"))
    for worker in (worker_b, worker_a):
        with pytest.raises(TooManyRequests) as refused:
            worker.hit(NOW, (limit, "203.0.113.9"))
        assert refused.value.retry_after == 30 and "请 30 秒后再试" in refused.value.message
    worker_b.hit(NOW, (limit, "198.51.100.7"))  # another client is not affected
    worker_a.hit(NOW + timedelta(seconds=30), (limit, "203.0.113.9"))  # the next minute


def test_lockouts_count_failures_but_not_the_checks(stores: Stores) -> None:
    limit = Limit("login-user", 3, 900, "该账号密码错误次数过多，已暂时锁定")
    worker_a, worker_b = Throttle(stores.a, "secret"), Throttle(stores.b, "secret")
    for _ in range(5):
        worker_a.guard(NOW, (limit, "admin"))  # checking counts nothing
    worker_a.fail(NOW, (limit, "admin"))
    worker_b.fail(NOW, (limit, "admin"))
    worker_b.guard(NOW, (limit, "admin"))
    worker_a.fail(NOW, (limit, "admin"))
    with pytest.raises(TooManyRequests) as locked:
        worker_b.guard(NOW, (limit, "admin"))
    assert locked.value.retry_after == 870  # the 15-minute window ends at 02:15


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_database_keeps_keyed_hashes_and_prunes_ended_windows(backend: str, stores: Stores) -> None:
    limit = Limit("report-day", 10, MINUTE, "x")
    Throttle(stores.a, "secret").hit(NOW - timedelta(minutes=5), (limit, "203.0.113.9"))
    Throttle(stores.a, "secret").hit(NOW, (limit, "203.0.113.9"))
    with stores.engines[0].connect() as conn:
        keys = [r.key for r in conn.execute(select(throttle_counters))]
    assert len(keys) == 2 and not any("203.0.113" in k for k in keys)
    assert isinstance(stores.a, DatabaseCounters)
    assert stores.a.prune(datetime.fromtimestamp(WINDOW.start, UTC)) == 1  # the ended window only
    with stores.engines[0].connect() as conn:
        assert conn.execute(select(throttle_counters.c.window_start)).scalars().all() == [WINDOW.start]


def test_without_redis_the_counts_go_to_the_database(db_url: str) -> None:
    engine = make_engine(db_url)
    database = DatabaseCounters(SqlUnitOfWorkFactory(engine))
    down = RedisCounters("redis://127.0.0.1:1/0", fallback=database)  # nothing listens on port 1
    assert [down.hit("k", WINDOW), down.hit("k", WINDOW)] == [1, 2]
    assert database.count("k", WINDOW) == 2 and down.count("k", WINDOW) == 2
    engine.dispose()
