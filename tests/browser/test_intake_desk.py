"""The 12345 operator registers a phone call at the intake desk: the caller's earlier report shows
up by phone number, the address is found by name and pinned, the suggestion is right for what the
caller said (and flags the open manhole as urgent). The acceptor then sees that a report of another
category nearby is likely the same problem, merges them in one click, and both reporters get a
message."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from citysteward.cases.services import actions as case_actions
from citysteward.citizens.sms import LogGateway
from tests.browser.conftest import assert_chinese_renders, shoot
from tests.citizens.conftest import report
from tests.conftest import City, grid_point

pytestmark = pytest.mark.browser
CALLER, NEIGHBOUR = "13912345678", "13787654321"


def test_the_operator_registers_a_call_and_the_acceptor_merges_a_duplicate(new_page, city: City, rt) -> None:
    sms = rt.singleton("sms_gateway", LogGateway)
    earlier = report(city, CALLER, "小区门口路灯不亮", "01037", where=grid_point(2, 8))  # the caller, last week
    kept = report(city, NEIGHBOUR, "人民路污水井盖没了，有个大洞", "01002", where=grid_point(1, 3))

    operator = new_page("hotline")
    operator.goto("/console/intake")
    expect(operator.locator("#intake-map")).to_have_attribute("data-ready", "1")
    operator.fill("input[name=reporter_name]", "王女士")
    operator.fill("#caller-phone", CALLER)
    expect(operator.locator("#caller-history")).to_contain_text("以前反映过 1 件问题")
    expect(operator.locator("#caller-history")).to_contain_text(earlier)
    operator.fill("#place-search", "第1社区3号")
    operator.click("#place-results button[data-name='第1社区3号网格']")
    expect(operator.locator("#pin-info")).to_contain_text("第1社区3号网格")
    operator.fill("#intake-description", "人民路上井盖丢了，一个大洞，晚上看不见很危险")
    expect(operator.locator("#suggestions button.suggestion").first).to_contain_text("不明井盖异常")
    expect(operator.locator("#category-chosen")).to_contain_text("01023")
    expect(operator.locator("#urgent-flag")).to_be_visible()
    expect(operator.locator("select[name=urgency]")).to_have_value("urgent")
    assert_chinese_renders(operator, "#suggestions")
    shoot(operator, "intake-desk")
    operator.click("#intake-submit")
    expect(operator.locator("#intake-done")).to_contain_text("已登记")
    case_no = operator.inner_text("#intake-case-no").strip()
    detail = case_actions.case_detail(rt, case_no, city.actor("admin"))
    assert (detail.source, detail.category_code, detail.urgency, detail.reporter_phone) == \
        ("hotline", "01023", "urgent", CALLER)

    acceptor = new_page("acceptor")
    acceptor.goto("/console/intake")
    acceptor.click(f"a[href='/console/intake/{case_no}']")
    duplicate = acceptor.locator(f"#duplicates li[data-case-no='{kept}']")
    expect(duplicate).to_contain_text("污水井盖异常")  # another category, nearby
    expect(duplicate).to_contain_text("相距约")
    expect(acceptor.locator("#suggestion button[data-code='01023']")).to_contain_text("确认")
    shoot(acceptor, "intake-review")
    duplicate.locator("button[type=submit]").click()
    expect(acceptor.locator(".flash.ok")).to_contain_text("双方反映人已收到通知")
    assert case_actions.case_detail(rt, case_no, city.actor("admin")).merged_into == kept
    told = {phone for phone, _ in sms.sent}
    assert told == {CALLER, NEIGHBOUR}
    assert kept in next(text for phone, text in sms.sent if phone == CALLER)
