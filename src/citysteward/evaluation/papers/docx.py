"""Word rendering of a paper (services/reports.py): Chinese fonts on every run (including the
east-asian font attribute Word uses for CJK text), tables, and bar charts drawn with Pillow.

The chart font is WenQuanYi Micro Hei (Debian: fonts-wqy-microhei) or another CJK font found on the
machine; without one, Pillow's built-in font draws the bars and numbers and the labels degrade.
Text runs go through `kernel.text.printable`: stored text may hold characters XML cannot."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from PIL import Image, ImageDraw, ImageFont

from citysteward.kernel.text import printable

if TYPE_CHECKING:
    from citysteward.evaluation.papers.model import Chart, Paper

FONT = "宋体"
HEADING_FONT = "黑体"
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
PALETTE = [(198, 40, 40), (21, 101, 192), (46, 125, 50), (249, 168, 37)]


# ---------------------------------------------------------------- charts (PNG)
@lru_cache(maxsize=8)
def chart_font(size: int) -> Any:
    for path in CJK_FONTS:
        if Path(path).exists():
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def has_cjk_font() -> bool:
    return any(Path(p).exists() for p in CJK_FONTS)


def chart_png(chart: Chart, width: int = 1400, height: int = 640) -> bytes:
    """A bar chart: columns for a few categories, horizontal bars (labels readable) for many."""
    if len(chart.categories) > 8:
        return _bars_horizontal(chart, width)
    return _bars_vertical(chart, width, height)


def _legend(d: Any, chart: Chart, x: float, y: float, font: Any) -> None:
    for si, (name, _vs) in enumerate(chart.series):
        colour = PALETTE[si % len(PALETTE)]
        d.rectangle([x, y - 10, x + 24, y + 10], fill=colour)
        text = f"{name}（{chart.unit}）" if chart.unit else name
        d.text((x + 32, y), text, fill="black", font=font, anchor="lm")
        x += 80 + int(d.textlength(text, font=font))


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _scale(chart: Chart) -> tuple[float, float]:
    values = [v for _, vs in chart.series for v in vs] or [0]
    step = _nice_step(max(max(values), 1))
    return step, step * (int(max(max(values), 1) / step) + 1)


def _bars_vertical(chart: Chart, width: int, height: int) -> bytes:
    """Grouped columns: one group per category, one bar per series, values over the bars."""
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    title_font, font, small = chart_font(30), chart_font(20), chart_font(17)
    d.text((width // 2, 28), chart.title, fill="black", font=title_font, anchor="mm")
    left, right, top, bottom = 90, width - 40, 90, height - 150
    step, top_value = _scale(chart)
    for i in range(int(top_value / step) + 1):  # grid lines and axis labels
        y = bottom - (bottom - top) * (i * step) / top_value
        d.line([(left, y), (right, y)], fill=(225, 225, 225), width=1)
        d.text((left - 10, y), _fmt(i * step), fill=(90, 90, 90), font=small, anchor="rm")
    d.line([(left, top), (left, bottom), (right, bottom)], fill="black", width=2)
    n = max(1, len(chart.categories))
    group = (right - left) / n
    nseries = max(1, len(chart.series))
    bar = max(4.0, min(60.0, group * 0.7 / nseries))
    for gi, label in enumerate(chart.categories):
        x0 = left + gi * group + (group - bar * nseries) / 2
        for si, (_name, vs) in enumerate(chart.series):
            v = vs[gi] if gi < len(vs) else 0
            h = (bottom - top) * (v / top_value)
            d.rectangle([x0 + si * bar, bottom - h, x0 + (si + 1) * bar - 2, bottom], fill=PALETTE[si % len(PALETTE)])
            d.text((x0 + (si + 0.5) * bar, bottom - h - 4), _fmt(v), fill="black", font=small, anchor="md")
        text = label if len(label) <= 8 else label[:7] + "…"
        d.text((left + (gi + 0.5) * group, bottom + 12), text, fill="black", font=font, anchor="ma")
    _legend(d, chart, left, height - 40, font)
    return _png(img)


def _bars_horizontal(chart: Chart, width: int) -> bytes:
    """Horizontal bars, one row per category (top to bottom), for long lists such as all units."""
    title_font, font, small = chart_font(30), chart_font(20), chart_font(17)
    nseries = max(1, len(chart.series))
    row = 16 + 22 * nseries
    top = 80
    height = top + row * len(chart.categories) + 90
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    d.text((width // 2, 32), chart.title, fill="black", font=title_font, anchor="mm")
    labels = [c if len(c) <= 12 else c[:11] + "…" for c in chart.categories]
    left = 30 + max(int(d.textlength(x, font=font)) for x in labels)
    right = width - 90
    bottom = top + row * len(chart.categories)
    step, top_value = _scale(chart)
    for i in range(int(top_value / step) + 1):
        x = left + (right - left) * (i * step) / top_value
        d.line([(x, top), (x, bottom)], fill=(225, 225, 225), width=1)
        d.text((x, bottom + 8), _fmt(i * step), fill=(90, 90, 90), font=small, anchor="ma")
    d.line([(left, top), (left, bottom)], fill="black", width=2)
    for gi, label in enumerate(labels):
        y0 = top + gi * row + 8
        d.text((left - 10, y0 + 11 * nseries), label, fill="black", font=font, anchor="rm")
        for si, (_name, vs) in enumerate(chart.series):
            v = vs[gi] if gi < len(vs) else 0
            w = (right - left) * (v / top_value)
            y = y0 + si * 22
            d.rectangle([left, y, left + w, y + 18], fill=PALETTE[si % len(PALETTE)])
            d.text((left + w + 6, y + 9), _fmt(v), fill="black", font=small, anchor="lm")
    _legend(d, chart, left, height - 30, font)
    return _png(img)


def _nice_step(peak: float) -> float:
    raw = peak / 5
    magnitude = 10 ** max(0, len(str(int(raw))) - 1)
    for m in (1, 2, 5, 10):
        if raw <= m * magnitude:
            return float(m * magnitude)
    return float(10 * magnitude)


def _fmt(v: float) -> str:
    return f"{float(v):.2f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------- Word
def _fonts(run: Any, name: str = FONT, size: float | None = None, bold: bool = False) -> Any:
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold
    return run


def _para(doc_or_cell: Any, text: str, *, size: float = 11, bold: bool = False, name: str = FONT,
          align: Any = None, colour: RGBColor | None = None) -> Any:
    p = doc_or_cell.add_paragraph()
    if align is not None:
        p.alignment = align
    run = _fonts(p.add_run(printable(text)), name, size, bold)  # lxml refuses control characters
    if colour is not None:
        run.font.color.rgb = colour
    return p


def _cell(cell: Any, value: Any, bold: bool = False) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    _fonts(p.add_run("" if value is None else printable(str(value))), FONT, 9, bold)


def _shade(cell: Any, fill: str) -> None:
    tcpr = cell._element.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _table(doc: Any, columns: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, name in enumerate(columns):
        _cell(table.rows[0].cells[i], name, bold=True)
        _shade(table.rows[0].cells[i], "D9E2F3")
    for row in rows:
        cells = table.add_row().cells
        for i, value in enumerate(row):
            _cell(cells[i], value)
            if value in ("红旗", "蓝旗"):
                _shade(cells[i], "F8D7DA" if value == "红旗" else "CFE2FF")


def render(paper: Paper, tz: ZoneInfo) -> bytes:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    section = doc.sections[0]
    if paper.kind == "monthly":
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin = section.right_margin = Cm(2)
    _para(doc, paper.title, size=20, bold=True, name=HEADING_FONT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"（{paper.period_label}）", size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"生成时间：{paper.generated_at.astimezone(tz):%Y年%m月%d日 %H:%M}", size=9,
          align=WD_ALIGN_PARAGRAPH.RIGHT, colour=RGBColor(0x66, 0x66, 0x66))
    _para(doc, "一、总体情况", size=14, bold=True, name=HEADING_FONT)
    for sentence in paper.lead:
        _para(doc, sentence, size=11)
    _table(doc, ["指标", "数值"] * 2, [
        [*paper.figures[i], *(paper.figures[i + 1] if i + 1 < len(paper.figures) else ("", ""))]
        for i in range(0, len(paper.figures), 2)])
    for n, chart in enumerate(paper.charts):
        if n == 0:
            _para(doc, "二、图表", size=14, bold=True, name=HEADING_FONT)
        doc.add_picture(io.BytesIO(chart_png(chart)), width=Cm(16))
        _para(doc, f"图{n + 1}  {chart.title}", size=9, align=WD_ALIGN_PARAGRAPH.CENTER)
    numerals = "三四五六七八九十"
    for i, sec in enumerate(paper.sections):
        prefix = numerals[i] if i < len(numerals) else str(i + 3)
        _para(doc, f"{prefix}、{sec.title}", size=14, bold=True, name=HEADING_FONT)
        if sec.note:
            _para(doc, sec.note, size=10)
        if sec.rows:
            _table(doc, sec.columns, sec.rows)
        else:
            _para(doc, "（无）", size=10)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
