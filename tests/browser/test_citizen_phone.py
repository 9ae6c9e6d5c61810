"""A citizen on a phone (390 px): picks "井盖破损" from the plain-words picker, reports with a phone
number, verifies the phone by a one-time code, finds the report in "my reports" with its progress in
plain words, subscribes to alerts for the area around it, and gets the e-mail when a neighbour
reports a new problem there."""

from __future__ import annotations

import dataclasses

import pytest
from playwright.sync_api import expect

from citysteward.citizens import services as citizens
from citysteward.citizens.sms import LogGateway
from citysteward.notify import services as notify
from citysteward.platform.runtime import Runtime
from tests.browser.conftest import assert_chinese_renders, shoot
from tests.citizens.conftest import last_code, report
from tests.conftest import City, grid_point

pytestmark = pytest.mark.browser
PHONE_VIEW = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
MOBILE, NEIGHBOUR = "13912345678", "13787654321"


def test_a_citizen_reports_verifies_the_phone_and_gets_an_area_alert(new_page, city: City, rt) -> None:
    sms = rt.singleton("sms_gateway", LogGateway)
    lon, lat = grid_point(1, 3)
    page = new_page(geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"], **PHONE_VIEW)
    page.goto("/report")
    expect(page.locator("#report-map")).to_have_attribute("data-ready", "1")
    page.click("#use-location")
    expect(page.locator("#place")).to_contain_text("第1社区3号网格")
    expect(page.locator("#problem-grid button")).to_have_count(33)  # 32 everyday problems and 其他
    page.locator("#problem-grid").scroll_into_view_if_needed()
    shoot(page, "citizen-picker-grid", full_page=False)
    page.click("#problem-grid button[data-label='井盖破损']")
    expect(page.locator("#category-chosen")).to_contain_text("井盖破损")
    page.fill("textarea[name=description]", "小区门口的井盖碎了一块，怕有人踩空")
    page.fill("input[name=reporter_phone]", MOBILE)
    assert_chinese_renders(page, "#category-chosen")
    shoot(page, "citizen-picker")
    page.click("#report-submit")
    expect(page.locator("#report-done")).to_be_visible()
    case_no = page.inner_text("#case-no").strip()

    page.goto("/me")
    page.fill("#verify-form input[name=phone]", MOBILE)
    page.click("#send-code")
    expect(page.locator("#verify-info")).to_contain_text("139****5678")
    page.fill("#verify-form input[name=code]", last_code(sms, MOBILE))
    page.click("#verify-submit")
    mine = page.locator("#my-reports li").filter(has_text=case_no)
    expect(mine).to_contain_text("不明井盖异常")
    expect(mine).to_contain_text("已收到，等待受理")  # plain words, not 待受理
    assert MOBILE not in page.content()

    expect(page.locator("#alert-map")).to_have_attribute("data-ready", "1")
    page.click("#alert-use-location")
    expect(page.locator("#alert-form input[name=lat]")).to_have_value(f"{lat:.6f}")
    page.select_option("#alert-form select[name=radius_m]", "1000")
    page.fill("#alert-form input[name=email]", "wang@example.com")
    page.click("#alert-submit")
    expect(page.locator("#alert-done")).to_contain_text("半径 1000 米")
    shoot(page, "citizen-me")

    new = report(city, NEIGHBOUR, "路灯不亮", "01037", where=(lon + 0.004, lat))  # ~360 m away
    far = report(city, NEIGHBOUR, "路灯不亮", "01037", where=grid_point(2, 8))  # ~2.3 km away
    assert citizens.send_alerts(rt) == 1  # the worker's round
    sent: list[dict] = []
    mailing = Runtime(uow=rt.uow, settings=dataclasses.replace(rt.settings, smtp_host="127.0.0.1"), clock=rt.clock)
    assert notify.deliver(mailing, mailer=lambda settings, row: sent.append(row)).emails == 1
    assert sent[0]["address"] == "wang@example.com" and new in sent[0]["body"] and far not in sent[0]["body"]

    page.goto(f"/track/{case_no}")
    expect(page.locator("#progress")).to_have_text("已收到，等待受理")
    expect(page.locator(".facts")).to_contain_text("小区门口的井盖碎了一块")

    page.goto("/reports?state=open")  # the public list: the neighbour's report, "me too" from the verified phone
    expect(page.locator("#public-map")).to_have_attribute("data-ready", "1")
    page.locator("#public-list li").filter(has_text="路灯不亮").first.locator("button.me-too").click()
    expect(page.locator("#me-too-result")).to_contain_text("已加入")
    assert NEIGHBOUR not in page.content()
    page.goto("/me")
    expect(page.locator("#my-reports li").filter(has_text="我关注的").first).to_contain_text("路灯异常")
