"""Ports: what services need from storage, as Protocols. `store/` implements them on SQLAlchemy;
tests may pass fakes."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from citysteward.cases.ports import CaseRepository, RuleRepository
from citysteward.catalogue.ports import CatalogueRepository
from citysteward.evaluation.ports import DashboardQueries, EvaluationRepository
from citysteward.geography.ports import AreaRepository
from citysteward.notify.ports import OutboxRepository
from citysteward.open311.ports import Open311Repository
from citysteward.org.ports import AuditLog, OrgRepository
from citysteward.supervision.ports import HotspotRepository, Locks, SupervisionRepository
from citysteward.worktime.ports import CalendarRepository


class UnitOfWork(Protocol):
    cases: CaseRepository
    catalogue: CatalogueRepository
    org: OrgRepository
    areas: AreaRepository
    calendar: CalendarRepository
    rules: RuleRepository
    audit: AuditLog
    dashboard: DashboardQueries
    supervision: SupervisionRepository
    hotspots: HotspotRepository
    evaluation: EvaluationRepository
    outbox: OutboxRepository
    locks: Locks
    open311: Open311Repository

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
