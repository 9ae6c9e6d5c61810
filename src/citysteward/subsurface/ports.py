"""Ports of the subsurface context: what its services need from storage, as Protocols."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from citysteward.supervision.ports import SupervisionUnitOfWork
from citysteward.platform.runtime import Runtime


class SubsurfaceRepository(Protocol):
    """Storage of the subsurface context."""


class SubsurfaceUnitOfWork(SupervisionUnitOfWork, Protocol):
    @property
    def subsurface(self) -> SubsurfaceRepository: ...


def unit_of_work(rt: Runtime, *, readonly: bool = False) -> AbstractContextManager[SubsurfaceUnitOfWork]:
    return rt.uow(readonly=readonly)
