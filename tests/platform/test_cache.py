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
