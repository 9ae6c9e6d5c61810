"""The papers: the daily dispatch sheet (每日调度) and the monthly bulletin (月通报), as Word and Excel.

Both are assembled here as a `Paper` (summary lines, tables, charts) from the same services the API
serves — indicators, rankings, tickets, hot spots — so every figure on paper is the figure on screen;
services/report_docx.py and services/report_xlsx.py only draw it.

- Daily sheet for day D (local): D's intake and closures, handling by unit, cases overdue and still
  unhandled at the end of D, tickets issued on D, the recurring hot spots of the look-back window.
- Monthly bulletin for the month of D: all indicators, unit and street rankings with red and blue flags
  (and last month's), the top categories, the worst overdue cases, the month's tickets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from citysteward.kernel.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Rate:
    """A percentage on paper: "93.72%" in Word, a numeric cell with a % format in Excel; None is "—"
    (a rate of nothing is not 0%)."""

    value: float | None

    def __str__(self) -> str:
        return "—" if self.value is None else f"{self.value:.2f}%"

    def __format__(self, spec: str) -> str:
        return str(self)


@dataclass(frozen=True, slots=True)
class Duration:
    """A length of time on paper, in days and hours ("2天3.5小时", "5.5小时")."""

    hours: float

    def __str__(self) -> str:
        days, rest = divmod(max(0.0, self.hours), 24.0)
        rest = round(rest, 1)
        text = f"{rest:g}小时"
        return f"{int(days)}天{text}" if days else text

    def __format__(self, spec: str) -> str:
        return str(self)


@dataclass(frozen=True, slots=True)
class PaperSettings:
    """The bureau's own marks on its papers (GB/T 9704 公文格式): the issuing organ (发文机关), the
    document numbers (文号) with {year} {month} {day} {seq} placeholders, and the signature (落款).
    None of these is known for a city until it says so (FIELDWORK.md): empty ones are left off."""

    issuer: str = ""
    daily_no: str = ""
    monthly_no: str = ""
    signature: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> PaperSettings:
        data = dict(data or {})
        unknown = set(data) - {"issuer", "daily_no", "monthly_no", "signature"}
        if unknown:
            raise InvalidInput(f"未知的公文配置项：{'、'.join(sorted(unknown))}")
        values = {}
        for key in ("issuer", "daily_no", "monthly_no", "signature"):
            value = data.get(key, "")
            if not isinstance(value, str) or len(value) > 60:
                raise InvalidInput(f"公文配置 {key} 应为 60 字以内的文字", {"field": key})
            values[key] = value.strip()
        for key in ("daily_no", "monthly_no"):
            try:
                values[key].format(year=2026, month=1, day=1, seq=1)
            except (KeyError, IndexError, ValueError) as exc:
                raise InvalidInput(f"文号模板 {key} 只能使用 {{year}}、{{month}}、{{day}}、{{seq}}", {"field": key}) from exc
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "daily_no": self.daily_no, "monthly_no": self.monthly_no,
                "signature": self.signature}

    def number(self, kind: str, year: int, month: int, day: int, seq: int) -> str:
        template = self.daily_no if kind == "daily" else self.monthly_no
        return template.format(year=year, month=month, day=day, seq=seq) if template else ""


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""


@dataclass
class Chart:
    title: str
    categories: list[str]
    series: list[tuple[str, list[float]]]
    unit: str = ""


@dataclass
class Paper:
    kind: str  # daily | monthly
    title: str
    period_label: str
    generated_at: datetime
    lead: list[str]  # summary sentences
    figures: list[tuple[str, Any]]  # key figures (label, value)
    sections: list[Section] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    filename: str = ""
    doc_no: str = ""  # 文号
    issuer: str = ""  # 发文机关标志
    signature: str = ""  # 落款 (the organ's name over the date)
    dated: datetime | None = None  # 成文日期
