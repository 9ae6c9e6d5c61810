"""RawInsert (the intake writer's inserts through the driver's executemany) stores what SQLAlchemy's own
insert stores, value for value, inside the caller's transaction, on SQLite and PostgreSQL; so does
LinkedInsert (PostgreSQL's parents and children in one statement), with each child linked to its parent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
)

from citysteward.kernel.numbering import numbered
from citysteward.platform.db import make_engine
from citysteward.platform.rawinsert import LinkedInsert, Numbering, RawInsert
from citysteward.platform.types import UTCDateTime

metadata = MetaData()


def _value_columns() -> list[Column[Any]]:
    """The columns whose values both inserts must store as SQLAlchemy does (a fresh set per table)."""
    return [Column("name", String(40), nullable=True), Column("at", UTCDateTime(), nullable=True),
            Column("payload", JSON, nullable=False), Column("flag", Boolean, nullable=True),
            Column("amount", Float, nullable=True)]


sample = Table("rawinsert_sample", metadata, Column("id", Integer, primary_key=True), *_value_columns())
numbered_parents = Table("rawinsert_numbered", metadata, Column("id", Integer, primary_key=True),
                         Column("code", String(40), nullable=False, unique=True), *_value_columns())
counter = Table(
    "rawinsert_counter",
    metadata,
    Column("day", String(8), primary_key=True),
    Column("last", Integer, nullable=False),
)
children = Table(
    "rawinsert_children",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("parent_id", Integer, ForeignKey("rawinsert_numbered.id"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("note", Text, nullable=False),
    Column("payload", JSON, nullable=False),
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


# ------------------------------------------------------------------ LinkedInsert (PostgreSQL)
NUMBERING = Numbering(counter, "day", "last", 5)
CHILDREN: list[tuple[int, dict[str, Any]]] = [  # (the parent's position, row): interleaved, two for one parent
    (0, {"at": datetime(2026, 11, 26, 8, 30, tzinfo=UTC), "note": "上报", "payload": {"b": 1, "a": [2]}}),
    (1, {"at": datetime(2026, 11, 26, 17, 0, tzinfo=timezone(timedelta(hours=8))), "note": "it's 50%",
         "payload": {}}),
    (0, {"at": datetime(2026, 11, 26, 9, 0, tzinfo=UTC), "note": "派遣", "payload": {"单位": "市政"}}),
    (2, {"at": datetime(2026, 11, 26, 10, 0, tzinfo=UTC), "note": "", "payload": {"x": None}}),
]


def _linked() -> LinkedInsert:
    return LinkedInsert(numbered_parents, "code", children, "parent_id", NUMBERING)


def _numbered(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(numbered_parents).order_by(numbered_parents.c.id))]


def _children(engine: Engine) -> list[tuple[str, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(select(numbered_parents.c.code, children.c.at, children.c.note, children.c.payload)
                            .join(numbered_parents, numbered_parents.c.id == children.c.parent_id)
                            .order_by(children.c.id))
        return [(r.code, {"at": r.at, "note": r.note, "payload": r.payload}) for r in rows]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_linked_rows_are_numbered_gaplessly_and_read_back_as_sqlalchemys_own(engine: Engine) -> None:
    with engine.begin() as conn:
        first = _linked().run(conn, "20261126", "T20261126-", ROWS, CHILDREN)
    with engine.begin() as conn:
        second = _linked().run(conn, "20261126", "T20261126-", ROWS[:1], [])
        other_day = _linked().run(conn, "20261127", "T20261127-", ROWS[:1], [])
    assert [code for _, code in first] == ["T20261126-00001", "T20261126-00002", "T20261126-00003"]
    assert [code for _, code in second + other_day] == ["T20261126-00004", "T20261127-00001"]
    stored = _numbered(engine)
    assert [(r["id"], r["code"]) for r in stored] == first + second + other_day  # ids as returned, in order
    with engine.begin() as conn:
        conn.execute(sample.delete())
        conn.execute(insert(sample), ROWS)
    assert [{k: v for k, v in r.items() if k not in ("id", "code")} for r in stored[:3]] == _stored(engine)
    linked_children = _children(engine)
    assert linked_children == [(first[i][1], row) for i, row in CHILDREN]  # in order, each under its parent
    assert list(linked_children[0][1]["payload"]) == ["b", "a"]  # JSON text kept as sent: keys in order
    assert linked_children[1][1]["at"] == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # stored in UTC


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_numbers_sql_renders_as_pythons_rule(engine: Engine) -> None:
    """The same stem and padding as `kernel.numbering.numbered`, also past the padded width."""
    numbers = [1, 42, 99_999, 100_000, 1_234_567]
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        rendered = []
        for n in numbers:
            cursor.execute("SELECT " + NUMBERING.key_sql("%(n)s::bigint"), {"stem": "JZ20261126-", "n": n})
            rendered.append(cursor.fetchone()[0])
    assert rendered == [numbered("JZ20261126-", n, 5) for n in numbers]
    assert rendered[3] == "JZ20261126-100000"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_linked_rows_and_their_numbers_belong_to_the_callers_transaction(engine: Engine) -> None:
    with engine.connect() as conn:
        assert len(_linked().run(conn, "20261126", "T20261126-", ROWS, CHILDREN)) == 3
        assert conn.in_transaction()
        conn.rollback()
    assert _numbered(engine) == [] and _children(engine) == []
    with engine.begin() as conn:
        assert _linked().run(conn, "20261126", "T20261126-", [], []) == []  # nothing to write: no statement
    with pytest.raises(ValueError, match="naive datetime"), engine.begin() as conn:
        _linked().run(conn, "20261126", "T20261126-", ROWS[:1], [(0, {**CHILDREN[0][1], "at": datetime(2026, 11, 26, 8, 0)})])
    with engine.begin() as conn:  # the numbers rolled back with the rows: no gap
        assert _linked().run(conn, "20261126", "T20261126-", ROWS[:1], [])[0][1] == "T20261126-00001"
