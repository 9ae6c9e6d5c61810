"""Form fields as the services receive them (a mapping of strings, or values a framework already typed):
the parsers several contexts share, each refusing bad input with one sentence naming the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from citysteward.kernel.errors import InvalidInput


def choice(cls: Any, value: Any, label: str, field: str) -> Any:
    """A member of a labelled enum, by value; the refusal lists every choice with its label."""
    try:
        return cls(value)
    except ValueError as exc:
        choices = "、".join(f"{m.value}（{m.label}）" for m in cls)
        raise InvalidInput(f"未知的{label}：{value}；可选：{choices}", {"field": field}) from exc


def text(data: Mapping[str, Any], key: str, label: str, limit: int, required: bool = False) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        raise InvalidInput(f"请填写{label}", {"field": key})
    if len(value) > limit:
        raise InvalidInput(f"{label}不能超过 {limit} 个字", {"field": key})
    return value


def number(data: Mapping[str, Any], key: str, label: str, low: float | None = None,
           high: float | None = None) -> float | None:
    """A number, or None when absent; with bounds, inside them (inclusive)."""
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{label}须为数字", {"field": key}) from exc
    if low is not None and high is not None and not low <= x <= high:
        raise InvalidInput(f"{label}须在 {low:g}–{high:g} 之间", {"field": key})
    return x
