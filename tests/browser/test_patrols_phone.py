"""The inspector's day on a phone (390 px, fake geolocation, the page's clock driven by the test):
clock in, patrol across three grids — part of it without a connection — report a finding with a photo,
self-handle another, verify an assigned citizen report, end the patrol, clock out. The coverage map and
the figures then show exactly that patrol."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from citysteward.cases.domain.model import Action
from citysteward.patrols.services import setup
from tests.browser.conftest import shoot
from tests.builders.cases import act, report
from tests.builders.http import png
from tests.conftest import City, grid_point
from tests.patrols.conftest import add_inspector, grid

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
START = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # the server's FakeClock: 10:00 in Jiaozuo


def route() -> list[tuple[float, float]]:
    """Centre of grid 1-1, east through 1-2 into 2-1 (community 2), ~20 points a leg, 10 s apart."""
    (x0, y), (x2, _) = grid_point(1, 1), grid_point(2, 1)
    y += 0.0011
    n = 36
    return [(x0 + (x2 - x0) * i / n, y) for i in range(n + 1)]


def test_an_inspectors_day_on_the_phone(new_page, city: City) -> None:
    rt = city.rt
    leader = city.actor("leader")
    add_inspector(city, "inspector2", "监督员小刘")
    setup.bind(rt, leader, city.users["inspector"]["id"], [grid(1, 1), grid(1, 2)])
    setup.put_roster(rt, leader, [setup.RosterInput(city.users["inspector"]["id"], START.date(), "early",
                                                    (grid(1, 1), grid(1, 2)))])
    citizen_case = report(city, who="hotline", community=1, seq=2)
    act(city, "acceptor", citizen_case, Action.ACCEPT)

    points = route()
    phone = new_page("inspector", geolocation={"longitude": points[0][0], "latitude": points[0][1]},
                     permissions=["geolocation"], **PHONE)
    phone.clock.install(time=START)
    phone.goto("/m")
    expect(phone.locator("#m-clock")).to_have_text("上班打卡")
    expect(phone.locator(f"li[data-case-no='{citizen_case}']")).to_contain_text("核实")
    phone.click("#m-clock")
    expect(phone.locator("#m-clock-state")).to_have_text("已上班")
    phone.click("#m-patrol")
    expect(phone.locator("#m-clock-state")).to_have_text("巡查中")
    phone.wait_for_function("() => Number(localStorage.getItem('cs-sampled')) === 1")

    for i, (lon, lat) in enumerate(points[1:], start=2):
        if i == 6:  # the first batch reaches the server, but the figures after it do not come back
            phone.route("**/api/v1/patrols/me", lambda r: r.abort())
        if i == 7:
            expect(phone.locator("#m-net")).to_contain_text("网络中断")  # said on the page, not a JS error
            phone.unroute("**/api/v1/patrols/me")
        if i == 12:
            phone.context.set_offline(True)  # a dead spot: the points wait on the phone
        if i == 20:
            phone.context.set_offline(False)
            phone.evaluate("window.dispatchEvent(new Event('online'))")
        phone.context.set_geolocation({"longitude": lon, "latitude": lat})
        phone.clock.run_for(10_000)
        phone.wait_for_function(f"() => Number(localStorage.getItem('cs-sampled')) === {i}")
    expect(phone.locator("#m-net")).to_have_text("")
    expect(phone.locator("#m-grids")).to_have_text("3")  # the live summary of what reached the server
    expect(phone.locator("#m-pending")).to_have_text(str(len(points) % 6))  # the points not yet a batch

    # a finding in two taps: the photo, then 上报
    phone.set_input_files("#m-photo", files=[{"name": "p.png", "mimeType": "image/png", "buffer": png((90, 90, 90), (320, 240))}])
    phone.click("#m-send")
    expect(phone.locator("#m-report-msg")).to_contain_text("已上报：JZ20261117-")
    # another fixed on the spot: photo, 自处理, after photo
    phone.set_input_files("#m-photo", files=[{"name": "q.png", "mimeType": "image/png", "buffer": png((200, 90, 90), (320, 240))}])
    phone.click("button.m-chip[data-code='06042']")
    phone.click("#m-self")
    phone.set_input_files("#m-after", files=[{"name": "r.png", "mimeType": "image/png", "buffer": png((90, 200, 90), (320, 240))}])
    expect(phone.locator("#m-report-msg")).to_contain_text("已自处理：JZ20261117-")
    # the citizen report assigned to this inspector: verified on site
    task = phone.locator(f"li[data-case-no='{citizen_case}']")
    task.get_by_role("button", name="属实", exact=True).click()
    expect(phone.locator("#m-task-msg")).to_contain_text("待立案")
    shoot(phone, "patrols-phone")

    phone.click("#m-patrol")  # 结束巡查
    expect(phone.locator("#m-clock-state")).to_have_text("已上班")
    phone.click("#m-clock")  # 下班打卡
    expect(phone.locator("#m-clock-state")).to_have_text("未上班")

    # the console shows exactly that patrol
    walked = {grid(1, 1), grid(1, 2), grid(2, 1)}
    boss = new_page("leader")
    boss.goto("/console/patrols?day=2026-11-17&period=2026-11")
    expect(boss.locator("#coverage-map")).to_have_attribute("data-loaded", "true")
    expect(boss.locator("#cov-patrols")).to_have_text("1")
    expect(boss.locator("#cov-visited")).to_have_text(str(len(walked)))
    expect(boss.locator("#cov-missing")).to_have_text(str(16 - len(walked)))
    row = boss.locator(f"#patrol-figures tr[data-key='{city.users['inspector']['id']}']")
    for col, value in (("patrols", "1"), ("grids_visited", "3"), ("reports", "2"), ("self_handled", "1"),
                       ("verified", "1")):
        expect(row.locator(f"td[data-col='{col}']")).to_have_text(value)
    shoot(boss, "patrols-console")
    with rt.uow(readonly=True) as uow:
        patrol = uow.patrols.patrols_on(START.date(), START.date())[0]
        visits = {v["grid_code"] for v in uow.patrols.visits_on(START.date(), START.date())}
    assert patrol["points"] == len(points) and patrol["state"] == "ended" and visits == walked
