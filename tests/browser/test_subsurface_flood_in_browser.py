"""Issue 13 in a real browser: a surveyor records a void with its grade, a re-survey upgrades it to a
cavity and the history shows it, the treatment deadline follows the configured table, the defect map
draws it by grade; a flood warning raises the response level and the event page shows deployments and
tagged cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from citysteward.subsurface import services as ss
from tests.browser.conftest import assert_chinese_renders, shoot
from tests.builders.cases import report
from tests.conftest import City

pytestmark = pytest.mark.browser


def test_defect_story(new_page, city: City, clock) -> None:
    rt = city.rt
    ss.set_rules(rt, city.actor("admin"), {"deadline_days": [{"type": "cavity", "grade": "Ⅳ", "days": 3},
                                                             {"type": "*", "grade": "*", "days": 30}]})
    ss.create_survey(rt, city.actor("admin"), {"name": "市管主干道路探测", "started_on": "2026-04-01",
                                               "roads": [{"road": "人民路", "length_km": 6.5}]})
    page = new_page("facility")
    page.goto("/console/subsurface")
    form = page.locator("#new-defect form")
    form.locator("input[name=road]").fill("人民路")
    form.locator("input[name=chainage_m]").fill("1250")
    form.locator("input[name=lon]").fill("113.2100")
    form.locator("input[name=lat]").fill("35.2140")
    form.locator("select[name=type]").select_option("void")
    form.locator("select[name=grade]").select_option("Ⅲ")
    form.locator("input[name=length_m]").fill("3")
    form.locator("input[name=width_m]").fill("2")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/console/subsurface/defects/*")
    expect(page.locator("#defect-type")).to_have_text("脱空")
    expect(page.locator("#defect-grade")).to_have_text("Ⅲ级")
    page.locator("#action-confirm button").click()
    expect(page.locator("#defect-state")).to_have_text("已确认")
    clock.advance(hours=2)  # (a longer jump would outlive the browser's session)
    resurvey = page.locator("#resurvey-form")
    resurvey.locator("select[name=type]").select_option("cavity")
    resurvey.locator("select[name=grade]").select_option("Ⅳ")
    resurvey.locator("button[type=submit]").click()
    expect(page.locator("#defect-type")).to_have_text("空洞")
    expect(page.locator("#observations tbody tr")).to_have_count(2)
    expect(page.locator("#observations tbody tr").nth(1).locator(".change")).to_have_text("脱空 → 空洞")
    started = clock.now
    treat = page.locator("#treat-form")
    treat.locator("select[name=method]").select_option("grouting")
    treat.locator("select[name=unit_id]").select_option(str(city.units["facility"]))
    treat.locator("button[type=submit]").click()
    expect(page.locator("#defect-state")).to_have_text("处置中")
    deadline = (started + timedelta(days=3)).astimezone(rt.settings.tz)  # the (空洞, Ⅳ) row of the table
    expect(page.locator("#treatments .deadline").first).to_have_text(f"{deadline:%Y-%m-%d %H:%M}")
    assert_chinese_renders(page, "#observations thead tr th:nth-child(2)")
    shoot(page, "subsurface-defect")
    page.goto("/console/subsurface")
    expect(page.locator("#defect-map")).to_have_attribute("data-ready", "1")
    expect(page.locator("#defect-map")).to_have_attribute("data-count", "1")
    expect(page.locator("#n-cavity")).to_have_text("1")
    shoot(page, "subsurface-dashboard")


def test_flood_story(new_page, city: City, clock) -> None:
    case_no = report(city)
    page = new_page("leader")
    page.goto("/console/flood")
    page.locator("#warning-form select[name=colour]").select_option("orange")
    page.locator("#warning-form button[type=submit]").click()
    page.wait_for_url("**/console/flood/events/*")
    expect(page.locator("#event-level")).to_have_text("Ⅱ级响应")
    expect(page.locator("#level-history tbody tr").first).to_contain_text("值班长张")
    deploy = page.locator("#deploy-form")
    deploy.locator("select[name=unit_id]").select_option(str(city.units["facility"]))
    deploy.locator("input[name=people]").fill("45")
    deploy.locator("input[name=vehicles]").fill("3")
    deploy.locator("input[name=pumps]").fill("2")
    deploy.locator("button[type=submit]").click()
    expect(page.locator("#deployments tbody tr")).to_have_count(1)
    expect(page.locator("#ev-people")).to_have_text("45")
    expect(page.locator("#ev-equipment")).to_have_text("5")
    page.locator("#tag-form input[name=case_nos]").fill(case_no)
    page.locator("#tag-form button[type=submit]").click()
    expect(page.locator("#event-cases")).to_contain_text(case_no)
    expect(page.locator("#ev-cases")).to_have_text("1")
    expect(page.locator("#flood-map")).to_have_attribute("data-ready", "1")
    assert_chinese_renders(page, "#deployments thead tr th:nth-child(2)")
    shoot(page, "flood-event")
