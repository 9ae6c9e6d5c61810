"""Word rendering of a paper (papers/build.py) in the format of government documents, GB/T 9704-2012
(党政机关公文格式): A4 portrait; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a 156 × 225 mm
text block); the organ's mark (发文机关标志) in red over its document number (文号) and a red rule;
the title in 小标宋 2号 (22 pt); body in 仿宋 3号 (16 pt) on a fixed 28-pt line with a two-character
indent; first-level headings "一、" in 黑体, second-level "（一）" and notes in 楷体; the signature (落款)
and date at the end, right-aligned; page numbers "— 1 —" in 宋体 4号 (14 pt) at the foot, odd pages on
the right and even pages on the left. Each run names its role font for east-asian text (w:eastAsia) and
the font table names a common fallback for each (方正小标宋简体 → 宋体, 仿宋 → 宋体 …), so a machine
without a role font still shows Chinese. Tables use 仿宋 at 10.5 pt (9 pt when wide), headers in 黑体;
bar charts are drawn with Pillow and sized to fit the text block, each kept on one page with its caption.

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
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFont

from citysteward.kernel.text import printable

if TYPE_CHECKING:
    from citysteward.evaluation.papers.model import Chart, Paper

FONT = "仿宋"  # body (仿宋_GB2312 on older machines: the font table's fallback covers both)
HEADING_FONT = "黑体"  # first-level headings, table headers
KAI_FONT = "楷体"  # second-level headings, notes, captions
TITLE_FONT = "方正小标宋简体"  # title and the organ's mark
PAGE_FONT = "宋体"  # page numbers
LATIN_FONT = "Times New Roman"
FALLBACKS = {TITLE_FONT: "宋体", FONT: "宋体", KAI_FONT: "宋体", HEADING_FONT: "宋体", PAGE_FONT: "SimSun"}
RED = RGBColor(0xE0, 0x00, 0x00)
TEXT_WIDTH_CM = 15.6
TEXT_HEIGHT_CM = 22.5
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
    run.font.name = LATIN_FONT
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:cs"), name)
    fonts.set(qn("w:hint"), "eastAsia")
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold
    return run


def _para(doc_or_cell: Any, text: str, *, size: float = 16, bold: bool = False, name: str = FONT,
          align: Any = None, colour: RGBColor | None = None, indent: bool = False, line: float | None = 28,
          keep: bool = False) -> Any:
    p = doc_or_cell.add_paragraph()
    if align is not None:
        p.alignment = align
    fmt = p.paragraph_format
    if line:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)  # two characters
    if keep:
        fmt.keep_with_next = True
    run = _fonts(p.add_run(printable(text)), name, size, bold)  # lxml refuses control characters
    if colour is not None:
        run.font.color.rgb = colour
    return p


def _cell(cell: Any, value: Any, bold: bool = False, size: float = 10.5) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    _fonts(p.add_run("" if value is None else printable(str(value))), HEADING_FONT if bold else FONT, size, False)


def _shade(cell: Any, fill: str) -> None:
    tcpr = cell._element.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _table(doc: Any, columns: list[str], rows: list[list[Any]]) -> None:
    size = 9.0 if len(columns) > 8 else 10.5
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = table.rows[0]
    trpr = header._tr.get_or_add_trPr()  # the header repeats on every page the table runs over
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for i, name in enumerate(columns):
        _cell(header.cells[i], name, bold=True, size=size)
        _shade(header.cells[i], "D9E2F3")
    for row in rows:
        cells = table.add_row().cells
        for i, value in enumerate(row):
            _cell(cells[i], value, size=size)
            if str(value) in ("红旗", "蓝旗"):
                _shade(cells[i], "F8D7DA" if str(value) == "红旗" else "CFE2FF")


def _rule(doc: Any, colour: str = "E00000") -> None:
    """The red rule (版头中的分隔线) under the document number: a paragraph's bottom border."""
    p = doc.add_paragraph()
    p.paragraph_format.space_after = Pt(12)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "1"), ("w:color", colour)):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.append(border)


