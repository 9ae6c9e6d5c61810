"""One SQLite writer across worker processes (platform/writelock.py): a process that wants to write
waits, in the kernel, until the process holding the lock lets go — then it gets it at once."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path
from typing import Any

from citysteward.platform.writelock import WriteLock


def _hold(database: str, log: str, held: Any, go: Any) -> None:
    with WriteLock(database):
        held.set()
        go.wait(60)
        with open(log, "a") as f:
            f.write("other worker done\n")


def test_a_second_worker_process_waits_for_the_writer_and_then_writes(tmp_path: Path) -> None:
    database, log = str(tmp_path / "city.db"), str(tmp_path / "order.log")
    ctx = multiprocessing.get_context("spawn")
    held, go = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_hold, args=(database, log, held, go))
    other.start()
    try:
        assert held.wait(60)
        mine = WriteLock(database)
        got = threading.Event()

        def write() -> None:
            with mine:
                got.set()
                with open(log, "a") as f:
                    f.write("this worker\n")

        writer = threading.Thread(target=write)
        writer.start()
        assert not got.wait(0.3)  # still held by the other process
        go.set()
        writer.join(60)
        assert got.is_set()
        assert Path(log).read_text().splitlines() == ["other worker done", "this worker"]
    finally:
        go.set()
        other.join(60)
    assert (tmp_path / "city.db.writelock").exists()


def test_threads_of_one_process_take_turns_and_memory_databases_need_no_file(tmp_path: Path) -> None:
    lock = WriteLock(None)
    inside: list[int] = []
    overlaps: list[int] = []

    def work(n: int) -> None:
        for _ in range(200):
            with lock:
                inside.append(n)
                if len(inside) > 1:
                    overlaps.append(n)
                inside.pop()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert overlaps == []
    assert list(tmp_path.iterdir()) == []
