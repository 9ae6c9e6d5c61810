"""Excel rendering of a paper (services/reports.py) with openpyxl: a summary sheet, one sheet per
table, and native bar charts over the data they show (Excel redraws them; nothing is a picture).
Every cell goes through `platform.xlsx.put`: stored text stays text."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from citysteward.evaluation.papers.model import Duration, Rate
from citysteward.kernel.text import printable
from citysteward.platform.xlsx import put

if TYPE_CHECKING:
    from citysteward.evaluation.papers.model import Paper

FONT = "宋体"
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="D9E2F3")
_FLAG_FILL = {"红旗": PatternFill("solid", fgColor="F8D7DA"), "蓝旗": PatternFill("solid", fgColor="CFE2FF")}
_BAD = '[]:*?/\\'


def _sheet_name(title: str, used: set[str]) -> str:
    name = "".join(ch for ch in printable(title) if ch not in _BAD)[:28] or "表"
    base, n = name, 2
    while name in used:
        name = f"{base[:26]}{n}"
        n += 1
    used.add(name)
    return name


def _cell_value(value: Any) -> Any:
    """Rates as fractions (formatted as %), durations in words, "—" where a rate has no denominator."""
    if isinstance(value, Rate):
        return "—" if value.value is None else round(value.value / 100.0, 6)
    if isinstance(value, Duration):
        return str(value)
    return value


def _write_table(ws: Any, row: int, columns: list[str], rows: list[list[Any]]) -> int:
    for j, name in enumerate(columns, start=1):
        cell = put(ws, row, j, name)
        cell.font = Font(name=FONT, bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, values in enumerate(rows, start=row + 1):
        for j, value in enumerate(values, start=1):
            cell = put(ws, i, j, _cell_value(value))
            if isinstance(value, Rate) and value.value is not None:
                cell.number_format = "0.00%"  # a number Excel can sort and sum, shown as 93.72%
            cell.font = Font(name=FONT)
            cell.border = _BORDER
            if value in _FLAG_FILL:
                cell.fill = _FLAG_FILL[value]
    for j, name in enumerate(columns, start=1):
        width = max([len(str(name))] + [len(str(r[j - 1])) for r in rows if j - 1 < len(r)]) * 2 + 2  # noqa: E501
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(10, width))
    return row + len(rows) + 1


def render(paper: Paper, tz: ZoneInfo) -> bytes:
    wb = Workbook()
    used: set[str] = set()
    ws = wb.active
    ws.title = _sheet_name("概况", used)
    put(ws, 1, 1, f"{paper.title}（{paper.period_label}）").font = Font(name=FONT, bold=True, size=16)
    put(ws, 2, 1, f"生成时间：{paper.generated_at.astimezone(tz):%Y-%m-%d %H:%M}").font = Font(
        name=FONT, size=9, color="666666")
    r = 3
    for sentence in paper.lead:
        put(ws, r, 1, sentence).font = Font(name=FONT)
        r += 1
    _write_table(ws, r + 1, ["指标", "数值"], [list(f) for f in paper.figures])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 14
    for sec in paper.sections:
        sheet = wb.create_sheet(_sheet_name(sec.title, used))
        put(sheet, 1, 1, sec.title).font = Font(name=FONT, bold=True, size=14)
        start = 2
        if sec.note:
            put(sheet, 2, 1, sec.note).font = Font(name=FONT, size=10)
            start = 3
        _write_table(sheet, start, sec.columns, sec.rows)
        sheet.freeze_panes = sheet.cell(row=start + 1, column=1)
    for chart_def in paper.charts:
        sheet = wb.create_sheet(_sheet_name(f"图表-{chart_def.title}", used))
        header = ["名称"] + [name for name, _ in chart_def.series]
        rows = [[cat] + [vs[i] if i < len(vs) else 0 for _, vs in chart_def.series]
                for i, cat in enumerate(chart_def.categories)]
        _write_table(sheet, 1, header, rows)
        chart = BarChart()
        chart.type = "col"
        chart.title = printable(chart_def.title)
        chart.y_axis.title = chart_def.unit
        chart.height, chart.width = 9, 18
        data = Reference(sheet, min_col=2, max_col=1 + len(chart_def.series), min_row=1, max_row=1 + len(rows))
        cats = Reference(sheet, min_col=1, min_row=2, max_row=1 + len(rows))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        sheet.add_chart(chart, f"{get_column_letter(len(header) + 2)}2")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
