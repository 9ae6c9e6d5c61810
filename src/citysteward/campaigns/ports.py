"""Ports of the campaigns context: what its services need from storage, as Protocols."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from citysteward.evaluation.ports import EvaluationUnitOfWork
from citysteward.platform.runtime import Runtime


class CampaignsRepository(Protocol):
    """Storage of the campaigns context."""


class CampaignsUnitOfWork(EvaluationUnitOfWork, Protocol):
    @property
    def campaigns(self) -> CampaignsRepository: ...


def unit_of_work(rt: Runtime, *, readonly: bool = False) -> AbstractContextManager[CampaignsUnitOfWork]:
    return rt.uow(readonly=readonly)
