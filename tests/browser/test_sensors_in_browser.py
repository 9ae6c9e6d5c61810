"""Issue 17 in a real browser: the administrator registers a manhole-tilt sensor and copies its
credential; the sensor reports a tilt three times; the dispatcher sees it red on the map and in the
table, opens its history, follows the one case and finds the three readings on the case timeline."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from citysteward.sensors.services.ingest import Raw, ingest
from tests.browser.conftest import assert_chinese_renders, shoot
from tests.conftest import City, grid_point

pytestmark = pytest.mark.browser


def test_sensor_alarm_story(new_page, city: City) -> None:
    rt = city.rt
    admin = new_page("admin")
    admin.goto("/console/sensors/new")
    form = admin.locator("#device-form")
    lon, lat = grid_point(1, 3)
    form.locator("input[name=code]").fill("JG-0777")
    form.locator("input[name=name]").fill("塔南路雨水井盖")
    form.locator("select[name=kind]").select_option("manhole_tilt")
    form.locator("select[name=owner_unit_id]").select_option(str(city.units["facility"]))
    form.locator("input[name=heartbeat_min]").fill("60")
    form.locator("input[name=lon]").fill(f"{lon:.6f}")
    form.locator("input[name=lat]").fill(f"{lat:.6f}")
    form.locator("input[name=rule_code]").fill("tilt")
    form.locator("input[name=rule_label]").fill("井盖倾斜")
    form.locator("input[name=metric]").fill("tilt_deg")
    form.locator("input[name=threshold]").fill("15")
    form.locator("input[name=category_code]").fill("01003")
    form.locator("button[type=submit]").click()
    secret = admin.locator("#device-secret").inner_text()
    assert secret.startswith("dev_")

    for i, value in enumerate((22, 35, 28)):
        body = json.dumps({"id": f"b-{i}", "secret": secret, "values": {"tilt_deg": value}}).encode()
        ingest(rt, [Raw("JG-0777", body)])

    page = new_page("dispatcher")
    page.goto("/console/sensors")
    expect(page.locator('[data-state="alarm"]')).to_have_text("1")
    expect(page.locator("#sensor-map")).to_have_attribute("data-ready", "1")
    expect(page.locator("#sensor-map")).to_have_attribute("data-count", "1")
    expect(page.locator("#sensor-map .case-pin")).to_have_count(1)
    row = page.locator("#sensor-table tbody tr", has_text="JG-0777")
    expect(row.locator(".badge")).to_have_text("报警")
    assert_chinese_renders(page, "#sensor-table thead tr th:nth-child(2)")
    shoot(page, "sensors-list")
    row.locator("a").click()
    page.wait_for_url("**/console/sensors/devices/JG-0777")
    expect(page.locator("#device-map")).to_have_attribute("data-ready", "1")
    alarm = page.locator("#alarm-table tbody tr").first
    expect(alarm.locator("td").nth(3)).to_have_text("3")
    expect(page.locator("#message-table tbody tr")).to_have_count(3)
    alarm.locator("a").click()
    page.wait_for_url("**/console/cases/*")
    expect(page.locator(".description")).to_contain_text("tilt_deg = 22")
    expect(page.get_by_text("重复报警（第 3 次读数）", exact=False)).to_be_visible()
    shoot(page, "sensors-case")
