"""Unit of work: one database transaction; repositories share its connection. Leaving the block
without commit() rolls everything back, so a failed request changes nothing."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine

from citysteward.store.repositories import (
    SqlAreaRepository,
    SqlAuditLog,
    SqlCalendarRepository,
    SqlCaseRepository,
    SqlCatalogueRepository,
    SqlOrgRepository,
    SqlRuleRepository,
)


class SqlUnitOfWork:
    def __init__(self, engine: Engine, *, readonly: bool = False) -> None:
        self.engine = engine
        self.readonly = readonly
        self.conn: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        conn = self.engine.connect()
        if self.readonly:
            conn = conn.execution_options(readonly=True)
        self.conn = conn
        self._tx = conn.begin()
        self.cases = SqlCaseRepository(conn)
        self.catalogue = SqlCatalogueRepository(conn)
        self.org = SqlOrgRepository(conn)
        self.areas = SqlAreaRepository(conn)
        self.calendar = SqlCalendarRepository(conn)
        self.rules = SqlRuleRepository(conn)
        self.audit = SqlAuditLog(conn)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self.conn is not None
        try:
            if self._tx.is_active:
                self._tx.rollback()
        finally:
            self.conn.close()
            self.conn = None

    def commit(self) -> None:
        self._tx.commit()

    def rollback(self) -> None:
        self._tx.rollback()


class SqlUnitOfWorkFactory:
    """Callable that opens a unit of work: `with uow() as tx: ...`; `uow(readonly=True)` for reads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, *, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, readonly=readonly)
