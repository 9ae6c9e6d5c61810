"""Ports: what services need from storage, as Protocols. `store/` implements them on SQLAlchemy;
tests may pass fakes."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from citysteward.catalogue.domain.categories import Category
from citysteward.org.ports import OrgUnitOfWork
from citysteward.platform.runtime import Runtime


class CatalogueRepository(Protocol):
    def all(self) -> list[Category]: ...
    def get(self, code: str) -> Category | None: ...
    def upsert(self, category: Category) -> None: ...


class CatalogueUnitOfWork(OrgUnitOfWork, Protocol):
    @property
    def catalogue(self) -> CatalogueRepository: ...

def unit_of_work(rt: Runtime, *, readonly: bool = False) -> AbstractContextManager[CatalogueUnitOfWork]:
    """A unit of work seen through this context's port."""
    return rt.uow(readonly=readonly)
