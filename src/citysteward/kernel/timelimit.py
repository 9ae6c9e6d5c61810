"""Handling time limits (处置时限): an amount in working hours, working days or natural hours.

Cities publish their own tables (see standards/STANDARDS.md); the values are data, not code.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from citysteward.kernel.errors import InvalidInput


class LimitUnit(enum.StrEnum):
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    NATURAL_HOURS = "natural_hours"

    @property
    def label(self) -> str:
        return {"working_hours": "工作时", "working_days": "工作日", "natural_hours": "自然时"}[self.value]


@dataclass(frozen=True, slots=True)
class TimeLimit:
    amount: float
    unit: LimitUnit

    def __post_init__(self) -> None:
        if not self.amount > 0:
            raise InvalidInput("处置时限必须大于 0", {"amount": self.amount})

    @property
    def label(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount}个{self.unit.label}"

    def to_dict(self) -> dict[str, object]:
        return {"amount": self.amount, "unit": self.unit.value}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> TimeLimit:
        try:
            return cls(float(data["amount"]), LimitUnit(str(data["unit"])))  # type: ignore[arg-type]
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidInput("处置时限格式错误，应为 {amount, unit}", {"value": data}) from exc

    @classmethod
    def parse(cls, text: str) -> TimeLimit:
        """Parse the usual Chinese notations: '4工作时', '4个工作时', '1工作日', '36小时'."""
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*个?\s*(工作时|工作小时|工作日|小时|自然时)\s*", text)
        if not m:
            raise InvalidInput(f"无法识别的处置时限：{text}")
        unit = {
            "工作时": LimitUnit.WORKING_HOURS,
            "工作小时": LimitUnit.WORKING_HOURS,
            "工作日": LimitUnit.WORKING_DAYS,
            "小时": LimitUnit.NATURAL_HOURS,
            "自然时": LimitUnit.NATURAL_HOURS,
        }[m.group(2)]
        return cls(float(m.group(1)), unit)
