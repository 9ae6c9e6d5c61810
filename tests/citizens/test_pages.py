"""The pages: the desk form, the acceptor's review (one-click correction and merge by form posts),
my reports, the public list; personal data stays off the citizen's pages."""

from __future__ import annotations

import pytest

from citysteward.cases.services import actions as case_actions
from citysteward.citizens.sms import LogGateway
from tests.citizens.conftest import last_code, report
from tests.conftest import City

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store is tested on both elsewhere
PHONE, OTHER = "13912345678", "13787654321"


def test_the_desk_page_lists_reports_awaiting_acceptance(client_for, city: City) -> None:
    no = report(city, PHONE)
    page = client_for("hotline").get("/console/intake")
    assert page.status_code == 200 and "登记来电" in page.text and no in page.text
    assert f'/console/cases/{no}' in page.text  # the operator opens the case; the acceptor reviews it
    acceptor_page = client_for("acceptor").get("/console/intake").text
    assert f'/console/intake/{no}' in acceptor_page and 'id="intake-submit"' not in acceptor_page
    assert client_for().get("/console/intake").status_code in (302, 303, 401)


def test_the_review_page_corrects_in_one_click_and_merges(client_for, city: City, rt) -> None:
    rt.singleton("sms_gateway", LogGateway)
    kept = report(city, PHONE, "人民路污水井盖没了", "01002")
    dup = report(city, OTHER, "人民路上井盖丢了，一个大洞", "06013")  # a wrong pick by the caller
    acceptor = client_for("acceptor")
    page = acceptor.get(f"/console/intake/{dup}")
    assert page.status_code == 200 and "疑似紧急安全隐患" in page.text
    assert f"合并到 {kept}" in page.text and "改为「不明井盖异常」并立案" in page.text
    r = acceptor.post(f"/console/intake/{dup}/merge", data={"into": "JZ-nope"})
    assert r.status_code == 422 and "不存在或已办结" in r.text
    r = acceptor.post(f"/console/intake/{dup}/merge", data={"into": kept})
    assert r.status_code == 303
    assert "双方反映人已收到通知" in acceptor.get(r.headers["location"]).text
    r = acceptor.post(f"/console/intake/{kept}/register", data={"category_code": "01023", "urgency": "urgent"})
    assert r.status_code == 303
    detail = case_actions.case_detail(rt, kept, city.actor("admin"))
    assert detail.state == "registered" and detail.category_code == "01023" and detail.urgency == "urgent"


def test_my_reports_page(client_for, city: City, rt) -> None:
    sms = rt.singleton("sms_gateway", LogGateway)
    no = report(city, PHONE)
    citizen = client_for()
    assert "获取验证码" in citizen.get("/me").text
    citizen.post("/api/v1/citizen/code", json={"phone": PHONE})
    citizen.post("/api/v1/citizen/verify", json={"phone": PHONE, "code": last_code(sms, PHONE)})
    page = citizen.get("/me")
    assert no in page.text and "已收到，等待受理" in page.text and "139****5678" in page.text
    assert PHONE not in page.text
    assert citizen.post("/me/logout").status_code == 303
    assert "获取验证码" in citizen.get("/me").text


def test_the_public_list_page(client_for, city: City) -> None:
    no = report(city, PHONE)
    page = client_for().get("/reports", params={"state": "open"})
    assert page.status_code == 200 and no in page.text and PHONE not in page.text
    assert client_for().get("/reports", params={"state": "bad"}).status_code == 422
    assert '<option value="410802001001">　第1社区</option>' in page.text  # the area filter: streets, communities
    assert no not in client_for().get("/reports", params={"area": "410802001002"}).text


def test_the_caller_adds_photos_later_with_the_tracking_link(client_for, city: City, rt) -> None:
    from tests.builders.http import png
    no = report(city, PHONE)
    with rt.uow(readonly=True) as uow:
        token = uow.cases.get(no).public_token
    citizen = client_for()
    assert 'id="add-photos"' in citizen.get(f"/track/{no}?t={token}").text
    assert 'id="add-photos"' not in citizen.get(f"/track/{no}").text
    photo = ("photos", ("p.png", png((90, 90, 90), (64, 48)), "image/png"))
    assert citizen.post(f"/track/{no}/photos", data={"t": "wrong"}, files=[photo]).status_code == 403
    r = citizen.post(f"/track/{no}/photos", data={"t": token}, files=[photo])
    assert r.status_code == 303 and "照片已补充" in citizen.get(r.headers["location"]).text
    assert len(case_actions.case_detail(rt, no, city.actor("admin")).photos) == 1
    assert citizen.post(f"/track/{no}/photos", data={"t": token}).status_code == 422  # nothing chosen
