"""The vocabulary of the case ledger (问题台账): states, actions, roles and sources.

Enums carry their code, Chinese label and badge colour, so templates and reports never spell labels.
"""

from __future__ import annotations

import enum


class _Labelled(enum.StrEnum):
    """A string enum whose members know their Chinese label and badge colour."""

    _labels: dict[str, tuple[str, str]]

    @property
    def label(self) -> str:
        return type(self)._labels[self.value][0]  # type: ignore[attr-defined]

    @property
    def colour(self) -> str:
        return type(self)._labels[self.value][1]  # type: ignore[attr-defined]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]
