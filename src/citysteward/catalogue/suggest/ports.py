"""Ports of the suggestion model: where the acceptors' corrections are kept."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class CorrectionRepository(Protocol):
    def add(self, text: str, suggested_code: str | None, chosen_code: str, case_no: str | None,
            user_id: int | None, at: datetime) -> int: ...
    def training(self, limit: int) -> list[tuple[str, str]]:
        """The newest corrections as (chosen code, text)."""
    def count(self) -> int: ...


class SuggestUnitOfWork(Protocol):
    @property
    def corrections(self) -> CorrectionRepository: ...
