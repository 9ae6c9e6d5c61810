"""A responsible unit's staff get their unit's indicators and their unit's edition of the papers: its own
figures, its own overdue cases (numbers and addresses), its own tickets and hot spots — never another
unit's cases. Everyone else gets the city's. The rule is cases.domain.access.led_units (the ledger's)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from citysteward.evaluation.papers import build
from citysteward.evaluation.papers.model import Paper
from citysteward.evaluation.services import indicators as indicator_service
from citysteward.kernel import periods as kernel_periods
from citysteward.supervision.services import escalation
from citysteward.supervision.services import tickets as supervision_service
from tests.builders.cases import GARBAGE, MANHOLE, dispatched, report
from tests.conftest import City

OVERDUE_MONTHLY = "超期未处置最严重的案件"
OVERDUE_DAILY = "超期未处置案件（截至当日 24 时）"


@pytest.fixture
def overdue(city: City, clock: Any) -> dict[str, list[str]]:
    """Two cases per unit dispatched on Tuesday and still open on Friday, swept overdue; a ticket to
    each unit on Friday. Cases by unit key."""
    made: dict[str, list[str]] = {"facility": [], "sanitation": []}
    for i in range(2):
        for unit, category, seq in (("facility", MANHOLE, 3), ("sanitation", GARBAGE, 6)):
            case_no = report(city, category=category, who="inspector", seq=seq, address=f"{unit} 路 {i} 号")
            dispatched(city, case_no)
            made[unit].append(case_no)
    clock.set(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))  # Friday 10:00 local
    escalation.sweep_all(city.rt)
    for unit in made:
        supervision_service.issue_ticket(city.rt, city.actor("supervisor"), supervision_service.TicketInput(
            level="white", title=f"督促 {unit} 尽快处置", content="超期未处置", unit_ids=(city.units[unit],),
            case_nos=tuple(made[unit])))
    return made


def case_nos(paper: Paper, title: str) -> list[str]:
    section = next(s for s in paper.sections if s.title == title)
    return [row[0] for row in section.rows]


def test_a_unit_gets_its_own_indicators_and_papers(city: City, overdue: dict[str, list[str]], client: TestClient,
                                                    token) -> None:
    rt, facility = city.rt, city.actor("facility")
    own_unit, other_unit = city.units["facility"], city.units["sanitation"]
    period = kernel_periods.Period.month(2026, 11, rt.settings.tz)

    city_wide = indicator_service.compute(rt, period, "unit")
    assert {r["key"] for r in city_wide["rows"]} == {own_unit, other_unit, None}  # None: reported, not dispatched
    mine = indicator_service.compute(rt, period, "unit", viewer=facility)
    assert [r["key"] for r in mine["rows"]] == [own_unit]
    assert mine["total"]["counts"] == next(r for r in city_wide["rows"] if r["key"] == own_unit)["counts"]
    assert indicator_service.compute(rt, period, "unit", {"unit": [other_unit]}, viewer=facility)["rows"] == []
    over_http = client.get("/api/v1/indicators", params={"period": "2026-11", "cut": "unit", "unit": other_unit},
                           headers=token("facility")).json()
    assert over_http["rows"] == [] and over_http["total"]["counts"]["dispatched"] == 0

    friday = date(2026, 11, 20)
    for paper_of, title in ((build.monthly, OVERDUE_MONTHLY), (build.daily, OVERDUE_DAILY)):
        assert sorted(case_nos(paper_of(rt, friday), title)) == sorted(overdue["facility"] + overdue["sanitation"])
        edition = paper_of(rt, friday, facility)
        assert sorted(case_nos(edition, title)) == sorted(overdue["facility"])
        assert edition.title.endswith("（市市政设施所）") and "市市政设施所" in edition.lead[0]
        assert paper_of(rt, friday, city.actor("dispatcher")).title == paper_of(rt, friday).title
    tickets = next(s for s in build.daily(rt, friday, facility).sections if s.title == "当日下发督导单")
    assert "督促 facility 尽快处置" in [row[3] for row in tickets.rows]
    assert {row[2] for row in tickets.rows} == {"市市政设施所"}  # the sweep's automatic tickets too

    r = client.get("/api/v1/reports/daily.xlsx", params={"date": "2026-11-20"}, headers=token("facility"))
    assert r.status_code == 200
    text = " ".join(str(c.value) for ws in load_workbook(io.BytesIO(r.content)).worksheets for row in ws.iter_rows()
                    for c in row if c.value is not None)
    assert all(c in text for c in overdue["facility"]) and "facility 路" in text
    assert not any(c in text for c in overdue["sanitation"]) and "sanitation 路" not in text and "督促 sanitation" not in text
