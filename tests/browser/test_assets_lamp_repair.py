"""A streetlight case linked to a lamp, in a real browser: the unit handles it, the inspector checks it,
the shift leader closes it; the lamp's page (opened from the case page) shows it intact again with the
repair in its history and its work orders. The assets map draws the roads and the lamp layer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from citysteward.assets.services import components as comp
from citysteward.assets.services import roads as road_services
from citysteward.cases.domain.model import Action
from citysteward.cases.services import intake
from tests.assets.conftest import roads_collection
from tests.browser.test_case_flow_in_browser import act
from tests.builders.cases import dispatched
from tests.conftest import City

pytestmark = pytest.mark.browser
LAMP_CODE = "41080201037000001"


def test_a_unit_closes_a_streetlight_case_and_the_lamp_page_shows_the_repair(new_page, city: City) -> None:
    road_services.import_roads(city.rt, city.actor("admin"), roads_collection())
    comp.import_components(city.rt, city.actor("admin"), [
        {"code": LAMP_CODE, "name": "南通路路灯1号", "lon": 113.2052, "lat": 35.215, "lamp_type": "LED", "power_w": 120}])
    lamp = comp.component_by_code(city.rt, LAMP_CODE)
    case_no = intake.report_case(city.rt, intake.ReportInput(
        category_code="01037", description="南通路路灯连续三晚不亮", lon=113.2052, lat=35.2151, component_id=lamp.id),
        city.actor("inspector")).case_no
    dispatched(city, case_no)

    unit = new_page("facility")
    unit.goto(f"/console/cases/{case_no}")
    expect(unit.locator("#case-road")).to_contain_text("南通路")
    expect(unit.locator("text=涉及部件")).to_be_visible()
    act(unit, case_no, Action.ACCEPT_TASK)
    act(unit, case_no, Action.HANDLE, "更换灯头，已恢复照明")
    act(new_page("inspector"), case_no, Action.CHECK_PASS, "夜间复查，路灯已亮")
    leader = new_page("leader")
    act(leader, case_no, Action.CLOSE)

    leader.click(f"a[href='/console/assets/components/{lamp.id}']")
    expect(leader.locator("#component-state")).to_have_text("完好")
    history = leader.locator("#component-history")
    expect(history).to_contain_text("案件结案")
    expect(history).to_contain_text(case_no)
    expect(history.locator("tbody tr").first).to_contain_text("完好")
    expect(leader.locator("#component-work")).to_contain_text("维修路灯 1")
    expect(leader.locator("#component-map")).to_have_attribute("data-ready", "1")

    leader.goto("/console/assets")
    expect(leader.locator("#assets-map")).to_have_attribute("data-ready", "1")
    expect(leader.locator(".road-label", has_text="南通路")).to_have_count(1)
    leader.select_option("#component-class", "01037")
    expect(leader.locator("#layer-status")).to_contain_text("1 个部件")


def test_a_citizen_on_a_phone_reports_a_dark_lamp_and_picks_it_from_the_nearest(new_page, city: City) -> None:
    from tests.browser.test_case_flow_in_browser import PHONE

    road_services.import_roads(city.rt, city.actor("admin"), roads_collection())
    comp.import_components(city.rt, city.actor("admin"), [
        {"code": LAMP_CODE, "name": "南通路路灯1号", "lon": 113.2052, "lat": 35.215},
        {"code": "41080201037000002", "name": "南通路路灯2号", "lon": 113.2052, "lat": 35.2156}])
    citizen = new_page(geolocation={"longitude": 113.2051, "latitude": 35.2151}, permissions=["geolocation"], **PHONE)
    citizen.goto("/report")
    expect(citizen.locator("#report-map")).to_have_attribute("data-ready", "1")
    citizen.click("#use-location")
    expect(citizen.locator("#place")).to_contain_text("南通路")
    citizen.fill("#category-search", "路灯")
    citizen.click("button[data-code='01037']")
    offer = citizen.locator("#component-offer")
    expect(offer).to_be_visible()
    expect(offer.locator("li")).to_have_count(3)  # 不确定 + the two lamps, nearest first
    expect(offer.locator("li").nth(1)).to_contain_text("南通路路灯1号")
    offer.locator("li").nth(1).locator("input").check()
    citizen.fill("textarea[name=description]", "南通路路灯不亮，晚上很黑")
    citizen.click("#report-submit")
    expect(citizen.locator("#report-done")).to_be_visible()
    case_no = citizen.inner_text("#case-no").strip()
    lamp = comp.component_by_code(city.rt, LAMP_CODE)
    assert lamp.state.label == "破损"
    assert comp.component_page(city.rt, lamp.id).history[0]["case_no"] == case_no


def test_the_admin_imports_components_with_a_progress_bar_and_sees_the_rejected_rows(new_page, city: City,
                                                                                     tmp_path) -> None:
    import json

    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.201 + i * 0.0003, 35.215]},
              "properties": {"code": f"41080201037{i:06d}", "name": f"路灯{i}", "power_w": 90}} for i in range(1, 121)]
    feats[6]["properties"]["code"] = "41080201037ABC"  # row 7: a bad identifier
    feats[9]["geometry"] = None  # row 10: no point
    path = tmp_path / "lamps.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False))
    admin = new_page("admin")
    admin.goto("/console/assets/import")
    admin.evaluate("document.getElementById('import-form').dataset.chunk = '50'")  # three chunks, three steps
    admin.set_input_files("#import-file", str(path))
    admin.click("#import-start")
    status = admin.locator("#import-status")
    expect(status).to_have_attribute("data-done", "1")
    expect(status).to_contain_text("共 120 行，导入 118，拒绝 2")
    expect(admin.locator("#import-progress")).to_have_attribute("value", "120")
    rejected = admin.locator("#import-rejected tbody tr")
    expect(rejected).to_have_count(2)
    expect(rejected.first).to_contain_text("7")
    expect(rejected.first).to_contain_text("标识码")
    expect(rejected.nth(1)).to_contain_text("Point")
    assert comp.list_components(city.rt, "01037")[1] == 118
