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

from citysteward.platform.db import make_engine
from citysteward.platform.rawinsert import LinkedInsert, RawInsert
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

children = Table(
    "rawinsert_children",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("parent_id", Integer, ForeignKey("rawinsert_sample.id"), nullable=False),
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
CHILDREN: list[tuple[str, dict[str, Any]]] = [  # (parent's name, row): interleaved, two for one parent
    ("井盖缺失", {"at": datetime(2026, 11, 26, 8, 30, tzinfo=UTC), "note": "上报", "payload": {"b": 1, "a": [2]}}),
    ("quote ' and %s and ?", {"at": datetime(2026, 11, 26, 17, 0, tzinfo=timezone(timedelta(hours=8))),
                              "note": "it's 50%", "payload": {}}),
    ("井盖缺失", {"at": datetime(2026, 11, 26, 9, 0, tzinfo=UTC), "note": "派遣", "payload": {"单位": "市政"}}),
    ("路灯不亮", {"at": datetime(2026, 11, 26, 10, 0, tzinfo=UTC), "note": "", "payload": {"x": None}}),
]
PARENTS = [{**ROWS[0]}, {**ROWS[2]}, {**ROWS[1], "name": "路灯不亮"}]  # the key (name) is unique


def _children(engine: Engine) -> list[tuple[str, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(select(sample.c.name, children.c.at, children.c.note, children.c.payload)
                            .join(sample, sample.c.id == children.c.parent_id).order_by(children.c.id))
        return [(r.name, {"at": r.at, "note": r.note, "payload": r.payload}) for r in rows]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_linked_rows_read_back_as_sqlalchemys_own_each_child_with_its_parent(engine: Engine) -> None:
    linked = LinkedInsert(sample, "name", children, "parent_id")
    with engine.begin() as conn:
        ids = linked.run(conn, PARENTS, CHILDREN)
    by_linked, linked_children = _stored(engine), _children(engine)
    with engine.connect() as conn:
        assert {r.name: r.id for r in conn.execute(select(sample.c.id, sample.c.name))} == ids
    with engine.begin() as conn:
        conn.execute(children.delete())
        conn.execute(sample.delete())
        for parent in PARENTS:
            parent_id = conn.execute(insert(sample).values(parent).returning(sample.c.id)).scalar_one()
            for name, row in CHILDREN:
                if name == parent["name"]:
                    conn.execute(insert(children).values(parent_id=parent_id, **row))
    assert by_linked == _stored(engine)  # parents in the order given, value for value
    assert sorted(linked_children, key=repr) == sorted(_children(engine), key=repr)
    assert linked_children == CHILDREN  # children in the order given (ids ascending), each under its parent
    assert list(linked_children[0][1]["payload"]) == ["b", "a"]  # JSON text kept as sent: keys in order
    assert linked_children[1][1]["at"] == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_linked_rows_belong_to_the_callers_transaction(engine: Engine) -> None:
    linked = LinkedInsert(sample, "name", children, "parent_id")
    with engine.connect() as conn:
        assert linked.run(conn, PARENTS, CHILDREN) != {}
        assert conn.in_transaction()
        conn.rollback()
    assert _stored(engine) == [] and _children(engine) == []
    with engine.begin() as conn:
        assert linked.run(conn, [], []) == {}  # nothing to write is no statement at all
    with pytest.raises(ValueError, match="naive datetime"), engine.begin() as conn:
        linked.run(conn, PARENTS[:1], [("井盖缺失", {**CHILDREN[0][1], "at": datetime(2026, 11, 26, 8, 0)})])
    assert _stored(engine) == []
