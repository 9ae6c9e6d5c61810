"""A citizen's report walks the whole loop in a real browser: reported from the phone page with a photo,
accepted and verified, registered, dispatched, handled by the unit with an after-photo, checked,
closed, and rated by the citizen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from citysteward.cases.domain.model import Action
from tests.browser.conftest import assert_chinese_renders, shoot
from tests.builders.cases import dispatched, report
from tests.builders.http import png
from tests.conftest import City, grid_point

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def act(page, case_no: str, action: Action, note: str = "", photo: bytes | None = None) -> None:
    """Open the case, fill the action's form and send it; the page comes back saying it is done."""
    page.goto(f"/console/cases/{case_no}")
    form = page.locator(f"#act-{action.value}")
    form.evaluate("el => { el.open = true; }")
    if note:
        form.locator("textarea[name=note]").fill(note)
    if photo:
        form.locator("input[name=photos]").set_input_files(
            files=[{"name": "after.png", "mimeType": "image/png", "buffer": photo}])
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash.ok")).to_contain_text(action.label)


def test_a_citizen_report_goes_round_the_loop_and_is_rated(new_page, city: City) -> None:
    lon, lat = grid_point(1, 3)
    citizen = new_page(geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"], **PHONE)
    citizen.goto("/report")
    expect(citizen.locator("#report-map")).to_have_attribute("data-ready", "1")
    citizen.click("#use-location")
    expect(citizen.locator("#place")).to_contain_text("第1社区3号网格")
    citizen.fill("#category-search", "污水井盖")
    citizen.click("button[data-code='01002']")
    expect(citizen.locator("#category-chosen")).to_contain_text("污水井盖异常")
    citizen.fill("textarea[name=description]", "塔南路口污水井盖破损下沉，夜间行人容易踩空")
    citizen.fill("input[name=address]", "人民路与塔南路交叉口东北角")
    citizen.set_input_files("#photos", files=[{"name": "before.png", "mimeType": "image/png",
                                                "buffer": png((120, 120, 130), (640, 480))}])
    expect(citizen.locator("#photo-preview img")).to_have_count(1)
    assert_chinese_renders(citizen, ".step h2")
    shoot(citizen, "citizen-report")
    citizen.click("#report-submit")
    expect(citizen.locator("#report-done")).to_be_visible()
    case_no = citizen.inner_text("#case-no").strip()
    track_url = citizen.get_attribute("#track-link", "href") or ""
    assert "?t=" in track_url  # the reporter's own link carries the rating token
    assert re.fullmatch(r"JZ20261117-\d{5}", case_no)

    acceptor = new_page("acceptor")
    expect(acceptor.locator("#queue-reported")).to_contain_text(case_no)
    act(acceptor, case_no, Action.ACCEPT)
    inspector = new_page("inspector")
    expect(inspector.locator("#queue-verify")).to_contain_text(case_no)
    act(inspector, case_no, Action.VERIFY, "到现场核实，井盖确已破损")
    act(acceptor, case_no, Action.REGISTER)

    dispatcher = new_page("dispatcher")
    dispatcher.goto(f"/console/cases/{case_no}")
    expect(dispatcher.locator(".routing")).to_contain_text("市市政设施所")
    unit = dispatcher.locator("#act-dispatch select[name=unit_id]")
    expect(unit).to_have_value(str(city.units["facility"]))  # the suggested unit is preselected
    unit.select_option(str(city.units["sanitation"]))
    dispatcher.click("#act-dispatch button[type=submit]")
    expect(dispatcher.locator(".flash.error")).to_contain_text("改派到非建议单位时需要说明理由")
    dispatcher.locator("#act-dispatch select[name=unit_id]").select_option(str(city.units["facility"]))
    dispatcher.click("#act-dispatch button[type=submit]")
    expect(dispatcher.locator(".flash.ok")).to_contain_text("派遣")

    unit_page = new_page("facility")
    expect(unit_page.locator("#queue-unit_new")).to_contain_text(case_no)
    act(unit_page, case_no, Action.ACCEPT_TASK)
    act(unit_page, case_no, Action.HANDLE, "已更换新井盖并加固", photo=png((60, 160, 90), (640, 480)))
    expect(unit_page.locator(".photo-pair img")).to_have_count(2)  # before and after

    act(inspector, case_no, Action.CHECK_PASS, "复查合格")
    leader = new_page("leader")
    act(leader, case_no, Action.CLOSE)
    expect(leader.locator(".case-head")).to_contain_text("已结案")
    expect(leader.locator(".timeline > li")).to_have_count(9)
    assert_chinese_renders(leader, ".case-main h2")
    shoot(leader, "case-detail")

    citizen.goto(f"/track/{case_no}")  # a bare case number shows progress but does not let anyone rate
    expect(citizen.locator(".track-title")).to_contain_text("已结案")
    expect(citizen.locator("#rate")).to_have_count(0)
    citizen.goto(track_url)
    citizen.check("#rate input[value=satisfied]", force=True)
    citizen.fill("#rate textarea[name=note]", "处理很及时，谢谢")
    citizen.click("#rate button[type=submit]")
    expect(citizen.locator(".flash.ok")).to_contain_text("感谢您的评价")
    expect(citizen.locator(".facts")).to_contain_text("满意")
    expect(citizen.locator("#rate")).to_have_count(0)  # one rating per case
    assert "13812341234" not in citizen.content()
    shoot(citizen, "citizen-track")


def test_a_unit_cannot_open_another_units_case(new_page, city: City) -> None:
    case_no = report(city)
    dispatched(city, case_no)  # to the facility unit
    other = new_page("sanitation")
    response = other.goto(f"/console/cases/{case_no}")
    assert response is not None and response.status == 404
    expect(other.locator("h1")).to_have_text("页面不存在")
    expect(other.locator("main")).to_contain_text("不存在或无权查看")
    owner = new_page("facility")
    response = owner.goto(f"/console/cases/{case_no}")
    assert response is not None and response.status == 200
    expect(owner.locator("#act-accept_task")).to_be_visible()
