"""Ports: what services need from storage, as Protocols. `store/` implements them on SQLAlchemy;
tests may pass fakes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from citysteward.cases.domain.case import Case, Event
from citysteward.cases.ports import CasesUnitOfWork
from citysteward.platform.runtime import Runtime


class Open311Repository(Protocol):
    def add_client(self, row: dict[str, Any]) -> int: ...
    def clients(self) -> list[dict[str, Any]]: ...
    def client(self, client_id: int) -> dict[str, Any] | None: ...
    def client_by_key_hash(self, key_hash: str) -> dict[str, Any] | None: ...
    def revoke_client(self, client_id: int, at: datetime) -> None: ...
    def find_cases(self, filters: dict[str, Any], limit: int, offset: int) -> list[Case]: ...
    def case_by_token(self, token: str) -> Case | None: ...
    def events_of(self, case_ids: Collection[int], actions: Collection[str]) -> list[Event]: ...
    def photos_of(self, case_ids: Collection[int]) -> list[dict[str, Any]]: ...
    def updates(self, actions: Sequence[str], since: datetime, until: datetime, limit: int, offset: int) -> list[tuple[Event, str]]: ...


class Open311Glances(Protocol):
    def request_stamp(self, case_no: str) -> tuple[Any, ...] | None:
        """What a request's document depends on (case version, photos…), or None if there is no such case."""
        ...


class Glances(Protocol):
    @property
    def open311(self) -> Open311Glances: ...


class Open311UnitOfWork(CasesUnitOfWork, Protocol):
    @property
    def open311(self) -> Open311Repository: ...

def unit_of_work(rt: Runtime, *, readonly: bool = False) -> AbstractContextManager[Open311UnitOfWork]:
    """A unit of work seen through this context's port."""
    return rt.uow(readonly=readonly)


def glances(rt: Runtime) -> Glances:
    """Single-statement reads outside a unit of work (platform/quickread.py)."""
    glance: Glances = rt.uow.glance
    return glance
