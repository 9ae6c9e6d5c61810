"""Serial numbers in codes: a stem followed by the number, zero-padded (JZ20261127-00042)."""

from __future__ import annotations


def numbered(stem: str, number: int, digits: int) -> str:
    """`stem` and `number` zero-padded to `digits`, with more digits once the number needs them (the
    SQL rendering of this rule, for numbers taken inside a statement, is `platform.rawinsert.Numbering`)."""
    return f"{stem}{number:0{digits}d}"
