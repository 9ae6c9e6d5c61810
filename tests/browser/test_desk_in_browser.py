"""The desk in a real browser: a supervisor issues a yellow ticket to two units from a case page; both
units see the notice (the bell counts it without a reload) and reply, one with a photo; the supervisor
accepts and the ledger counts it; a leader opens the ranking, sees the red and the blue flag and drills
into the cases behind one unit's rate; the daily paper downloads from the page."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from playwright.sync_api import expect

from citysteward.evaluation.services import indicators as indicator_service
from tests.browser.conftest import shoot
from tests.builders.cases import GARBAGE, MANHOLE, dispatched, report, walk_to_close
from tests.builders.http import png
from tests.conftest import City, password_hash

pytestmark = pytest.mark.browser


def _leader(city: City) -> None:
    with city.rt.uow() as uow:
        uow.org.add_user({"username": "boss", "password_hash": password_hash(), "display_name": "局长郑",
                          "phone": "13800000001", "role": "leader", "unit_id": None, "active": True,
                          "created_at": city.rt.now()})
        uow.commit()


def test_a_yellow_ticket_to_two_units_then_the_leaders_ranking_and_paper(new_page, city: City, clock) -> None:
    _leader(city)
    start = clock.now
    # a little history so that both units are ranked: the facility on time, sanitation late
    for hours, category, seq in ((1, MANHOLE, 1), (1.5, MANHOLE, 2), (30, GARBAGE, 5), (40, GARBAGE, 6)):
        clock.set(start.replace(hour=0))
        walk_to_close(city, clock, report(city, category, seq=seq), hours=hours)
    clock.set(start)
    case_no = report(city)
    dispatched(city, case_no)  # to the facility unit
    indicator_service.set_config(city.rt, city.actor("admin"),
                                 {"ranking": {"min_cases": 1, "red_flags": 1, "blue_flags": 1}})
    city.rt.cache.drop()

    supervisor = new_page("supervisor")
    supervisor.goto(f"/console/cases/{case_no}")
    supervisor.click("#supervise-case")
    expect(supervisor.locator("#pick-map")).to_have_attribute("data-ready", "1")
    supervisor.click("label.chip:has(input[name=level][value=yellow]) span")
    expect(supervisor.locator("input[name=level][value=yellow]")).to_be_checked()
    facility_box = supervisor.locator(f"input[name=unit_ids][value='{city.units['facility']}']")
    expect(facility_box).to_be_checked()  # the case's unit is preselected
    supervisor.check(f"input[name=unit_ids][value='{city.units['sanitation']}']")
    supervisor.fill("textarea[name=content]", "井盖破损且周边垃圾堆积，请两单位 48 小时内协同整改")
    supervisor.fill("input[name=limit_hours]", "48")
    shoot(supervisor, "desk-issue")
    supervisor.click("#issue-submit")
    expect(supervisor.locator(".flash.ok")).to_contain_text("下发督导单")
    expect(supervisor.locator("#ticket-level")).to_contain_text("黄色")
    ticket_no = supervisor.locator("h1 .case-no").inner_text().strip()

    for who, note, photo in (("facility", "已更换防沉降井盖", True), ("sanitation", "周边垃圾已清运", False)):
        unit = new_page(who)
        expect(unit.locator("#bell-count")).to_contain_text(re.compile(r"[1-9]"))
        unit.click("#bell")
        notice = unit.locator(".notice", has_text=ticket_no).first
        expect(notice).to_contain_text("黄色督导单")
        notice.locator("button", has_text="查看并标为已读").click()
        expect(unit).to_have_url(re.compile(rf"/console/supervision/tickets/{ticket_no}$"))
        form = unit.locator("#act-reply")
        form.evaluate("el => { el.open = true; }")
        form.locator("textarea[name=note]").fill(note)
        if photo:
            form.locator("input[name=photos]").set_input_files(
                files=[{"name": "after.png", "mimeType": "image/png", "buffer": png((90, 140, 90), (320, 240))}])
        form.locator("button[type=submit]").click()
        expect(unit.locator(".flash.ok")).to_contain_text("整改回复")
        expect(unit.locator(f"#replies li[data-unit='{city.units[who]}']")).to_contain_text(note)

    # the supervisor's bell counts the replies without a reload (htmx polling)
    supervisor.goto("/console/supervision")
    expect(supervisor.locator("#bell-count")).to_contain_text(re.compile(r"[1-9]"))
    supervisor.goto(f"/console/supervision/tickets/{ticket_no}")
    expect(supervisor.locator("#replies img")).to_have_count(1)
    supervisor.locator("#act-accept textarea[name=note]").fill("现场复核通过")
    supervisor.locator("#act-accept button[type=submit]").click()
    expect(supervisor.locator("#ticket-state")).to_contain_text("已整改")
    supervisor.goto("/console/supervision?level=yellow")
    expect(supervisor.locator("#summary-text")).to_have_text("1 张：黄色 1，已整改 1")
    expect(supervisor.locator(f"#ticket-table tr[data-ticket='{ticket_no}']")).to_contain_text("已整改")
    shoot(supervisor, "desk-ledger")
    supervisor.goto("/console/supervision/hotspots")  # the map of recurring and listed places draws
    expect(supervisor.locator("#hotspot-map")).to_have_attribute("data-ready", "1")

    leader = new_page("boss")
    leader.goto("/console/evaluation/rankings")
    expect(leader.locator("#red-flags")).to_contain_text("市市政设施所")
    expect(leader.locator("#blue-flags")).to_contain_text("解放区环卫中心")
    shoot(leader, "desk-ranking")
    row = leader.locator(f"#ranking-table tr[data-key='{city.units['sanitation']}']")
    row.locator("td[data-code=on_time_handle_rate] a").click()
    expect(leader.locator("#drill-table tbody tr")).to_have_count(2)
    expect(leader.locator("#drill-numerator")).to_have_text("0")  # both of sanitation's were late

    leader.goto("/console/evaluation")
    expect(leader.locator("#indicator-chart")).to_have_attribute("data-ready", "1")
    leader.fill("#papers input[name=date] >> nth=0", "2026-11-17")
    with leader.expect_download() as info:
        leader.click("#daily-docx")
    download = info.value
    assert download.suggested_filename == "每日调度-daily-2026-11-17.docx"
    doc = Document(io.BytesIO(open(download.path(), "rb").read()))
    assert any("城市管理每日调度" in p.text for p in doc.paragraphs)
