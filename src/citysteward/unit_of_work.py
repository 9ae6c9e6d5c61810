"""Unit of work: one database transaction; repositories share its connection. Leaving the block
without commit() rolls everything back, so a failed request changes nothing."""

from __future__ import annotations

import logging
from types import TracebackType

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError

from citysteward.assets.store import SqlAssetsRepository
from citysteward.campaigns.ports import CampaignsUnitOfWork
from citysteward.campaigns.store import SqlCampaignsRepository, SqlKeyTaskRepository
from citysteward.cases.store.cases import SqlCaseRepository
from citysteward.cases.store.cases.glances import SqlCaseGlances
from citysteward.cases.store.idempotency import SqlIdempotencyRepository
from citysteward.cases.store.rules import SqlRuleRepository
from citysteward.catalogue.ports import CatalogueUnitOfWork
from citysteward.catalogue.store import SqlCatalogueRepository
from citysteward.citizens.ports import CitizensUnitOfWork
from citysteward.citizens.store import SqlCitizensRepository
from citysteward.evaluation.ports import EvaluationUnitOfWork
from citysteward.evaluation.rollup_store import SqlRollupQueries
from citysteward.evaluation.store import SqlDashboardQueries, SqlEvaluationRepository
from citysteward.flood.ports import FloodUnitOfWork
from citysteward.flood.store import SqlFloodRepository
from citysteward.geography.store import SqlAreaRepository
from citysteward.kernel.errors import Conflict, InvalidInput
from citysteward.notify.store import SqlOutboxRepository
from citysteward.open311.ports import Open311UnitOfWork
from citysteward.open311.store import SqlOpen311Glances, SqlOpen311Repository
from citysteward.org.store import SqlAccessLog, SqlAuditLog, SqlOrgGlances, SqlOrgRepository, SqlSettingsRepository
from citysteward.patrols.store import SqlPatrolsRepository
from citysteward.platform.locks import SqlLocks
from citysteward.platform.quickread import QuickReads
from citysteward.platform.replica import replica_allowed
from citysteward.platform.throttle import ThrottleUnitOfWork
from citysteward.platform.throttle_store import SqlThrottleCounters
from citysteward.platform.writelock import WriteLock
from citysteward.sensors.ports import SensorsUnitOfWork
from citysteward.sensors.store import SqlSensorsRepository
from citysteward.subsurface.ports import SubsurfaceUnitOfWork
from citysteward.subsurface.store import SqlSubsurfaceRepository
from citysteward.supervision.store.hotspots import SqlHotspotRepository
from citysteward.supervision.store.tickets import SqlSupervisionRepository
from citysteward.worktime.ports import WorktimeUnitOfWork
from citysteward.worktime.store import SqlCalendarRepository

log = logging.getLogger(__name__)


