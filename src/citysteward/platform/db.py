"""Engines for both databases: SQLite in WAL mode with write transactions that take the lock up front,
PostgreSQL through psycopg 3."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

from citysteward.platform.types import UTCDateTime

log = logging.getLogger("citysteward.db")


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    if parsed.drivername in ("postgresql", "postgres"):
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    _utc_sessions(engine)
    return engine


def _utc_sessions(engine: Engine) -> None:
    """Every session in UTC, whatever the server's default: times come back from psycopg in UTC already
    (no conversion per value; a ledger page has hundreds), and SQL that reads a date off a timestamp
    means the same on every server (ours names its zones anyway). A plain SET, so pgbouncer carries it."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        dbapi_conn.commit()


IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """A pooled connection that has sat unused for a while may have been closed by the server, a
    restart or a proxy: it is tested (one round trip) before it is handed out, and replaced if dead.
    SQLAlchemy's `pool_pre_ping` does this on every checkout, which put a sixth round trip on a
    five-round-trip read (docs/performance.md); a connection in steady use is not pinged."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["last_used"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get("last_used")
        if last is None or time.monotonic() - last < IDLE_PING_SECONDS:
            return  # new, or in steady use
        try:
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_conn.rollback()
        except Exception as exc:
            raise DisconnectionError("pooled connection is dead") from exc  # the pool retries with a new one


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("pool_size", 16)
    kwargs.setdefault("max_overflow", 16)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the driver so we can BEGIN IMMEDIATE for writes.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA cache_size=-65536")
        # The WAL is copied back into the database by `Checkpoints` (a thread of each serving worker), off
        # the writers' way; SQLite's own checkpoint after a commit is only the backstop where none runs.
        cur.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cur.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction that starts as a reader and upgrades later can fail with SQLITE_BUSY
        # at once; taking the write lock up front makes writers queue on busy_timeout instead.
        readonly = conn.get_execution_options().get("readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


AUTOCHECKPOINT_PAGES = 20_000  # 80 MB of WAL: reached only where no `Checkpoints` runs (the CLI, tests)
WAL_SIZE_LIMIT = 64 * 1024 * 1024  # a WAL file that grew past this is cut back once it restarts
CHECKPOINT_SECONDS = 0.1  # small copies, small syncs: at 0.5 s the POST p99 doubled (41–45 ms against 25)


class Checkpoints:
    """Copies a SQLite database's write-ahead log back into the database file every `interval` seconds,
    in a thread of its own, on a connection of its own.

    SQLite's default does this in the commit that takes the WAL past 1,000 pages: that writer copies
    and syncs them while it still holds our write lock (platform/writelock.py), so every other writer
    waits. A case's report writes about 25 pages (its row, 17 indexes, its step, the rollups), so this
    came every 20 or so commits, and writers held the lock 15–25 % longer on average (docs/performance.md,
    "Fifth round"). A passive checkpoint takes no lock that readers or writers wait for: it copies what
    is committed while they go on, and the next writer starts the WAL over once all of it is copied.
    Each serving worker runs one (bootstrap.py, the app's lifespan); two at once are harmless (the
    second finds the checkpoint busy and skips)."""

    def __init__(self, database: str, interval: float = CHECKPOINT_SECONDS) -> None:
        self.database = database
        self.interval = interval
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)

    @classmethod
    def start_for(cls, engine: Engine, interval: float = CHECKPOINT_SECONDS) -> Checkpoints | None:
        """A running checkpointer for a SQLite database file; None for PostgreSQL or an in-memory database."""
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return None
        checkpoints = cls(database, interval)
        checkpoints._thread.start()
        return checkpoints

    def _run(self) -> None:
        conn = sqlite3.connect(self.database, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.wait(self.interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.runs += 1
                except sqlite3.Error as exc:  # a locked or busy database: the next round tries again
                    log.warning("WAL checkpoint failed: %s", exc)
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
TS = UTCDateTime()
ID = BigInteger().with_variant(Integer, "sqlite")


def upsert(conn: Connection, table: Table) -> Any:
    """An INSERT that can take `.on_conflict_do_update/nothing(...)` on either database."""
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)
