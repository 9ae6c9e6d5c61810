"""PostgreSQL connections in the pool (platform/db.py): one that sat idle is tested before it is handed
out, and a dead one is replaced, so a database restart or a proxy's timeout costs no request; one in
steady use is not pinged (that round trip was a sixth on a five-round-trip read)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import event

from citysteward.platform import db
from tests.conftest import PG_ADMIN_URL, scratch_pg_database


def test_an_idle_connection_killed_by_the_server_is_replaced_before_use(monkeypatch: pytest.MonkeyPatch) -> None:
    with scratch_pg_database("cs_ping") as url:
        engine = db.make_engine(url, pool_size=1, max_overflow=0)
        pings: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *a: pings.append(a[2]))
        try:
            with engine.connect() as c:
                first = c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            with engine.connect() as c:  # in steady use: handed out as it is
                assert c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() == first
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (first,))
            monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # as if it had been idle a while
            with engine.connect() as c:
                second = c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            assert second != first
            assert pings == ["SELECT pg_backend_pid()"] * 3  # the checks go round SQLAlchemy: no statement of ours lost
        finally:
            engine.dispose()