class SqlUnitOfWork:
    def __init__(self, engine: Engine, *, readonly: bool = False, write_lock: WriteLock | None = None) -> None:
        self.engine = engine
        self.readonly = readonly
        self.conn: Connection | None = None
        # SQLite has one writer at a time; threads of one process queue on this lock instead of
        # sleep-polling on SQLITE_BUSY, which costs throughput and fattens the latency tail.
        self._write_lock = None if readonly else write_lock

    def __enter__(self) -> SqlUnitOfWork:
        if self._write_lock is not None:
            self._write_lock.acquire()
        try:
            return self._open()
        except BaseException:
            if self._write_lock is not None:
                self._write_lock.release()
            raise

    def _open(self) -> SqlUnitOfWork:
        conn = self.engine.connect()
        if self.readonly:
            conn = conn.execution_options(readonly=True)
        self.conn = conn
        self._tx = conn.begin()
        self.cases = SqlCaseRepository(conn)
        self.catalogue = SqlCatalogueRepository(conn)
        self.org = SqlOrgRepository(conn)
        self.settings = SqlSettingsRepository(conn)
        self.areas = SqlAreaRepository(conn)
        self.calendar = SqlCalendarRepository(conn)
        self.rules = SqlRuleRepository(conn)
        self.idempotency = SqlIdempotencyRepository(conn)
        self.audit = SqlAuditLog(conn)
        self.access = SqlAccessLog(conn)
        self.supervision = SqlSupervisionRepository(conn)
        self.hotspots = SqlHotspotRepository(conn)
        self.evaluation = SqlEvaluationRepository(conn)
        self.outbox = SqlOutboxRepository(conn)
        self.locks = SqlLocks(conn)
        self.open311 = SqlOpen311Repository(conn)
        self.dashboard = SqlDashboardQueries(conn)
        self.throttle = SqlThrottleCounters(conn)
        # -- assets (issue 12)
        self.assets = SqlAssetsRepository(conn)
        # -- patrols (issue 11)
        self.patrols = SqlPatrolsRepository(conn)
        # -- subsurface (issue 13)
        self.subsurface = SqlSubsurfaceRepository(conn)
        # -- flood (issue 13)
        self.flood = SqlFloodRepository(conn)
        # -- campaigns (issue 14)
        self.campaigns = SqlCampaignsRepository(conn)
        self.key_tasks = SqlKeyTaskRepository(conn)
        # -- citizens (issue 15)
        self.citizens = SqlCitizensRepository(conn)
        self.corrections = self.citizens.corrections  # catalogue/suggest: the acceptors' corrections
        # -- sensors (issue 17)
        self.sensors = SqlSensorsRepository(conn)
        # -- rollups (issue 16)
        self.rollups = SqlRollupQueries(conn)
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
            if self._write_lock is not None:
                self._write_lock.release()
        if isinstance(exc, DataError):
            # The database refused a value (a character it cannot hold, a number out of range). Input is
            # checked before it gets here, so this may be our own bug: log it in full, answer plainly.
            log.warning("database refused a value: %s", exc.orig if exc.orig is not None else exc)
            raise InvalidInput("提交的内容无法保存：含有数据库不接受的字符、过长或数值超出范围，请检查后重试") from exc
        if isinstance(exc, IntegrityError):
            # A uniqueness or reference rule the service did not check first: the request conflicts with
            # what is stored. A 409 the client can act on, not a 500; logged, since a service should say more.
            log.warning("database refused a change: %s", exc.orig if exc.orig is not None else exc)
            raise Conflict("提交的内容与已有数据冲突（重复，或引用了不存在的数据），请检查后重试") from exc

    def commit(self) -> None:
        self._tx.commit()

    def rollback(self) -> None:
        self._tx.rollback()


class SqlGlances:
    """Single-statement reads outside a unit of work, per context (platform/quickread.py)."""

    def __init__(self, reads: QuickReads) -> None:
        self.cases = SqlCaseGlances(reads)
        self.org = SqlOrgGlances(reads)
        self.open311 = SqlOpen311Glances(reads)


class SqlUnitOfWorkFactory:
    """Callable that opens a unit of work: `with uow() as tx: ...`; `uow(readonly=True)` for reads.
    With a `replica` engine, read-only units of work opened inside `replica_reads()` use it
    (platform/replica.py, docs/deploy.md); writes and every other read use the primary."""

    def __init__(self, engine: Engine, replica: Engine | None = None) -> None:
        self.engine = engine
        self.replica = replica
        # SQLite: one writer across this process's threads and every worker process (platform/writelock.py)
        self._write_lock = WriteLock(engine.url.database) if engine.dialect.name == "sqlite" else None
        self.glance = SqlGlances(QuickReads(engine, replica))

    def __call__(self, *, readonly: bool = False) -> SqlUnitOfWork:
        if readonly and self.replica is not None and replica_allowed():
            return SqlUnitOfWork(self.replica, readonly=True)
        return SqlUnitOfWork(self.engine, readonly=readonly, write_lock=self._write_lock)


def satisfies_every_port(uow: SqlUnitOfWork) -> tuple[
        EvaluationUnitOfWork, Open311UnitOfWork, CatalogueUnitOfWork, WorktimeUnitOfWork, CampaignsUnitOfWork,
        SubsurfaceUnitOfWork, FloodUnitOfWork, CitizensUnitOfWork, SensorsUnitOfWork]:
    """The one concrete unit of work serves every context: mypy checks it against each context's narrow
    port here (together these extend all the others), and the tests call it once."""
    return uow, uow, uow, uow, uow, uow, uow, uow, uow


def satisfies_the_throttle(uow: SqlUnitOfWork) -> ThrottleUnitOfWork:
    """The database's throttling counters (platform/throttle.py) are kept through the same unit of work."""
    return uow
