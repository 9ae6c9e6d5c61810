"""Ports of the patrols context: what its services need from storage, as Protocols."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from citysteward.cases.ports import CasesUnitOfWork
from citysteward.platform.runtime import Runtime


class PatrolsRepository(Protocol):
    """Storage of the patrols context."""


class PatrolsUnitOfWork(CasesUnitOfWork, Protocol):
    @property
    def patrols(self) -> PatrolsRepository: ...


def unit_of_work(rt: Runtime, *, readonly: bool = False) -> AbstractContextManager[PatrolsUnitOfWork]:
    return rt.uow(readonly=readonly)
