"""The daily dispatch sheet and the monthly bulletin: valid Word and Excel files, in Chinese, with
charts, whose figures are the indicator service's figures."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from citysteward.bootstrap import create_app
from citysteward.evaluation import domain as evaluation_domain
from citysteward.evaluation.papers import build as evaluation_papers_build
from citysteward.evaluation.papers.docx import chart_png, has_cjk_font
from citysteward.evaluation.services import indicators as indicator_service
from citysteward.evaluation.services import rankings
from citysteward.kernel import periods as kernel_periods
from citysteward.kernel.errors import InvalidInput
from tests.builders.months import generate_month
from tests.conftest import PASSWORD, City


@pytest.fixture
def month(city: City, clock: Any) -> City:
    clock.set(datetime(2026, 10, 28, 0, 0, tzinfo=UTC))
    generate_month(city, clock, n=30, seed=11, sweep_hours=12)
    clock.set(datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    return city


def docx_tables(content: bytes) -> tuple[Any, dict[str, list[list[str]]]]:
    doc = Document(io.BytesIO(content))
    tables = {}
    paragraphs = [p.text for p in doc.paragraphs]
    titles = [p for p in paragraphs if "、" in p[:3]]
    for i, table in enumerate(doc.tables):
        tables[f"t{i}"] = [[c.text for c in row.cells] for row in table.rows]
    return doc, {"titles": titles, **tables}  # type: ignore[dict-item]


def figures_of(doc: Any) -> dict[str, str]:
    first = doc.tables[0]
    out = {}
    for row in first.rows[1:]:
        cells = [c.text for c in row.cells]
        for i in range(0, len(cells) - 1, 2):
            if cells[i]:
                out[cells[i]] = cells[i + 1]
    return out


def test_the_papers_of_a_generated_month_carry_the_indicator_figures(month: City) -> None:
    """One generated month (per database) serves both papers."""
    check_monthly_bulletin(month)
    check_daily_sheet(month)


def check_monthly_bulletin(month: City) -> None:
    rt = month.rt
    evaluation_papers_build.set_paper_settings(rt, month.actor("admin"), {
        "issuer": "焦作市城市管理局", "monthly_no": "焦城管通〔{year}〕{seq}号", "signature": "焦作市城市管理局"})
    period = kernel_periods.Period.month(2026, 11, rt.settings.tz)
    api = TestClient(create_app(runtime=rt))
    token = api.post("/api/v1/auth/login", json={"username": "supervisor", "password": PASSWORD}).json()["token"]
    expected = api.get("/api/v1/indicators", params={"period": "2026-11"},
                       headers={"Authorization": f"Bearer {token}"}).json()["total"]
    name, content, media = evaluation_papers_build.build(rt, "monthly", date(2026, 11, 15), "docx")
    assert name == "monthly-2026-11.docx" and media.endswith("wordprocessingml.document")
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "城市管理月通报" in text and "2026年11月" in text and "红旗单位" in text
    # GB/T 9704: A4 portrait, its margins, the organ's mark over the configured number, the signature
    sec = doc.sections[0]
    assert (round(sec.page_width.cm, 1), round(sec.page_height.cm, 1)) == (21.0, 29.7)
    assert [round(m.cm, 1) for m in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == [
        3.7, 3.5, 2.8, 2.6]
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[:2] == ["焦作市城市管理局文件", "焦城管通〔2026〕11号"]
    assert "焦作市城市管理局" in paragraphs[-3:] and "2026年12月2日" in paragraphs
    footers = sec.footer._element.xml + sec.even_page_footer._element.xml
    assert footers.count("PAGE") == 2 and doc.settings.odd_and_even_pages_header_footer
    # every figure on paper is the indicator API's figure
    figures = figures_of(doc)
    for code, label in evaluation_domain.COUNTS[:18]:
        assert figures[label] == str(expected["counts"][code]), label
    for code, label, _n, _d in evaluation_domain.RATES:
        rate = expected["rates"][code]
        assert figures[label] == ("—" if rate is None else f"{rate:.2f}%"), label
    indicator_rows = next(t for t in doc.tables if [c.text for c in t.rows[0].cells] == ["指标", "数值", "说明"])
    on_paper = {row.cells[0].text: row.cells[1].text for row in indicator_rows.rows[1:]}
    for code, label in evaluation_domain.COUNTS:
        assert on_paper[label] == str(expected["counts"][code]), label
    # every run names a role font (仿宋 body, 黑体 headings, 楷体 notes, 小标宋 title) for east-asian text
    runs = [r for p in doc.paragraphs for r in p.runs] + [
        r for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    runs = [r for r in runs if r.text]  # the chart pictures sit in runs of their own
    roles = {r._element.rPr.rFonts.get(qn("w:eastAsia")) for r in runs}
    assert roles == {"仿宋", "黑体", "楷体", "方正小标宋简体"}
    assert len(doc.inline_shapes) == 2  # unit scores and top categories
    assert all(s.width.cm <= 15.6 + 1e-6 and s.height.cm <= 22.5 for s in doc.inline_shapes)  # on their page
    headers = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    assert any(h[:2] == ["排名", "名称"] for h in headers)
    assert any(h[0] == "案件编号" for h in headers)
    # the ranking in the paper is the ranking of the API
    live = rankings.ranking(rt, period, "unit")
    unit_table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:2] == ["排名", "名称"])
    on_paper = {row.cells[1].text: row.cells[2].text for row in unit_table.rows[1:]}
    for row in live["rows"]:
        assert on_paper[row["name"]] == (str(row["score"]) if row["score"] is not None else "—")

    name, content, media = evaluation_papers_build.build(rt, "monthly", date(2026, 11, 15), "xlsx")
    assert name == "monthly-2026-11.xlsx" and media.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(content))
    summary = wb["概况"]
    values = {r[0]: r[1] for r in summary.iter_rows(values_only=True) if r[0] and r[1] is not None}
    for code, label in evaluation_domain.COUNTS[:18]:
        assert values[label] == expected["counts"][code], label
    cells = {r[0].value: r[1] for r in summary.iter_rows() if r[0].value}
    for code, label, _n, _d in evaluation_domain.RATES:  # rates are numbers with a % format, not text
        rate = expected["rates"][code]
        if rate is None:
            assert cells[label].value == "—"
        else:
            assert isinstance(cells[label].value, int | float) and cells[label].number_format == "0.00%", label
            assert round(cells[label].value * 100, 2) == rate, label
    assert "考核指标" in wb.sheetnames and "责任单位综合评价排名" in wb.sheetnames
    charts = [c for ws in wb.worksheets for c in ws._charts]
    assert len(charts) == 2


def check_daily_sheet(month: City) -> None:
    rt = month.rt
    day = date(2026, 11, 24)
    period = kernel_periods.Period.day(day, rt.settings.tz)
    by_unit = indicator_service.compute(rt, period, "unit")
    name, content, _ = evaluation_papers_build.build(rt, "daily", day, "docx")
    assert name == "daily-2026-11-24.docx"
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "城市管理每日调度" in text and "2026年11月24日" in text
    figures = figures_of(doc)
    assert figures["上报数"] == str(by_unit["total"]["counts"]["reported"])
    assert figures["超期未处置数"] == str(by_unit["total"]["counts"]["overdue_unhandled"])
    unit_table = next(t for t in doc.tables if t.rows[0].cells[0].text == "责任单位")
    on_paper = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in unit_table.rows[1:]}
    for row in by_unit["rows"]:
        if row["key"] in (None, ""):
            continue
        assert on_paper[row["name"]][:3] == [str(row["counts"][k]) for k in ("dispatched", "handled",
                                                                             "handled_on_time")]
    wb = load_workbook(io.BytesIO(evaluation_papers_build.build(rt, "daily", day, "xlsx")[1]))
    sheet = wb["各责任单位调度情况"]
    assert sheet["A2"].value == "责任单位"
    assert [c for ws in wb.worksheets for c in ws._charts]


def test_a_paper_of_an_empty_period_is_an_error_not_an_empty_file(city: City, tmp_path: Any) -> None:
    for kind in ("daily", "monthly"):
        for fmt in ("docx", "xlsx"):
            with pytest.raises(InvalidInput, match="没有任何案件或督导数据"):
                evaluation_papers_build.build(city.rt, kind, date(2026, 1, 5), fmt)


def test_chart_draws_with_chinese_labels() -> None:
    from citysteward.evaluation.papers.model import Chart

    png = chart_png(Chart("各单位处置情况", ["市市政设施所", "解放区环卫中心"], [("处置数", [12, 7]), ("超期", [1, 0])], "件"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    assert isinstance(has_cjk_font(), bool)
    from PIL import Image

    many = chart_png(Chart("责任单位综合得分", [f"第{i}单位" for i in range(30)], [("得分", [90 - i for i in range(30)])]))
    width, height = Image.open(io.BytesIO(many)).size
    assert width == 1400 and height >= 30 * 36  # thirty units: horizontal bars, one readable row each


def test_the_cli_never_writes_a_paper_of_nothing_over_a_real_one(tmp_path: Any, monkeypatch: Any,
                                                                 sqlite_template: Any) -> None:
    import shutil

    from typer.testing import CliRunner

    from citysteward.cli import app

    out = tmp_path / "out"
    out.mkdir()
    real = out / "monthly-2026-01.docx"
    real.write_bytes(b"PK a real paper")
    runner = CliRunner()
    monkeypatch.setenv("CITYSTEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'missing.db'}")
    r = runner.invoke(app, ["report", "monthly", "--date", "2026-01-05", "--out", str(out)])
    assert r.exit_code == 1 and "数据库不存在" in r.output and not (tmp_path / "missing.db").exists()
    shutil.copy(sqlite_template, tmp_path / "empty.db")
    monkeypatch.setenv("CITYSTEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("CITYSTEWARD_MEDIA_DIR", str(tmp_path / "media"))
    r = runner.invoke(app, ["report", "monthly", "--date", "2026-01-05", "--out", str(out)])
    assert r.exit_code == 1 and "没有任何案件或督导数据" in r.output
    assert real.read_bytes() == b"PK a real paper" and sorted(p.name for p in out.iterdir()) == [real.name]
