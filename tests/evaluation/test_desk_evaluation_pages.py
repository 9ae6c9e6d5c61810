"""The leader's pages (考评): the indicator table of a generated month equals the indicator service,
each figure opens exactly the cases behind it (recounted from the case table), the .xlsx export has
numeric rates, the ranking shows red and blue flags and publishes, papers download from the page."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from citysteward.cases import tables as cases_tables
from citysteward.evaluation.services import drilldown, rankings
from citysteward.evaluation.services import indicators as indicator_service
from citysteward.kernel import periods as kernel_periods
from tests.builders.months import generate_month
from tests.conftest import City


@pytest.fixture
def month(city: City, clock: Any) -> City:
    clock.set(datetime(2026, 10, 28, 0, 0, tzinfo=UTC))
    generate_month(city, clock, n=30, seed=11, sweep_hours=12)
    clock.set(datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    return city


def _cells(html: str, key: str) -> dict[str, str]:
    row = re.search(rf'<tr data-key="{re.escape(key)}">(.*?)</tr>', html, re.S).group(1)
    return {code: v for v, code in re.findall(r'data-v="([^"]*)" data-code="(\w+)"', row)}


def test_indicators_drill_down_export_rankings_and_papers(month: City, client_for) -> None:
    rt = month.rt
    leader = client_for("supervisor")
    period = kernel_periods.Period.month(2026, 11, rt.settings.tz)
    table = indicator_service.compute(rt, period, "unit")
    html = leader.get("/console/evaluation?period=2026-11&cut=unit").text
    assert 'data-cs-desk="chart"' in html and "indicators.xlsx?period=2026-11&amp;cut=unit" in html
    for row in table["rows"]:
        shown = _cells(html, "" if row["key"] is None else str(row["key"]))
        assert int(shown["handled_on_time"]) == row["counts"]["handled_on_time"]
        rate = row["rates"]["on_time_handle_rate"]
        assert shown["on_time_handle_rate"] == ("" if rate is None else str(rate))

    # the cases behind the month's reports: recounted straight from the case table
    C = cases_tables.cases
    with rt.uow(readonly=True) as uow:
        reported = uow.conn.execute(select(func.count()).select_from(C).where(
            C.c.reported_at >= period.start, C.c.reported_at < period.end)).scalar_one()
    behind = drilldown.cases_behind(rt, period, "total", "", "reported")
    assert behind["total"] == behind["cases"] == reported == indicator_service.compute(rt, period)["total"]["counts"]["reported"]
    # one unit's rate: its denominator's cases, the numerator's marked
    unit = next(r for r in table["rows"] if r["key"] and r["counts"]["due_handle"])
    page = leader.get(f"/console/evaluation/cases?period=2026-11&cut=unit&key={unit['key']}&measure=on_time_handle_rate")
    assert page.status_code == 200
    total = int(re.search(r'id="drill-total">(\d+)<', page.text).group(1))
    numerator = int(re.search(r'id="drill-numerator">(\d+)<', page.text).group(1))
    assert (total, numerator) == (unit["counts"]["due_handle"], unit["counts"]["handled_on_time"])
    listed = re.findall(r'<tr data-case="([^"]+)">', page.text)
    assert len(listed) == len(set(listed)) and listed
    assert leader.get("/console/evaluation/cases?period=2026-11&measure=nope").status_code == 422
    assert leader.get("/console/evaluation?period=2026-99").status_code == 422

    wb = load_workbook(io.BytesIO(leader.get("/console/evaluation/indicators.xlsx?period=2026-11&cut=unit").content))
    ws = wb.active
    head = [c.value for c in ws[2]]
    col = head.index("按时处置率") + 1
    rates = [ws.cell(row=i, column=col) for i in range(3, ws.max_row + 1)]
    numeric = [c for c in rates if c.value is not None]
    assert numeric and all(isinstance(c.value, int | float) and c.number_format == "0.00%" for c in numeric)
    assert {round(c.value * 100, 2) for c in numeric} <= {r["rates"]["on_time_handle_rate"] for r in
                                                          [*table["rows"], table["total"]]}

    # a small city: one red and one blue flag (the counts are local policy, evaluation settings)
    indicator_service.set_config(rt, month.actor("admin"), {"ranking": {"min_cases": 1, "red_flags": 1, "blue_flags": 1}})
    rt.cache.drop()
    live = rankings.ranking(rt, period, "unit")
    page = leader.get("/console/evaluation/rankings?period=2026-11&scope=unit").text
    red = [r["name"] for r in live["rows"] if r["flag"] == "red"]
    blue = [r["name"] for r in live["rows"] if r["flag"] == "blue"]
    assert red and blue
    red_box = re.search(r'id="red-flags">(.*?)</section>', page, re.S).group(1)
    blue_box = re.search(r'id="blue-flags">(.*?)</section>', page, re.S).group(1)
    assert all(n in red_box for n in red) and all(n in blue_box for n in blue)
    assert "名次并列" in page
    r = leader.post("/console/evaluation/rankings/publish", data={"period": "2026-11", "scope": "unit"})
    assert r.status_code == 303
    page = leader.get("/console/evaluation/rankings?period=2026-12&scope=unit").text
    assert "2026-11" in re.search(r'id="flag-history">(.*?)</section>', page, re.S).group(1)
    assert client_for("facility").post("/console/evaluation/rankings/publish", data={"period": "2026-11"}).status_code == 403

    r = leader.get("/console/evaluation/papers/monthly.docx?date=2026-11-15")
    assert r.status_code == 200 and r.content[:2] == b"PK" and "monthly-2026-11.docx" in r.headers["content-disposition"]
    r = leader.get("/console/evaluation/papers/daily.xlsx?date=2026-11-20")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert leader.get("/console/evaluation/papers/weekly.docx").status_code == 422


def test_the_big_screen_adds_red_lights_streets_todays_reports_and_both_ends_of_the_ranking(
        city: City, clock: Any, client_for) -> None:
    from citysteward.supervision.services import sweep
    from tests.builders.cases import GARBAGE, MANHOLE, dispatched, report, walk_to_close

    now = clock.now  # 2026-11-17 10:00 local
    clock.set(datetime(2026, 11, 16, 19, 0, tzinfo=UTC))  # 03:00 local: 6 natural hours, red by 10:00
    late = report(city, MANHOLE, seq=7)
    dispatched(city, late)
    clock.set(datetime(2026, 11, 17, 0, 0, tzinfo=UTC))
    done = report(city, GARBAGE, seq=5)
    walk_to_close(city, clock, done, hours=0.5)
    clock.set(now)
    today = report(city, GARBAGE, seq=6)
    sweep.sweep(city.rt)
    indicator_service.set_config(city.rt, city.actor("admin"), {"ranking": {"min_cases": 1}})
    city.rt.cache.drop()
    data = client_for("supervisor").get("/dashboard/desk.json").json()
    assert [r["case_no"] for r in data["red"]] == [late]
    with city.rt.uow(readonly=True) as uow:
        deadline = uow.cases.get(late).deadline  # hours past the deadline, recounted from the case
    assert data["red"][0]["hours"] == round((now - deadline).total_seconds() / 3600, 1) > 0
    assert sorted(p["case_no"] for p in data["today"]) == sorted([late, done, today])  # all reported today, local
    assert data["streets"][0]["name"] == "王褚街道" and data["streets"][0]["overdue"] == 1
    assert data["top"] and data["bottom"]
    page = client_for("supervisor").get("/dashboard").text
    assert 'id="desk-screen"' in page and "/static/screen-desk.js" in page
