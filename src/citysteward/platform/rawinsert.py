"""Hot-path inserts compiled once and handed straight to the database driver.

SQLAlchemy Core prepares every `execute` call anew: it looks the statement up in its compiled cache,
builds an execution context and runs each parameter set through the column types one value at a time.
For a ledger page that is nothing; for the intake writer, which holds the database's write lock (SQLite)
or the day's case-number row (PostgreSQL) while it inserts a batch of two to eight reports, it was about
as long as the inserts themselves (docs/performance.md, "Sixth round").

A `RawInsert` compiles `INSERT INTO table (columns)` once per dialect with SQLAlchemy's own compiler and
keeps each column's bind processor (the same conversion SQLAlchemy applies: aware UTC times to SQLite's
naive text, JSON to text, …), and runs a batch through the DBAPI cursor of the connection's current
transaction: on SQLite with the driver's `executemany` (one prepared statement stepped once per row), on
PostgreSQL as one multi-row `VALUES` statement with SQLAlchemy's casts, so the batch is one statement
(one round trip, and one call of a per-statement trigger: migration 0018). Same values, same transaction:
only the per-call machinery is skipped, which also means SQLAlchemy's statement events do not see these
inserts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Column, Connection, DateTime, Table, TypeDecorator, insert
from sqlalchemy.engine import Dialect


class RawInsert:
    def __init__(self, table: Table, columns: Sequence[str] | None = None) -> None:
        self.table = table
        self.columns = tuple(columns) if columns is not None else tuple(c.name for c in table.columns)
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            sql = insert(self.table).inline().compile(dialect=dialect, column_keys=list(self.columns))
            if sql.positional:  # SQLite: one statement, stepped once per row by the driver
                order = tuple(sql.positiontup or ())
                head, row = sql.string, ""
            else:  # PostgreSQL: one multi-row VALUES statement, each value with SQLAlchemy's own cast
                head, _, values = sql.string.partition(" VALUES ")
                order = tuple(_NAMED.findall(values))
                head, row = f"{head} VALUES ", _NAMED.sub("%s", values)
            processors = tuple(self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                               for name in order)
            compiled = _Compiled(head, row, tuple(zip(order, processors, strict=True)))
            self._compiled[dialect.name] = compiled
        return compiled

    def run(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert `rows` (dicts with at least this insert's columns) in the connection's transaction."""
        if not rows:
            return
        if not conn.in_transaction():
            conn.begin()  # as SQLAlchemy's own execute would (its autobegin): never a write outside one
        c = self._for(conn.dialect)
        values = [tuple(p(row[name]) if p is not None else row[name] for name, p in c.pairs) for row in rows]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if not c.row:
                cursor.executemany(c.head, values)
                return
            per = max(1, MAX_PARAMETERS // len(c.pairs))
            for start in range(0, len(values), per):
                chunk = values[start:start + per]
                cursor.execute(c.head + ", ".join([c.row] * len(chunk)), [v for row in chunk for v in row])
        finally:
            cursor.close()


@dataclass(frozen=True, slots=True)
class _Compiled:
    head: str  # the whole statement (one row, executemany), or everything up to "VALUES " (multi-row)
    row: str  # one row's "(%s::TYPE, …)" for a multi-row statement; "" for executemany
    pairs: tuple[tuple[str, Callable[[Any], Any] | None], ...]  # (column, bind processor) in parameter order


_NAMED = re.compile(r"%\((\w+)\)s")
MAX_PARAMETERS = 30_000  # PostgreSQL takes at most 65,535 parameters per statement


@dataclass(frozen=True, slots=True)
class Numbering:
    """Where a `LinkedInsert` draws its parents' numbers: a counter table with one row per scope (a day)
    holding the last number taken. A parent's key is the stem followed by its number, zero-padded to
    `digits` (more digits once the number needs them): `JZ20261127-` and 42 make `JZ20261127-00042`."""

    counter: Table
    scope: str  # the counter's key column
    last: str  # the counter's last-number column
    digits: int

    def key_sql(self, number: str) -> str:
        """The key of the parent numbered by the SQL expression `number`, with the stem bound as
        `%(stem)s`, as the padding rule makes it (`kernel.numbering.numbered` in Python; a test holds the
        two to each other)."""
        return (f"%(stem)s || lpad(({number})::text, greatest({self.digits}, length(({number})::text)), '0')")


class LinkedInsert:
    """PostgreSQL: new parent rows, numbered gaplessly from a counter row, and their child rows, in one
    statement, one round trip.

    The statement takes the parents' numbers (an upsert of the scope's counter row, held to the commit,
    so numbers have no gaps), inserts the parents with their keys made from those numbers (ids from
    their sequence), then the children with their parent's new id, in the order given:

        WITH num AS (INSERT INTO counter … ON CONFLICT … DO UPDATE SET last = last + n RETURNING last - n),
             new_parents AS (INSERT INTO p (key, …) SELECT stem || number, … FROM
                             json_populate_recordset(NULL::p, %(parents)s) … RETURNING id, key),
             new_children AS (INSERT INTO c (link, …) SELECT new_parents.id, …
                              FROM json_populate_recordset(NULL::c, %(children)s) … JOIN new_parents …)
        SELECT id, key FROM new_parents ORDER BY id

    So the counter row is held for the statement and the commit only, not across round trips and the
    Python between them, which is what serialised two workers' writers (docs/performance.md, "Eighth
    round" and "Ninth round"). Its text never depends on the batch, so the driver converts it once and
    the server plans it once. Values go through JSON as the columns read them: times as ISO 8601 with
    their offset (aware UTC, as `UTCDateTime` requires), JSON columns as nested JSON, text exactly as it
    is (`json`, not `jsonb`, which would reorder keys). Row and statement triggers fire as for any
    insert; the children's statement triggers see all of them at once."""

    def __init__(self, parent: Table, key: str, child: Table, link: str, numbering: Numbering) -> None:
        self.parent, self.key, self.child, self.link, self.numbering = parent, key, child, link, numbering
        self._parent_cols = [c for c in parent.columns if not c.primary_key and c.name != key]
        self._child_cols = [c for c in child.columns if not c.primary_key and c.name != link]
        self._times = (tuple(c for c in self._parent_cols if _holds_times(c)),
                       tuple(c for c in self._child_cols if _holds_times(c)))
        self._sql: str | None = None

    def _statement(self, dialect: Dialect) -> str:
        """Rows typed by the tables themselves (`json_populate_recordset(NULL::table, …)`), which keeps the
        text short enough (under 4,096 characters) for the driver to keep its conversion."""
        if self._sql is None:
            q = dialect.identifier_preparer.quote

            def names(cols: Sequence[Column[Any]], prefix: str = "") -> str:
                return ", ".join(prefix + q(c.name) for c in cols)

            n = self.numbering
            counter, scope, last = q(n.counter.name), q(n.scope), q(n.last)
            p, c, pk, key = q(self.parent.name), q(self.child.name), q(self.parent.primary_key.columns[0].name), q(self.key)
            self._sql = (
                f"WITH num AS (INSERT INTO {counter} ({scope}, {last}) VALUES (%(scope)s, %(count)s) "
                f"ON CONFLICT ({scope}) DO UPDATE SET {last} = {counter}.{last} + EXCLUDED.{last} "
                f"RETURNING {last} - %(count)s AS base), "
                f"new_parents AS (INSERT INTO {p} ({key}, {names(self._parent_cols)}) "
                f"SELECT {n.key_sql('num.base + r.ordinality')}, {names(self._parent_cols, 'r.')} "
                f"FROM num, json_populate_recordset(NULL::{p}, %(parents)s::json) WITH ORDINALITY AS r "
                f"ORDER BY r.ordinality RETURNING {pk}, {key}), "
                f"new_children AS (INSERT INTO {c} ({q(self.link)}, {names(self._child_cols)}) "
                f"SELECT n.{pk}, {names(self._child_cols, 'r.')} "
                f"FROM num CROSS JOIN ROWS FROM (json_populate_recordset(NULL::{c}, %(children)s::json), "
                f"json_to_recordset(%(children)s::json) AS (_parent bigint)) WITH ORDINALITY AS r "
                f"JOIN new_parents AS n ON n.{key} = {n.key_sql('num.base + r._parent')} ORDER BY r.ordinality) "
                f"SELECT {pk}, {key} FROM new_parents ORDER BY {pk}")
            assert len(self._sql) <= _DRIVER_CACHED_LENGTH, "longer than the driver keeps converted"
        return self._sql

    def run(self, conn: Connection, scope: str, stem: str, parents: Sequence[Mapping[str, Any]],
            children: Sequence[tuple[int, Mapping[str, Any]]]) -> list[tuple[int, str]]:
        """Insert `parents` (rows with every column but the id and the key) numbered in `scope` with keys
        starting `stem`, and `children` ((the parent's position in `parents`, row)), in the connection's
        transaction; returns each parent's (id, key), in the order of `parents`."""
        if not parents:
            return []
        if not conn.in_transaction():
            conn.begin()
        sql = self._statement(conn.dialect)
        parent_rows = [{c.name: row[c.name] for c in self._parent_cols} for row in parents]
        child_rows = [{"_parent": i + 1, **{c.name: row[c.name] for c in self._child_cols}} for i, row in children]
        for rows, times in zip((parent_rows, child_rows), self._times, strict=True):
            # each time as its column's type binds it (`UTCDateTime`: aware, in UTC), JSON then writes ISO 8601
            for column in times:
                bind = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
                if bind is not None:
                    for row in rows:
                        row[column.name] = bind(row[column.name])
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, {"scope": scope, "stem": stem, "count": len(parent_rows),
                                 "parents": orjson.dumps(parent_rows, option=orjson.OPT_NON_STR_KEYS).decode(),
                                 "children": orjson.dumps(child_rows, option=orjson.OPT_NON_STR_KEYS).decode()})
            return [(ident, key) for ident, key in cursor.fetchall()]
        finally:
            cursor.close()


_DRIVER_CACHED_LENGTH = 4096  # psycopg keeps the conversion of statements up to this length


def _holds_times(column: Column[Any]) -> bool:
    impl = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    return isinstance(impl, DateTime)