def _page_number(paragraph: Any) -> None:
    """"— N —" with a PAGE field (Word fills in the number on every page)."""
    _fonts(paragraph.add_run("— "), PAGE_FONT, 14)
    run = _fonts(paragraph.add_run(), PAGE_FONT, 14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    _fonts(paragraph.add_run(" —"), PAGE_FONT, 14)


def _footers(doc: Any) -> None:
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0]
        p.alignment = align
        if align is WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = Pt(14)  # 空一字
        else:
            p.paragraph_format.left_indent = Pt(14)
        _page_number(p)


def _font_fallbacks(doc: Any) -> None:
    """Name a fallback for each role font in the font table (w:altName)."""
    part = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    root = etree.fromstring(part.blob)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for name, alt in FALLBACKS.items():
        font = etree.SubElement(root, f"{{{w}}}font")
        font.set(f"{{{w}}}name", name)
        for tag, value in (("altName", alt), ("charset", "86"), ("family", "auto")):
            el = etree.SubElement(font, f"{{{w}}}{tag}")
            el.set(f"{{{w}}}val", value)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _picture(doc: Any, png: bytes) -> None:
    """A chart sized to the text block (never taller than a page), kept with its caption."""
    with Image.open(io.BytesIO(png)) as img:
        w, h = img.size
    width = min(TEXT_WIDTH_CM, TEXT_HEIGHT_CM * 0.8 * w / h)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_with_next = True
    p.add_run().add_picture(io.BytesIO(png), width=Cm(width))


def render(paper: Paper, tz: ZoneInfo) -> bytes:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.footer_distance = Cm(2.8)
    _footers(doc)
    _font_fallbacks(doc)
    centre = WD_ALIGN_PARAGRAPH.CENTER
    if paper.issuer:  # 版头: the organ's mark in red, the number, the red rule
        _para(doc, f"{paper.issuer}文件", size=36, name=TITLE_FONT, align=centre, colour=RED, line=None)
    if paper.doc_no:
        _para(doc, paper.doc_no, size=16, align=centre, line=None).paragraph_format.space_before = Pt(16)
    if paper.issuer or paper.doc_no:
        _rule(doc)
    _para(doc, paper.title, size=22, name=TITLE_FONT, align=centre, line=None)
    _para(doc, f"（{paper.period_label}）", size=16, name=KAI_FONT, align=centre)
    _para(doc, "", size=16)
    _para(doc, "一、总体情况", size=16, name=HEADING_FONT, indent=True, keep=True)
    for sentence in paper.lead:
        _para(doc, sentence, indent=True)
    _table(doc, ["指标", "数值"] * 2, [
        [*paper.figures[i], *(paper.figures[i + 1] if i + 1 < len(paper.figures) else ("", ""))]
        for i in range(0, len(paper.figures), 2)])
    for n, chart in enumerate(paper.charts):
        if n == 0:
            _para(doc, "二、图表", size=16, name=HEADING_FONT, indent=True, keep=True)
        _picture(doc, chart_png(chart))
        _para(doc, f"图{n + 1}  {chart.title}", size=14, name=KAI_FONT, align=centre)
    numerals = "三四五六七八九十"
    for i, sec in enumerate(paper.sections):
        prefix = numerals[i] if i < len(numerals) else str(i + 3)
        _para(doc, f"{prefix}、{sec.title}", size=16, name=HEADING_FONT, indent=True, keep=True)
        if sec.note:
            _para(doc, sec.note, size=14, name=KAI_FONT, indent=True, keep=bool(sec.rows))
        if sec.rows:
            _table(doc, sec.columns, sec.rows)
        else:
            _para(doc, "（无）", size=14, name=KAI_FONT, indent=True)
    _para(doc, "", size=16)
    if paper.signature:
        _para(doc, paper.signature, align=WD_ALIGN_PARAGRAPH.RIGHT).paragraph_format.right_indent = Pt(64)
    dated = (paper.dated or paper.generated_at).astimezone(tz)
    _para(doc, f"{dated.year}年{dated.month}月{dated.day}日", align=WD_ALIGN_PARAGRAPH.RIGHT
          ).paragraph_format.right_indent = Pt(64)  # 成文日期: right-aligned, four characters in
    _para(doc, f"（生成时间：{paper.generated_at.astimezone(tz):%Y-%m-%d %H:%M}）", size=10.5, name=KAI_FONT,
          align=WD_ALIGN_PARAGRAPH.RIGHT, colour=RGBColor(0x66, 0x66, 0x66), line=None)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
