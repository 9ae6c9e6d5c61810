"""Campaigns in a real browser. On a phone (390 px, fake geolocation) an inspector finds the construction
site nearby, inspects it with the 六个百分之百 template, fails one item with a photo and turns it into a
case; the site's unit (the street office) rectifies it from the case page; once the check passes, the
campaign's report counts the problem as rectified (销号). And an administrator adds a checklist
template from the pages, which the phone page then offers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from citysteward.cases.domain.model import Action
from tests.browser.conftest import assert_chinese_renders, shoot
from tests.browser.test_case_flow_in_browser import act as act_in_page
from tests.builders.cases import act
from tests.builders.http import png
from tests.campaigns.conftest import add_campaign, add_site, add_six
from tests.conftest import City, grid_point, password_hash

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _street_user(city: City) -> None:
    rt = city.rt
    with rt.uow() as uow:
        uid = uow.org.add_user({"username": "wangchu", "password_hash": password_hash(), "display_name": "王褚街道城管科",
                                "phone": "13800000001", "role": "unit", "unit_id": city.units["street"],
                                "active": True, "created_at": rt.now()})
        uow.commit()
    city.users["wangchu"] = {"id": uid, "role": "unit", "display_name": "王褚街道城管科", "unit_id": city.units["street"]}


def test_a_site_inspection_on_the_phone_becomes_a_case_the_unit_rectifies_and_the_report_counts(
        new_page, city: City) -> None:
    add_six(city)
    add_campaign(city)
    add_site(city, "太行路安置房工地", seq=3)
    add_site(city, "远处的物流园工地", seq=8, community=2)
    _street_user(city)
    lon, lat = grid_point(1, 3)

    phone = new_page("inspector", geolocation={"longitude": lon + 0.0004, "latitude": lat}, permissions=["geolocation"],
                     **PHONE)
    phone.goto("/m/campaigns?campaign=dust-2026")
    expect(phone.locator("#c-near")).to_contain_text("附近")  # the page asked for the position and reloaded
    subjects = phone.locator("#c-subjects li")
    expect(subjects).to_have_count(1)
    expect(subjects.first).to_contain_text("太行路安置房工地")
    subjects.first.locator("a").click()
    expect(phone.locator("h1")).to_have_text("太行路安置房工地")
    assert_chinese_renders(phone, "h1")
    cover = phone.locator("fieldset[data-item='02']")
    cover.locator("input[value=fail]").check()
    expect(cover).to_have_class(re.compile("c-failed"))
    cover.locator("input[name=note_02]").fill("东侧裸土约 200 平方米未覆盖")
    cover.locator("input[type=file]").set_input_files(
        files=[{"name": "dust.png", "mimeType": "image/png", "buffer": png((140, 110, 70), (640, 480))}])
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    shoot(phone, "campaigns-phone-inspection")
    phone.click("#c-submit")
    expect(phone.locator("#c-score")).to_have_text("83.33")
    expect(phone.locator("#c-failed")).to_have_text("1")
    failed = phone.locator("li[data-outcome='fail']")
    expect(failed.locator(".c-photos img")).to_have_count(1)
    failed.get_by_role("button", name="转为案件").click()
    expect(phone.locator("#c-done")).to_contain_text("已上报案件 JZ20261117-")
    case_no = re.search(r"JZ\d{8}-\d{5}", phone.inner_text("#c-done")).group(0)  # type: ignore[union-attr]
    expect(phone.locator("li[data-outcome='fail']")).to_contain_text("整改中")
    shoot(phone, "campaigns-phone-result")

    # the desk registers and dispatches it to the site's unit, which rectifies it from the case page
    act(city, "acceptor", case_no, Action.REGISTER)
    act(city, "dispatcher", case_no, Action.DISPATCH, unit_id=city.units["street"], override_reason="工地属地管理")
    unit = new_page("wangchu")
    act_in_page(unit, case_no, Action.HANDLE, "已覆盖防尘网并洒水降尘", photo=png((60, 160, 90), (640, 480)))
    act(city, "inspector", case_no, Action.CHECK_PASS)

    desk = new_page("supervisor")
    desk.goto("/console/campaigns")
    desk.get_by_role("link", name="秋冬季大气污染防治攻坚").click()
    expect(desk.locator("#c-inspections")).to_have_text("1")
    expect(desk.locator("#c-found")).to_have_text("1")
    expect(desk.locator("#c-rectified")).to_have_text("1")
    expect(desk.locator("#c-cases")).to_have_text("1")
    expect(desk.locator("#c-daily")).to_contain_text("已销号 1 个，整改率 100.00%")
    expect(desk.locator("#c-report")).to_contain_text("物料堆放 100% 覆盖")
    shoot(desk, "campaigns-report")


def test_an_admin_adds_a_checklist_template_from_the_pages(new_page, city: City) -> None:
    lon, lat = grid_point(1, 5)
    from citysteward.campaigns.services import setup

    setup.add_subject(city.rt, city.actor("supervisor"), setup.SubjectInput(
        kind="shop", name="民主路老王烩面馆", address="民主路 12 号", lon=lon, lat=lat, unit_id=city.units["street"],
        zone="墙基线至路沿石"))
    admin = new_page("admin")
    admin.goto("/console/campaigns")
    admin.get_by_role("link", name="检查标准模板").click()
    form = admin.locator("#c-template-form")
    form.locator("input[name=code]").fill("mqwb-b")
    form.locator("input[name=name]").fill("门前五包（包文明）")
    form.locator("select[name=subject_kind]").select_option("shop")
    form.locator("textarea[name=items]").fill(
        "包卫生 | 20 | 照片 | | | 06010\n包秩序 | 20\n包绿化 | 20\n包设施 | 20\n包文明 | 20")
    form.locator("#c-template-save").click()
    expect(admin.locator("#c-saved")).to_have_text("已保存为第 1 版")
    expect(admin.locator("#c-shown")).to_contain_text("包文明")
    shoot(admin, "campaigns-template")
    # the phone page offers the new template for shops at once
    admin.goto("/m/campaigns?kind=shop")
    admin.locator("#c-subjects li a").first.click()
    expect(admin.locator("#c-template")).to_contain_text("门前五包（包文明）（第 1 版）")
    expect(admin.locator("fieldset.c-item")).to_have_count(5)
