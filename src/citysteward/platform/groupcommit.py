"""Group commit: concurrent writers of small, independent records share one transaction.

A report is validated and prepared by the caller's thread; the write itself joins a queue. One writer
thread drains the queue and writes everything waiting in a single unit of work, so N concurrent reports
pay for one BEGIN/COMMIT instead of N. The queue is drained once the unit of work is open, i.e. once
the writer holds the database (SQLite: the write lock shared by the worker processes, which it may have
waited for while another worker wrote): what came in meanwhile joins this batch instead of waiting for
the lock again. If the shared transaction fails, every item is retried on its
own, so one bad item never takes the others down and each caller gets its own result or error.
Callers block until their item is committed: an acknowledged report is durable like any other."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from typing import Generic, TypeVar

from citysteward.platform.transaction import Transaction

T = TypeVar("T")
R = TypeVar("R")
U = TypeVar("U", bound=Transaction)  # the unit of work the writer needs (a context's narrow Protocol)


class GroupCommit(Generic[U, T, R]):
    def __init__(self, open_uow: Callable[[], AbstractContextManager[U]], write: Callable[[U, T], R],
                 max_batch: int = 64, writers: int = 1,
                 write_many: Callable[[U, list[T]], list[R]] | None = None) -> None:
        """`write_many`, when given, writes a whole batch at once (multi-row statements); `write`
        handles single items and the one-by-one retry. `writers`: 1 where the database has a single
        writer (SQLite)."""
        self._open = open_uow
        self._write = write
        self._write_many = write_many
        self._max = max_batch
        self._queue: queue.SimpleQueue[tuple[T, Future[R]]] = queue.SimpleQueue()
        for n in range(max(1, writers)):
            threading.Thread(target=self._run, name=f"group-commit-{n}", daemon=True).start()

    def submit(self, item: T) -> R:
        return self.enqueue(item).result()

    def enqueue(self, item: T) -> Future[R]:
        future: Future[R] = Future()
        self._queue.put((item, future))
        return future

    def _run(self) -> None:
        while True:
            self._commit([self._queue.get()], gather=True)

    def _gather(self, batch: list[tuple[T, Future[R]]]) -> None:
        while len(batch) < self._max:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break

    def _commit(self, batch: list[tuple[T, Future[R]]], gather: bool = False) -> None:
        """`gather`: add what is waiting in the queue once the unit of work is open (the one-by-one
        retries of a failed batch gather nothing)."""
        try:
            with self._open() as uow:
                if gather:
                    self._gather(batch)
                items = [item for item, _ in batch]
                if self._write_many is not None and len(items) > 1:
                    results = self._write_many(uow, items)
                else:
                    results = [self._write(uow, item) for item in items]
                uow.commit()
        except BaseException as exc:  # noqa: BLE001 - every failure is handed to its caller
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            for entry in batch:
                self._commit([entry])
            return
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)
