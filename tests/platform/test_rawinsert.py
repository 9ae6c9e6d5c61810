"""RawInsert (the intake writer's inserts through the driver's executemany) stores what SQLAlchemy's own
insert stores, value for value, inside the caller's transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Column, Engine, Float, Integer, MetaData, String, Table, insert, select

from citysteward.platform.db import make_engine
from citysteward.platform.rawinsert import RawInsert
from citysteward.platform.types import UTCDateTime

metadata = MetaData()
sample = Table(
    "rawinsert_sample",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=True),
    Column("at", UTCDateTime(), nullable=True),
    Column("payload", JSON, nullable=False),
    Column("flag", Boolean, nullable=True),
    Column("amount", Float, nullable=True),
)

ROWS: list[dict[str, Any]] = [
    {"name": "井盖缺失", "at": datetime(2026, 11, 26, 8, 30, 15, 123456, tzinfo=UTC),
     "payload": {"source": "open311", "attributes": {"深度": 3}, "photos": [1, 2]}, "flag": True, "amount": 2.5},
    {"name": None, "at": datetime(2026, 11, 26, 16, 0, tzinfo=timezone(timedelta(hours=8))),  # 08:00 UTC
     "payload": [], "flag": False, "amount": None},
    {"name": "quote ' and %s and ?", "at": None, "payload": {"note": "line\nbreak"}, "flag": None, "amount": -1.0},
]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    metadata.create_all(eng)
    try:
        yield eng
    finally:
        metadata.drop_all(eng)
        eng.dispose()


def _stored(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [{k: v for k, v in row._mapping.items() if k != "id"}
                for row in conn.execute(select(sample).order_by(sample.c.id))]


def test_raw_rows_read_back_as_sqlalchemys_own(engine: Engine) -> None:
    raw = RawInsert(sample, ["name", "at", "payload", "flag", "amount"])
    with engine.begin() as conn:
        raw.run(conn, ROWS)
    by_raw = _stored(engine)
    with engine.begin() as conn:
        conn.execute(sample.delete())
        conn.execute(insert(sample), ROWS)
    by_sqlalchemy = _stored(engine)
    assert by_raw == by_sqlalchemy
    assert by_raw[1]["at"] == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # stored in UTC, read back aware
    assert by_raw[0]["payload"]["attributes"] == {"深度": 3}


def test_raw_rows_belong_to_the_callers_transaction(engine: Engine) -> None:
    raw = RawInsert(sample, ["name", "at", "payload", "flag", "amount"])
    with engine.connect() as conn:
        conn.begin()
        raw.run(conn, ROWS[:2])
        conn.rollback()
    assert _stored(engine) == []
    with engine.begin() as conn:
        raw.run(conn, ROWS[2:])
        raw.run(conn, [])  # nothing to write is no statement at all
    assert [r["name"] for r in _stored(engine)] == ["quote ' and %s and ?"]


def test_a_naive_time_is_refused_as_by_sqlalchemy(engine: Engine) -> None:
    raw = RawInsert(sample, ["name", "at", "payload", "flag", "amount"])
    with pytest.raises(ValueError, match="naive datetime"), engine.begin() as conn:
        raw.run(conn, [{**ROWS[0], "at": datetime(2026, 11, 26, 8, 0)}])
    assert _stored(engine) == []


def test_a_large_batch_is_split_under_the_parameter_limit(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL gets one multi-row statement per chunk (at most 65,535 parameters a statement); SQLite
    steps one statement per row. Every row arrives, in order, either way."""
    from citysteward.platform import rawinsert

    monkeypatch.setattr(rawinsert, "MAX_PARAMETERS", 10)  # five columns: two rows a statement
    rows = [{**ROWS[i % 3], "name": f"第{i}条"} for i in range(7)]
    with engine.begin() as conn:
        RawInsert(sample, ["name", "at", "payload", "flag", "amount"]).run(conn, rows)
    assert [r["name"] for r in _stored(engine)] == [f"第{i}条" for i in range(7)]


def test_a_connection_outside_a_transaction_begins_one(engine: Engine) -> None:
    """As SQLAlchemy's own execute would: the rows are not written until the caller commits."""
    raw = RawInsert(sample, ["name", "at", "payload", "flag", "amount"])
    with engine.connect() as conn:
        raw.run(conn, ROWS[:1])
        assert conn.in_transaction()
        conn.rollback()
    assert _stored(engine) == []
