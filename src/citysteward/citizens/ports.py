"""Ports of the citizens context: what its services need from storage, as Protocols."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from citysteward.cases.ports import CasesUnitOfWork
from citysteward.platform.runtime import Runtime


class CitizensRepository(Protocol):
    """Storage of the citizens context."""


class CitizensUnitOfWork(CasesUnitOfWork, Protocol):
    @property
    def citizens(self) -> CitizensRepository: ...


def unit_of_work(rt: Runtime, *, readonly: bool = False) -> AbstractContextManager[CitizensUnitOfWork]:
    return rt.uow(readonly=readonly)
