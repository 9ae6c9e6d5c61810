"""The campaign progress report (专项行动进展报告) as Excel and Word: the figures of figures.py —
subjects inspected, pass rate by item, problems found and rectified, tickets by level, by area and by
unit — and, when one was published for the campaign, the latest appraisal with its flags."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from openpyxl import Workbook

from citysteward.campaigns.services import appraisal, figures
from citysteward.platform.runtime import Runtime
from citysteward.platform.xlsx import put

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}%"


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}"


def tables(rt: Runtime, code: str, first: date | None, last: date | None) -> tuple[dict[str, Any], list[tuple[str, list[str], list[list[Any]]]]]:
    """The report as titled tables (the same content in both formats)."""
    f = figures.campaign_figures(rt, code, first, last)
    p = f["problems"]
    out: list[tuple[str, list[str], list[list[Any]]]] = [
        ("总体情况", ["指标", "数值"], [
            ["目标对象", f["targets"]], ["检查次数", f["inspections"]], ["检查对象数", f["subjects_inspected"]],
            ["平均得分", _num(f["avg_score"])], ["发现问题", p["found"]], ["转为案件", p["to_case"]],
            ["下发督导单", p["to_ticket"]], ["已销号", p["rectified"]], ["整改率", _pct(p["rectify_rate"])],
            ["行动督导单", f["tickets"]["total"]], ["督导单已整改", f["tickets"]["rectified"]],
            ["行动案件", f["cases"]["total"]], ["案件已结案", f["cases"]["closed"]]]),
        ("各检查项合格率", ["检查项", "合格", "不合格", "不适用", "合格率"],
         [[i["text"], i["pass"], i["fail"], i["na"], _pct(i["rate"])] for i in f["items"]]),
        ("督导单（按级别）", ["级别", "张数", "已整改"],
         [[lv["label"], lv["count"], lv["rectified"]] for lv in f["tickets"]["by_level"]]),
        ("按乡镇（街道）", ["乡镇（街道）", "检查", "平均分", "问题", "已销号"],
         [[r["name"], r["inspections"], _num(r["avg_score"]), r["found"], r["rectified"]] for r in f["by_area"]]),
        ("按责任单位", ["责任单位", "检查", "平均分", "问题", "已销号"],
         [[r["name"], r["inspections"], _num(r["avg_score"]), r["found"], r["rectified"]] for r in f["by_unit"]]),
    ]
    published = appraisal.history(rt, code)
    if published:
        a = published[0]
        out.append((f"排名与授旗：{a['title']}", ["名次", "名称", "测评得分", "案件得分", "综合得分", "授旗", "依据"],
                    [[r["rank"] or "—", r["name"], _num(r["inspection_score"]), _num(r["case_score"]),
                      _num(r["total"]), r["flag_label"], r["reason"]] for r in a["rows"]]))
    return f, out


def _title(f: dict[str, Any]) -> str:
    return f"{f['campaign']['name']}进展报告（{f['period']['from']} 至 {f['period']['to']}）"


def xlsx(rt: Runtime, code: str, first: date | None = None, last: date | None = None) -> bytes:
    f, parts = tables(rt, code, first, last)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "进展报告"
    put(ws, 1, 1, _title(f))
    row = 3
    for title, head, rows in parts:
        put(ws, row, 1, title)
        row += 1
        for j, h in enumerate(head, start=1):
            put(ws, row, j, h)
        row += 1
        for r in rows:
            for j, v in enumerate(r, start=1):
                put(ws, row, j, v)
            row += 1
        row += 1
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def docx(rt: Runtime, code: str, first: date | None = None, last: date | None = None) -> bytes:
    f, parts = tables(rt, code, first, last)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "仿宋"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    doc.add_heading(_title(f), level=1)
    c = f["campaign"]
    doc.add_paragraph(f"{c['office']}。行动期 {c['starts_on']} 至 {c['ends_on']}。{c['goal']}".strip())
    day = max(c["starts_on"], min(date.fromisoformat(f["period"]["to"]), c["ends_on"]))
    daily_lines = figures.daily_report(rt, code, day)["lines"]
    for line in daily_lines[1:]:
        doc.add_paragraph(line)
    for title, head, rows in parts:
        doc.add_heading(title, level=2)
        table = doc.add_table(rows=1, cols=len(head))
        table.style = "Table Grid"
        for cell, h in zip(table.rows[0].cells, head, strict=True):
            cell.text = str(h)
        for r in rows:
            cells = table.add_row().cells
            for cell, v in zip(cells, r, strict=True):
                cell.text = str(v)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
