"""Ports of the flood context: what its services need from storage, as Protocols."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from citysteward.cases.ports import CasesUnitOfWork
from citysteward.platform.runtime import Runtime


class FloodRepository(Protocol):
    """Storage of the flood context."""


class FloodUnitOfWork(CasesUnitOfWork, Protocol):
    @property
    def flood(self) -> FloodRepository: ...


def unit_of_work(rt: Runtime, *, readonly: bool = False) -> AbstractContextManager[FloodUnitOfWork]:
    return rt.uow(readonly=readonly)
