"""The maintenance report as Word and Excel: the seeds' paragraph, then the tables it sums up."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook

from citysteward.assets.domain.maintenance import WORK_UNIT, Totals, WorkType
from citysteward.assets.services.maintenance import MaintenanceReport
from citysteward.kernel.text import printable

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT = "宋体"


def _amount(t: Totals, wt: WorkType) -> float | int:
    v = t.amounts.get(wt, 0.0)
    return int(v) if float(v).is_integer() else round(v, 1)


def _rows(r: MaintenanceReport) -> list[tuple[str, str, Any, Any]]:
    return [(wt.label, WORK_UNIT[wt], _amount(r.month, wt), _amount(r.to_date, wt)) for wt in WorkType]


def _font(run: Any, size: float = 11, bold: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def docx(r: MaintenanceReport) -> bytes:
    doc = Document()
    _font(doc.add_paragraph().add_run(printable(r.title)), 16, True)
    _font(doc.add_paragraph().add_run(f"本月，{r.sentence}"))
    _font(doc.add_paragraph().add_run(f"自 {r.to_date_since:%Y年%m月%d日} 累计，{r.to_date_sentence}"))
    sections: list[tuple[str, list[str], list[list[Any]]]] = [
        ("一、工作量", ["作业类型", "计量单位", "本月", "累计"], [list(x) for x in _rows(r)])]
    for heading, groups in (("二、按单位", r.by_unit), ("三、按区", r.by_district)):
        sections.append((heading, ["名称", *[wt.label for wt in WorkType]],
                         [[name, *[_amount(t, wt) for wt in WorkType]] for name, t in groups]))
    sections.append(("四、亮灯率", ["道路等级", "检查灯数", "不亮灯数", "亮灯率", "目标", "是否达标"],
                     [[x.road_class.label, x.lamps, x.dark, f"{x.rate:.2f}%" if x.rate is not None else "—",
                       f"{x.target:g}%", "达标" if x.meets else "未达标"] for x in r.lighting]))
    for heading, header, rows in sections:
        _font(doc.add_paragraph().add_run(heading), 12, True)
        if not rows:
            _font(doc.add_paragraph().add_run("（无数据）"))
            continue
        table = doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), 10, True)
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = ""
                _font(cell.paragraphs[0].add_run(printable(str(value))), 10)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def xlsx(r: MaintenanceReport) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "工作量"
    ws.append([r.title])
    ws.append([f"本月，{r.sentence}"])
    ws.append([f"自 {r.to_date_since.isoformat()} 累计，{r.to_date_sentence}"])
    ws.append(["作业类型", "计量单位", "本月", "累计"])
    for row in _rows(r):
        ws.append(list(row))
    for title, groups in (("按单位", r.by_unit), ("按区", r.by_district)):
        sheet = wb.create_sheet(title)
        sheet.append(["名称", *[wt.label for wt in WorkType]])
        for name, t in groups:
            sheet.append([name, *[_amount(t, wt) for wt in WorkType]])
    light = wb.create_sheet("亮灯率")
    light.append(["道路等级", "检查灯数", "不亮灯数", "亮灯率(%)", "目标(%)", "是否达标"])
    for x in r.lighting:
        light.append([x.road_class.label, x.lamps, x.dark, round(x.rate, 2) if x.rate is not None else None,
                      x.target, "达标" if x.meets else "未达标"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
