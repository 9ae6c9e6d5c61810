"""Ports of the assets context: what its services need from storage, as Protocols."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from citysteward.geography.ports import GeographyUnitOfWork
from citysteward.platform.runtime import Runtime


class AssetsRepository(Protocol):
    """Storage of the assets context."""


class AssetsUnitOfWork(GeographyUnitOfWork, Protocol):
    @property
    def assets(self) -> AssetsRepository: ...


def unit_of_work(rt: Runtime, *, readonly: bool = False) -> AbstractContextManager[AssetsUnitOfWork]:
    return rt.uow(readonly=readonly)
