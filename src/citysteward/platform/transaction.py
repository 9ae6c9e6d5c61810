"""The part of a unit of work every context shares: it is a context manager that commits only when
told to. Each context's `ports.py` extends it with the repositories its services need (narrow
Protocols); the one concrete unit of work (`citysteward.unit_of_work`) satisfies them all, and mypy
checks that it does."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol


class Transaction(Protocol):
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """`factory()` opens a unit of work for writing, `factory(readonly=True)` one for reading."""

    def __call__(self, *, readonly: bool = False) -> AbstractContextManager[Any]: ...

    @property
    def glance(self) -> Any:
        """Single-statement reads outside a unit of work (platform/quickread.py); each context's
        `ports.glances` gives it its narrow type."""
        ...
