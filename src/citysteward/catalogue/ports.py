"""Ports: what services need from storage, as Protocols. `store/` implements them on SQLAlchemy;
tests may pass fakes."""

from __future__ import annotations

from typing import Protocol

from citysteward.catalogue.domain.categories import Category


class CatalogueRepository(Protocol):
    def all(self) -> list[Category]: ...
    def get(self, code: str) -> Category | None: ...
    def upsert(self, category: Category) -> None: ...
