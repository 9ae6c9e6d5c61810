"""One writer at a time on a SQLite database file, across threads and worker processes.

SQLite lets one connection write at a time; a second writer waits in SQLite's busy handler, which
sleeps and retries with growing pauses (1, 2, 5 … 100 ms). With two uvicorn workers, each with its
own group-commit writer, the two took turns through those sleeps: intake with two workers was slower
than with one, with seconds at the 95th percentile (docs/performance.md). Here a writer first takes
this process's thread lock, then an exclusive `flock` on `<database>.writelock` beside the database:
the kernel queues the waiting process and wakes it the moment the other lets go, so the next
`BEGIN IMMEDIATE` finds the database free. Readers take neither (WAL: they never wait for a writer).
Programs that do not take the lock (the sqlite3 shell) are still covered by SQLite's busy timeout.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from types import TracebackType


class WriteLock:
    def __init__(self, database: str | None) -> None:
        """`database`: the SQLite file; None (or an in-memory database) for a lock within the process."""
        self._thread = threading.Lock()
        self._path = Path(f"{database}.writelock") if database and database != ":memory:" else None
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int | None:
        if self._path is None:
            return None
        if self._fd is None or self._pid != os.getpid():  # opened per process (workers are started, not forked, but be safe)
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self) -> None:
        self._thread.acquire()
        try:
            fd = self._file()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)  # releases the GIL while it waits
        except BaseException:
            self._thread.release()
            raise

    def release(self) -> None:
        try:
            if self._fd is not None and self._pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread.release()

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
