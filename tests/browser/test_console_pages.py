"""The console, the map, the command-centre screen and the calendar editor in a real browser, over two
weeks of cases: Chinese text drawn with the WenQuanYi font, nothing fetched from outside the machine,
and screenshots for people to look at."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from citysteward.evaluation.services import dashboard
from citysteward.worktime import services as calendar
from tests.browser.conftest import assert_chinese_renders, shoot
from tests.builders.cases import report, seed_busy_city
from tests.conftest import City

pytestmark = pytest.mark.browser


def test_workbench_ledger_map_and_dashboard(new_page, city: City, clock, tmp_path) -> None:
    seeded = seed_busy_city(city, clock)
    page = new_page("leader")
    expect(page.locator("#queue-reported .count")).to_have_text(str(len(seeded.waiting["reported"])))
    expect(page.locator("#queue-overdue")).to_contain_text(seeded.waiting["overdue"][0])
    assert_chinese_renders(page, ".page-head h1")
    shoot(page, "workbench")

    page.goto("/console/cases")
    total = int(page.inner_text("#case-total"))
    page.click("label.chip:has(input[value=reported]) span")  # htmx swaps the table in place
    expect(page.locator("#case-total")).to_have_text(str(len(seeded.waiting["reported"])))
    assert "state=reported" in page.url and total > len(seeded.waiting["reported"])
    with page.expect_download() as download:
        page.click("text=导出 Excel")
    path = tmp_path / "cases.xlsx"
    download.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][0] == "案件编号" and len(rows) == 1 + len(seeded.waiting["reported"])
    assert {r[1] for r in rows[1:]} == {"待受理"}
    assert_chinese_renders(page, "table.cases thead th")
    shoot(page, "case-list")

    page.goto("/console/map")
    expect(page.locator("#city-map")).to_have_attribute("data-ready", "1")
    expect(page.locator("#map-count")).to_have_text(str(sum(len(v) for v in seeded.waiting.values())))
    grid = page.locator("#city-map path.leaflet-interactive").first  # 410802001001001, north-west
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 4, box["y"] + box["height"] - 4)  # a corner: away from the case markers
    expect(page.locator("#grid-info h4").first).to_have_text("网格团队")
    expect(page.locator("#grid-info")).to_contain_text("网格长：李建国")
    expect(page.locator("#grid-info li a").first).to_have_text(seeded.waiting["reported"][0])
    assert_chinese_renders(page, ".map-side h2")
    shoot(page, "map", full_page=False)
    lone = seeded.waiting["overdue"][0]  # alone in its grid, so drawn as a pin, not a cluster
    page.click(f".leaflet-marker-icon.case-pin[title='{lone}']")
    page.wait_for_url(f"**/console/cases/{lone}")
    expect(page.locator(".case-head")).to_contain_text("已超期")

    screen = new_page("leader", viewport={"width": 1920, "height": 1080})
    screen.goto("/dashboard")
    expect(screen.locator("body")).to_have_attribute("data-charts-ready", "1")
    expect(screen.locator("#screen-map")).to_have_attribute("data-ready", "1")
    figures = dashboard.figures(city.rt)
    expect(screen.locator(".tiles").first.locator(".tile .v").first).to_have_text(str(figures.today.reported))
    expect(screen.locator("#open-now")).to_have_text(str(figures.open_now))
    expect(screen.locator(".district-label")).to_contain_text("测试区")
    assert screen.locator("#chart-trend canvas").count() == 1
    report(city, "06010", seq=2, description="又一处暴露垃圾")  # the screen refreshes itself (htmx polling)
    city.rt.cache.drop("dashboard")  # as if its 30 seconds had passed
    screen.evaluate("htmx.ajax('GET', '/dashboard/_data', {target: '#dash-data', swap: 'innerHTML'})")
    expect(screen.locator(".tiles").first.locator(".tile .v").first).to_have_text(str(figures.today.reported + 1))
    screen.wait_for_timeout(700)  # let the charts finish their entry animation before the picture
    assert_chinese_renders(screen, ".screen-head h1")
    shoot(screen, "dashboard", full_page=False)


def _cycle(page, day: str) -> None:
    """Click a day of the calendar and wait for the server's answer (htmx swaps the new cell in)."""
    with page.expect_response(lambda r: r.url.endswith("/console/admin/calendar/day")) as answer:
        page.locator(f"button.day[data-day='{day}']").click()
    assert answer.value.status == 200


def test_admin_edits_the_calendar_by_clicking_days(new_page, city: City) -> None:
    page = new_page("admin")
    page.goto("/console/admin/calendar?year=2026")
    day = page.locator("button.day[data-day='2026-12-05']")  # a Saturday
    expect(day).to_have_class("day weekend")
    _cycle(page, "2026-12-05")
    expect(page.locator("button.day[data-day='2026-12-05']")).to_have_class("day weekend holiday")
    _cycle(page, "2026-12-05")
    expect(page.locator("button.day[data-day='2026-12-05']")).to_have_class("day weekend workday")
    kinds = {d["day"]: d["kind"] for d in calendar.calendar_view(city.rt, 2026)["days"]}
    assert kinds["2026-12-05"] == "workday"
    _cycle(page, "2026-12-05")
    expect(page.locator("button.day[data-day='2026-12-05']")).to_have_class("day weekend")
    assert date(2026, 12, 5).isoformat() not in {d["day"] for d in calendar.calendar_view(city.rt, 2026)["days"]}
    expect(page.locator("button.day[data-day='2026-10-01']")).to_contain_text("休")  # National Day, from the seed
    assert_chinese_renders(page, ".admin-main h1")
    shoot(page, "admin-calendar")

    page.goto("/console/admin/grids")
    expect(page.locator("#admin-map")).to_have_attribute("data-ready", "1")
    shoot(page, "admin-grids", full_page=False)
