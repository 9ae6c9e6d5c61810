"""Ports of the sensors context: what its services need from storage, as Protocols."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from citysteward.cases.ports import CasesUnitOfWork
from citysteward.platform.runtime import Runtime


class SensorsRepository(Protocol):
    """Storage of the sensors context."""


class SensorsUnitOfWork(CasesUnitOfWork, Protocol):
    @property
    def sensors(self) -> SensorsRepository: ...


def unit_of_work(rt: Runtime, *, readonly: bool = False) -> AbstractContextManager[SensorsUnitOfWork]:
    return rt.uow(readonly=readonly)
