"""The reference-data cache never holds a lock while a value loads: a thread that holds the database and
asks the cache (or drops from it) cannot wait forever on a thread that is loading from the database.
And a drop during a load wins: the load's value, read before the change, is not stored."""

from __future__ import annotations

import threading

from citysteward.platform.runtime import TTLCache


def test_a_drop_while_another_thread_loads_neither_waits_nor_keeps_the_stale_value() -> None:
    cache = TTLCache()
    loading, release = threading.Event(), threading.Event()
    values: list[str] = []

    def slow_load() -> str:
        loading.set()
        release.wait(30)  # stands for a query waiting on a lock the other thread holds
        return "old"

    loader = threading.Thread(target=lambda: values.append(cache.get("catalogue", 60, slow_load)))
    loader.start()
    assert loading.wait(30)
    # the other thread (holding the database, say) drops the key and reads another one meanwhile
    dropper = threading.Thread(target=lambda: (cache.drop("catalogue"), values.append(cache.get("rules", 60, lambda: "r"))))
    dropper.start()
    dropper.join(30)
    assert not dropper.is_alive(), "a drop waited for a load in another thread"
    release.set()
    loader.join(30)
    assert values == ["r", "old"]  # the loader got its own answer …
    assert cache.get("catalogue", 60, lambda: "new") == "new"  # … but it was not stored over the drop


def test_a_loader_may_read_other_cached_data() -> None:
    cache = TTLCache()
    assert cache.get("figures", 60, lambda: cache.get("catalogue", 60, lambda: 7) * 6) == 42
    assert cache.get("figures", 60, lambda: 0) == 42  # stored: the second call does not load


def test_threads_that_miss_together_load_once() -> None:
    cache = TTLCache()
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow_load() -> int:
        calls.append(1)
        started.set()
        release.wait(30)
        return 42

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("grid_index", 60, slow_load))) for _ in range(8)]
    threads[0].start()
    assert started.wait(30)
    for t in threads[1:]:
        t.start()
    release.set()
    for t in threads:
        t.join(30)
    assert results == [42] * 8
    assert len(calls) == 1


def test_an_expired_value_is_served_while_one_thread_refreshes_it() -> None:
    cache = TTLCache()
    assert cache.get("rules", 60, lambda: "v1") == "v1"
    cache._data["rules"] = (cache._data["rules"][0] - 3600, "v1")  # an hour old: expired
    refreshing, release = threading.Event(), threading.Event()

    def slow_refresh() -> str:
        refreshing.set()
        release.wait(30)
        return "v2"

    refresher = threading.Thread(target=lambda: cache.get("rules", 60, slow_refresh, background=False))
    refresher.start()
    assert refreshing.wait(30)
    assert cache.get("rules", 60, lambda: "never", background=False) == "v1"  # no wait, no second load
    release.set()
    refresher.join(30)
    assert cache.get("rules", 60, lambda: "never", background=False) == "v2"


def test_a_waiter_gives_up_on_a_stuck_load_and_loads_for_itself() -> None:
    cache = TTLCache(wait=0.05)
    stuck, release = threading.Event(), threading.Event()

    def stuck_load() -> str:
        stuck.set()
        release.wait(30)  # e.g. waiting on a lock the waiter's thread holds
        return "late"

    loader = threading.Thread(target=lambda: cache.get("calendar", 60, stuck_load))
    loader.start()
    assert stuck.wait(30)
    assert cache.get("calendar", 60, lambda: "own") == "own"
    release.set()
    loader.join(30)


def test_a_failed_load_is_not_stored_and_the_next_reader_loads_again() -> None:
    cache = TTLCache()

    def broken() -> str:
        raise RuntimeError("database down")

    try:
        cache.get("catalogue", 60, broken)
    except RuntimeError:
        pass
    assert cache.get("catalogue", 60, lambda: "ok") == "ok"


def test_a_background_refresh_answers_with_the_old_value_and_stores_the_new_one() -> None:
    cache = TTLCache()
    assert cache.get("grid_index", 60, lambda: "v1", background=True) == "v1"
    cache._data["grid_index"] = (cache._data["grid_index"][0] - 3600, "v1")
    built = threading.Event()

    def rebuild() -> str:
        built.set()
        return "v2"

    assert cache.get("grid_index", 60, rebuild, background=True) == "v1"  # no wait, even for the caller
    assert built.wait(30)
    for _ in range(300):
        if cache.get("grid_index", 60, lambda: "never", background=True) == "v2":
            break
        threading.Event().wait(0.01)
    assert cache.get("grid_index", 60, lambda: "never", background=True) == "v2"


def _refresh(cache: TTLCache, key: str, load: object) -> object:
    """Expire the kept value and refresh it in the calling thread."""
    cache._data[key] = (cache._data[key][0] - 3600, cache._data[key][1])
    return cache.get(key, 60, load, background=False)  # type: ignore[arg-type]


def test_a_refresh_that_finds_the_same_data_keeps_the_same_object() -> None:
    """Kept documents hold the reference data they were built with and compare it by identity first
    (platform/stamped.py): an equal but new object after every refresh turned each of those comparisons
    into a comparison of the whole catalogue."""
    cache = TTLCache()
    kept = cache.get("catalogue", 60, lambda: {"c1": ["路面破损", 24], "c2": ["井盖缺失", 2]})
    assert _refresh(cache, "catalogue", lambda: {"c1": ["路面破损", 24], "c2": ["井盖缺失", 2]}) is kept
    assert cache.get("catalogue", 60, lambda: {}) is kept
    changed = _refresh(cache, "catalogue", lambda: {"c1": ["路面破损", 12], "c2": ["井盖缺失", 2]})
    assert changed is not kept and changed == {"c1": ["路面破损", 12], "c2": ["井盖缺失", 2]}
    assert cache.get("catalogue", 60, lambda: {}) is changed


class _Uncomparable:
    """Stands for values whose == is not a truth value (numpy arrays in an index)."""

    def __eq__(self, other: object) -> bool:
        raise ValueError("the truth value of an array is ambiguous")

    __hash__ = object.__hash__


def test_a_value_that_cannot_be_compared_is_replaced_on_refresh() -> None:
    cache = TTLCache()
    cache.get("grid_index", 60, _Uncomparable)
    fresh = _refresh(cache, "grid_index", _Uncomparable)
    assert cache.get("grid_index", 60, _Uncomparable) is fresh
    # different types are never taken for one another, equal or not
    cache.get("n", 60, lambda: 1)
    assert type(_refresh(cache, "n", lambda: 1.0)) is float
