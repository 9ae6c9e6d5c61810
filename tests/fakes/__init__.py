"""An in-memory unit of work for service tests (STYLE 14, fakes over mocks): plain dicts behind the
ports of org, geography, cases, catalogue, worktime and notify, with no database underneath. mypy
checks it against those Protocols (`_is_a_port`), so a method a service calls but its port lacks
fails the type check, not a test on PostgreSQL.

It keeps the store's semantics where services rely on them: a unit copies the committed tables when
it begins and publishes its copy on commit, so leaving the block without commit discards its writes;
writers queue on one lock (as on SQLite), so a commit never loses another's update; `save` refuses a
stale version with `StaleCase`; ids come on add; case numbers are reserved per day (tables.py says
how values are kept)."""

from __future__ import annotations

import threading
from datetime import datetime
from types import TracebackType
from typing import Any

from citysteward.cases.domain.ledger import COUNT_CAP, CaseFilter
from citysteward.cases.ports import CasesUnitOfWork
from citysteward.catalogue.ports import CatalogueUnitOfWork
from citysteward.notify.ports import NotifyUnitOfWork
from citysteward.platform.transaction import UnitOfWorkFactory
from citysteward.worktime.ports import WorktimeUnitOfWork
from tests.fakes.assets import FakeAssetsRepository
from tests.fakes.cases import FakeCaseRepository, FakeIdempotencyRepository, FakeRuleRepository
from tests.fakes.notify import FakeOutboxRepository
from tests.fakes.org import (
    FakeAccessLog,
    FakeAuditLog,
    FakeOrgRepository,
    FakeSettingsRepository,
    FakeThrottleCounters,
)
from tests.fakes.reference import FakeAreaRepository, FakeCalendarRepository, FakeCatalogueRepository
from tests.fakes.tables import FakeData, FakeIntegrityError

__all__ = ["FakeData", "FakeGlances", "FakeIntegrityError", "FakeUnitOfWork", "FakeUnitOfWorkFactory"]
LOCK_WAIT_S = 30.0


class FakeUnitOfWork:
    """One transaction: a copy of the committed tables, published by `commit()`."""

    def __init__(self, factory: FakeUnitOfWorkFactory, *, readonly: bool = False) -> None:
        self.factory = factory
        self.readonly = readonly
        self.data = FakeData()
        self.wrote = False
        self.org = FakeOrgRepository(self)
        self.audit = FakeAuditLog(self)
        self.access = FakeAccessLog(self)
        self.throttle = FakeThrottleCounters(self)
        self.settings = FakeSettingsRepository(self)
        self.areas = FakeAreaRepository(self)
        self.cases = FakeCaseRepository(self)
        self.rules = FakeRuleRepository(self)
        self.idempotency = FakeIdempotencyRepository(self)
        self.catalogue = FakeCatalogueRepository(self)
        self.calendar = FakeCalendarRepository(self)
        self.outbox = FakeOutboxRepository(self)
        self.assets = FakeAssetsRepository()

    def __enter__(self) -> FakeUnitOfWork:
        if not self.readonly:
            self.factory.writer.acquire_or_fail()
        self.data = self.factory.committed()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.data, self.wrote = FakeData(), False  # whatever was not committed is gone
        if not self.readonly:
            self.factory.writer.release()

    def commit(self) -> None:
        if self.readonly and self.wrote:
            raise AssertionError("a read-only unit of work committed writes")
        if not self.readonly:
            self.factory.publish(self.data)
        self.data, self.wrote = self.factory.committed(), False

    def rollback(self) -> None:
        self.data, self.wrote = self.factory.committed(), False


class _WriterLock:
    def __init__(self) -> None:
        self._lock = threading.Lock()

    def acquire_or_fail(self) -> None:
        if not self._lock.acquire(timeout=LOCK_WAIT_S):  # a hang would hide the cause
            raise RuntimeError("a write unit of work waited too long: is another one open in this thread?")

    def release(self) -> None:
        self._lock.release()


class FakeUnitOfWorkFactory:
    """`Runtime.uow` for tests: `factory()` opens a unit for writing, `factory(readonly=True)` one for
    reading. Counts commits (`commits`); `snapshot()` hands out the committed tables so a seeded city
    can start many tests."""

    def __init__(self, data: FakeData | None = None) -> None:
        self._data = data or FakeData()
        self.writer = _WriterLock()
        self.commits = 0

    def __call__(self, *, readonly: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self, readonly=readonly)

    def committed(self) -> FakeData:
        return self._data.copy()

    def publish(self, data: FakeData) -> None:
        self._data = data.copy()
        self.commits += 1

    def snapshot(self) -> FakeData:
        return self.committed()

    @property
    def glance(self) -> FakeGlances:
        return FakeGlances(self)


class _FakeOrgGlances:
    def __init__(self, factory: FakeUnitOfWorkFactory) -> None:
        self.factory = factory

    def token_user(self, token_hash: str, now: datetime) -> dict[str, Any] | None:
        with self.factory(readonly=True) as uow:
            return uow.org.token_user(token_hash, now)


class _FakeCaseGlances:
    def __init__(self, factory: FakeUnitOfWorkFactory) -> None:
        self.factory = factory

    def change_stamp(self) -> tuple[int, str] | None:
        return None  # no change stamp in memory: every ledger page is read afresh

    def ledger(self, f: CaseFilter, limit: int, offset: int, order: str) -> tuple[list[dict[str, Any]], int] | None:
        with self.factory(readonly=True) as uow:
            return uow.cases.ledger(f, limit, offset, order, COUNT_CAP)


class FakeGlances:
    """Single-statement reads (platform/quickread.py): each one a read-only unit of its own."""

    def __init__(self, factory: FakeUnitOfWorkFactory) -> None:
        self.cases = _FakeCaseGlances(factory)
        self.org = _FakeOrgGlances(factory)


def _is_a_port(f: FakeUnitOfWork) -> tuple[CasesUnitOfWork, CatalogueUnitOfWork, WorktimeUnitOfWork, NotifyUnitOfWork]:
    """mypy checks the fake against every port the case-lifecycle services open (and those extend
    org and geography)."""
    a: CasesUnitOfWork = f
    b: CatalogueUnitOfWork = f
    c: WorktimeUnitOfWork = f
    d: NotifyUnitOfWork = f
    return a, b, c, d


def _is_a_factory(f: FakeUnitOfWorkFactory) -> UnitOfWorkFactory:
    return f
