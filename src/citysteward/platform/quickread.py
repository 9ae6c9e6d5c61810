"""Glances: single-statement reads outside a transaction, on a pooled DBAPI connection.

The hottest reads are one indexed SELECT each — a staff token's user, an Open311 request's stamp.
Through SQLAlchemy's `Connection` they cost a transaction (BEGIN and ROLLBACK: two more round trips on
PostgreSQL), the connection and result wrappers and the statement's cache key: about 100 µs around a
10 µs query (docs/performance.md, "Third round"). A glance runs the same Core statement, built once at
import and compiled here once per dialect, straight on the driver's cursor, in autocommit:

- one statement, so one snapshot: no transaction is needed, and none is left open;
- values are bound and results converted by the columns' own types (`bind_processor`,
  `result_processor`), so a row comes back exactly as `Connection.execute` would give it;
- plain bind parameters only (no `expanding` IN lists): a statement that would need rendering per
  call is refused when first compiled;
- a connection the server dropped is invalidated (the pool replaces it), and driver errors are raised
  as SQLAlchemy's, like any other read;
- inside `replica_reads()` a glance goes to the replica when one is configured, like a read-only unit
  of work (platform/replica.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine, Select
from sqlalchemy.exc import DBAPIError

from citysteward.platform.replica import replica_allowed

Processor = Callable[[Any], Any] | None


class _Compiled:
    __slots__ = ("sql", "names", "defaults", "binders", "readers", "converted", "keys", "positional")

    def __init__(self, engine: Engine, stmt: Select[Any]) -> None:
        dialect = engine.dialect
        compiled = stmt.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("a glance takes plain bind parameters only (no IN lists rendered per call)")
        self.sql = compiled.string
        self.positional = bool(compiled.positional)
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ()) if self.positional else tuple(compiled.binds)
        self.defaults = {name: bind.value for name, bind in compiled.binds.items()}
        self.binders: dict[str, Processor] = {
            name: bind.type.bind_processor(dialect) for name, bind in compiled.binds.items()}
        columns = list(stmt.selected_columns)
        if not columns:
            raise ValueError("a glance selects columns of known types (not a bare text clause)")
        self.keys = tuple(str(k) for k in stmt.selected_columns.keys())
        self.readers: tuple[Processor, ...] = tuple(c.type.result_processor(dialect, None) for c in columns)
        # Only the columns whose type converts (times, flags, JSON…) are touched: a ledger page is 100 rows
        # of 24 columns, most of them text and integers the driver already gives as they are.
        self.converted = tuple((i, read) for i, read in enumerate(self.readers) if read is not None)

    def args(self, params: Mapping[str, Any]) -> Any:
        values = {**self.defaults, **params}
        for name, bind in self.binders.items():
            if bind is not None and values.get(name) is not None:
                values[name] = bind(values[name])
        return tuple(values[n] for n in self.names) if self.positional else values

    def row(self, raw: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(raw) != len(self.readers):
            raise ValueError(f"a glance row has {len(raw)} values, its statement selects {len(self.readers)}")
        if not self.converted:
            return tuple(raw)
        values = list(raw)
        for i, read in self.converted:
            value = values[i]
            if value is not None:
                values[i] = read(value)
        return tuple(values)


class QuickReads:
    """`rows(stmt, params)` / `first(stmt, params)`: see the module's docstring."""

    def __init__(self, engine: Engine, replica: Engine | None = None) -> None:
        self.engine = engine
        self.replica = replica
        self._compiled: dict[tuple[int, int], _Compiled] = {}
        self._lock = threading.Lock()

    def _engine(self) -> Engine:
        return self.replica if self.replica is not None and replica_allowed() else self.engine

    def _compile(self, engine: Engine, stmt: Select[Any]) -> _Compiled:
        key = (id(engine), id(stmt))
        found = self._compiled.get(key)
        if found is None:
            found = _Compiled(engine, stmt)
            with self._lock:
                # Module-level statements live as long as the process, so their ids are never reused.
                self._compiled[key] = found
        return found

    def rows(self, stmt: Select[Any], params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        engine = self._engine()
        compiled = self._compile(engine, stmt)
        args = compiled.args(params)
        postgres = engine.dialect.name == "postgresql"
        pooled = engine.raw_connection()  # the pool's checkout events run (the idle ping, platform/db.py)
        driver = pooled.driver_connection
        cursor = None
        try:
            if postgres:
                driver.autocommit = True  # type: ignore[union-attr]  # one statement: no BEGIN, no ROLLBACK
            cursor = pooled.cursor()
            cursor.execute(compiled.sql, args)
            fetched = cursor.fetchall()
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, pooled.dbapi_connection, cursor):
                pooled.invalidate(exc)
            raise DBAPIError.instance(compiled.sql, args, exc, engine.dialect.loaded_dbapi.Error,
                                      dialect=engine.dialect) from exc
        finally:
            if cursor is not None:
                cursor.close()
            if postgres and pooled.dbapi_connection is not None:
                driver.autocommit = False  # type: ignore[union-attr]
            pooled.close()  # back to the pool; its reset (a rollback) is a no-op outside a transaction
        return [compiled.row(r) for r in fetched]

    def first(self, stmt: Select[Any], params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        found = self.rows(stmt, params)
        return found[0] if found else None

    def first_mapping(self, stmt: Select[Any], params: Mapping[str, Any]) -> dict[str, Any] | None:
        found = self.first(stmt, params)
        return None if found is None else dict(zip(self._compile(self._engine(), stmt).keys, found, strict=True))
