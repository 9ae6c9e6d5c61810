"""Hot-path inserts compiled once and handed to the driver's own `executemany`.

SQLAlchemy Core prepares every `execute` call anew: it looks the statement up in its compiled cache,
builds an execution context and runs each parameter set through the column types one value at a time.
For a ledger page that is nothing; for the intake writer, which holds the database's write lock (SQLite)
or the day's case-number row (PostgreSQL) while it inserts a batch of two to eight reports, it was about
as long as the inserts themselves (docs/performance.md, "Sixth round").

A `RawInsert` compiles `INSERT INTO table (columns)` once per dialect with SQLAlchemy's own compiler and
keeps each column's bind processor (the same conversion SQLAlchemy applies: aware UTC times to SQLite's
naive text, JSON to text, …), and runs a batch through the DBAPI cursor of the connection's current
transaction. Same SQL, same values, same transaction: only the per-call machinery is skipped, which also
means SQLAlchemy's statement events do not see these inserts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect


class RawInsert:
    def __init__(self, table: Table, columns: Sequence[str] | None = None) -> None:
        self.table = table
        self.columns = tuple(columns) if columns is not None else tuple(c.name for c in table.columns)
        self._compiled: dict[str, tuple[str, tuple[str, ...], tuple[Callable[[Any], Any] | None, ...], bool]] = {}

    def _for(self, dialect: Dialect) -> tuple[str, tuple[str, ...], tuple[Callable[[Any], Any] | None, ...], bool]:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            sql = insert(self.table).compile(dialect=dialect, column_keys=list(self.columns))
            positional = bool(sql.positional)
            order = tuple(sql.positiontup or ()) if positional else self.columns
            processors = tuple(self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                               for name in order)
            compiled = (sql.string, order, processors, positional)
            self._compiled[dialect.name] = compiled
        return compiled

    def run(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert `rows` (dicts with at least this insert's columns) in the connection's transaction."""
        if not rows:
            return
        sql, order, processors, positional = self._for(conn.dialect)
        pairs = tuple(zip(order, processors, strict=True))
        if positional:
            params: list[Any] = [tuple(p(row[name]) if p is not None else row[name] for name, p in pairs)
                                 for row in rows]
        else:
            params = [{name: p(row[name]) if p is not None else row[name] for name, p in pairs} for row in rows]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, params)
        finally:
            cursor.close()
