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

from sqlalchemy import Connection, Table, insert
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
