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

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
