"""The vocabulary of the case ledger (问题台账): states, actions, roles and sources.

Enums carry their code, Chinese label and badge colour, so templates and reports never spell labels.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

# Each labelled enum's {value: (label, colour)}, registered once beside its definition.
_LABELS: dict[type[enum.Enum], dict[str, tuple[str, str]]] = {}


class Labelled(enum.StrEnum):
    """A string enum whose members know their Chinese label and badge colour."""

    @property
    def label(self) -> str:
        return _LABELS[type(self)][self.value][0]

    @property
    def colour(self) -> str:
        return _LABELS[type(self)][self.value][1]

    @classmethod
    def label_of(cls, value: str) -> str:
        """A stored value's label without building the member (ledger pages label thousands of values)."""
        return _LABELS[cls][value][0]

    @classmethod
    def set_labels(cls, labels: Mapping[str, tuple[str, str]]) -> None:
        """Every member needs a label: a missing one fails at import, not on a page."""
        missing = {m.value for m in cls} - set(labels)
        if missing:
            raise ValueError(f"{cls.__name__}: no label for {sorted(missing)}")
        _LABELS[cls] = dict(labels)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]
