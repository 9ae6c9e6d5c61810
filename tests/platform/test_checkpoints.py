"""SQLite's write-ahead log is copied back into the database file by a thread of each serving worker
(platform/db.py `Checkpoints`), not by the commit that crosses SQLite's threshold. SQLite only: PostgreSQL
has no such log to copy, and `Checkpoints.start_for` gives it none (checked below)."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from citysteward.bootstrap import create_app
from citysteward.platform.db import Checkpoints, make_engine
from citysteward.platform.runtime import Runtime
from tests.builders.polling import wait_until


def _in_database_file(db: Path, tmp_path: Path, marker: str) -> bool:
    """Whether a row is in the database file itself, WAL left aside: a copy of the file alone."""
    copy = tmp_path / f"alone-{time.monotonic_ns()}.db"
    shutil.copy(db, copy)
    conn = sqlite3.connect(copy)
    try:
        return conn.execute("SELECT count(*) FROM t WHERE v = ?", (marker,)).fetchone()[0] == 1
    finally:
        conn.close()


def test_committed_rows_reach_the_database_file_without_a_commit_checkpointing(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 20_000  # only a backstop
        conn.execute(text("CREATE TABLE t (v TEXT)"))
    raw = sqlite3.connect(db, isolation_level=None)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the table itself into the database file
    raw.close()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES ('before')"))
    assert not _in_database_file(db, tmp_path, "before")  # committed, still only in the WAL

    checkpoints = Checkpoints.start_for(engine, interval=0.05)
    assert checkpoints is not None
    try:
        assert wait_until(lambda: _in_database_file(db, tmp_path, "before"), 15)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES ('after')"))
        assert wait_until(lambda: _in_database_file(db, tmp_path, "after"), 15)
        assert checkpoints.runs >= 2
    finally:
        checkpoints.stop()
    assert not checkpoints._thread.is_alive()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES ('stopped')"))
    time.sleep(0.2)
    assert not _in_database_file(db, tmp_path, "stopped")
    engine.dispose()


def test_only_a_sqlite_file_gets_a_checkpointer(tmp_path: Path, pg_database: str) -> None:
    memory = create_engine("sqlite://")
    postgres = make_engine(pg_database)
    try:
        assert Checkpoints.start_for(memory) is None and Checkpoints.start_for(postgres) is None
    finally:
        memory.dispose()
        postgres.dispose()


def test_a_serving_worker_runs_one_while_it_serves(rt: Runtime) -> None:
    app = create_app(runtime=rt)
    sqlite = rt.settings.database_url.startswith("sqlite")
    with TestClient(app) as client:  # the lifespan: reference data loaded, checkpoints started
        assert client.get("/healthz").status_code == 200
        checkpoints = app.state.checkpoints
        assert (checkpoints is not None) == sqlite
        if checkpoints is not None:
            assert checkpoints._thread.is_alive()
    if checkpoints is not None:
        assert not checkpoints._thread.is_alive()  # stopped with the worker
