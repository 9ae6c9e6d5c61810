"""Glances (platform/quickread.py): one statement on a pooled driver connection, outside a transaction, with
rows exactly as `Connection.execute` gives them, on both databases; the connection goes back to the
pool as it came (a later unit of work still rolls back what it did not commit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, func, literal_column, select, table, text
from sqlalchemy.exc import DBAPIError

from citysteward.org import tables as org_tables
from citysteward.platform.db import make_engine
from citysteward.platform.quickread import QuickReads
from citysteward.platform.runtime import Runtime
from citysteward.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import City


def _sql(rt: Runtime) -> SqlUnitOfWorkFactory:
    assert isinstance(rt.uow, SqlUnitOfWorkFactory)
    return rt.uow


def test_a_glance_gives_the_same_row_as_a_unit_of_work(rt: Runtime, city: City) -> None:
    now = rt.now()
    digest = "a" * 64
    with rt.uow() as uow:
        uow.org.add_token(digest, city.users["leader"]["id"], now, now + timedelta(hours=8))
        uow.commit()
    with rt.uow(readonly=True) as uow:
        expected = uow.org.token_user(digest, now)
    glanced = _sql(rt).glance.org.token_user(digest, now)
    assert expected is not None and glanced == expected
    assert [type(v) for v in glanced.values()] == [type(v) for v in expected.values()]
    assert isinstance(glanced["expires_at"], datetime) and glanced["expires_at"].tzinfo is not None
    assert glanced["expires_at"] == now + timedelta(hours=8)
    # The bound datetime is converted by the column's type too: expired is expired.
    assert _sql(rt).glance.org.token_user(digest, now + timedelta(hours=9)) is None
    assert _sql(rt).glance.org.token_user("b" * 64, now) is None


def test_the_connection_goes_back_to_the_pool_as_it_came(db_url: str) -> None:
    engine = make_engine(db_url, pool_size=1, max_overflow=0)  # every step below gets the same connection
    try:
        with engine.begin() as c:
            c.execute(text("CREATE TABLE IF NOT EXISTS glance_probe (n INTEGER)"))
            c.execute(text("DELETE FROM glance_probe"))
        reads = QuickReads(engine)
        one = select(literal_column("1").label("one"))
        assert reads.first(one, {}) == (1,)
        with engine.connect() as c:  # a unit of work after a glance is a transaction again
            c.execute(text("INSERT INTO glance_probe (n) VALUES (1)"))
            c.rollback()
        assert reads.first(select(func.count()).select_from(table("glance_probe")), {}) == (0,)
        if engine.dialect.name == "postgresql":
            with engine.connect() as c:
                assert c.exec_driver_sql("SELECT 1").scalar_one() == 1
                assert c.connection.driver_connection.autocommit is False  # type: ignore[union-attr]
    finally:
        with engine.begin() as c:
            c.execute(text("DROP TABLE IF EXISTS glance_probe"))
        engine.dispose()


def test_a_statement_with_a_list_rendered_per_call_is_refused(rt: Runtime) -> None:
    stmt = select(org_tables.users.c.id).where(org_tables.users.c.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="plain bind parameters"):
        _sql(rt).glance.org.reads.rows(stmt, {"ids": [1, 2]})


def test_driver_errors_come_as_sqlalchemy_errors(rt: Runtime) -> None:
    with pytest.raises(DBAPIError):
        _sql(rt).glance.org.reads.rows(select(func.count()).select_from(table("no_such_table")), {})
    # and the pool is still usable
    assert _sql(rt).glance.org.token_user("c" * 64, datetime.now(UTC)) is None


def test_sqlite_times_read_back_aware_utc_whatever_the_stored_text() -> None:
    """Our own writes are naive UTC text; text written by hand may carry an offset or be a bare day."""
    from sqlalchemy.dialects import sqlite

    from citysteward.platform.types import UTCDateTime

    read = UTCDateTime().result_processor(sqlite.dialect(), None)
    assert read("2026-11-17 02:13:45.123456") == datetime(2026, 11, 17, 2, 13, 45, 123456, tzinfo=UTC)
    assert read("2026-11-17 10:00:00+08:00") == datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
    assert read("2026-11-17") == datetime(2026, 11, 17, tzinfo=UTC)
    assert read("2026-11-17 02:00:00").tzinfo is UTC and read(None) is None


def test_times_come_back_aware_in_utc_and_postgresql_sessions_run_in_utc(city: City) -> None:
    with city.rt.uow(readonly=True) as uow:
        if uow.conn.dialect.name == "postgresql":
            assert uow.conn.execute(text("SELECT current_setting('TimeZone')")).scalar_one() == "UTC"
        found = uow.conn.execute(select(org_tables.users.c.created_at).limit(1)).scalar_one()
    assert found.tzinfo is UTC
