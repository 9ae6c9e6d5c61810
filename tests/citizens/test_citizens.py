"""The citizen's side and the intake desk's helpers, on both databases: verified phones and my
reports, merge that keeps and tells reporters, the one-click correction kept as training data, area
alerts through the outbox, the public list, the caller history and the address search."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from citysteward.cases.services import actions as case_actions
from citysteward.citizens import domain
from citysteward.citizens import services as citizens
from citysteward.citizens.sms import LogGateway
from citysteward.kernel.errors import Forbidden, InvalidInput, TooManyRequests
from citysteward.notify.tables import outbox
from tests.builders.http import assert_error
from tests.citizens.conftest import last_code, report
from tests.conftest import City, grid_point

PHONE, OTHER = "13912345678", "13787654321"


# ------------------------------------------------------------------ verified phones
def test_a_phone_verified_by_code_sees_its_reports_with_the_link_to_rate(city: City, sms: LogGateway, clock) -> None:
    mine = report(city, PHONE)
    report(city, OTHER, "路灯不亮", "01037")
    assert citizens.send_code(city.rt, "+86 139-1234-5678", "1.2.3.4") == PHONE
    code = last_code(sms, PHONE)
    with pytest.raises(InvalidInput, match="还可尝试 4 次"):
        citizens.verify_code(city.rt, PHONE, "000000" if code != "000000" else "111111")
    phone, token = citizens.verify_code(city.rt, PHONE, code)
    assert phone == PHONE and citizens.session_phone(city.rt, token) == PHONE
    reports = citizens.my_reports(city.rt, PHONE)
    assert [r["case_no"] for r in reports] == [mine]
    detail = case_actions.case_detail(city.rt, mine, city.actor("admin"))
    assert reports[0]["own"] and reports[0]["track_url"].startswith(f"/track/{mine}?t=")
    assert reports[0]["progress"] == "已收到，等待受理" and "reported" not in reports[0]["progress"]
    assert detail.state == "reported"
    with pytest.raises(InvalidInput, match="失效"):  # a code is used once
        citizens.verify_code(city.rt, PHONE, code)
    clock.advance(days=31)
    assert citizens.session_phone(city.rt, token) is None


def test_a_code_expires_and_wrong_tries_spend_it(city: City, sms: LogGateway, clock) -> None:
    citizens.send_code(city.rt, PHONE, "1.2.3.4")
    code = last_code(sms, PHONE)
    clock.advance(minutes=11)
    with pytest.raises(InvalidInput, match="过期"):
        citizens.verify_code(city.rt, PHONE, code)
    citizens.send_code(city.rt, PHONE, "1.2.3.4")
    code = last_code(sms, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(domain.CODE_ATTEMPTS):
        with pytest.raises(InvalidInput):
            citizens.verify_code(city.rt, PHONE, wrong)
    with pytest.raises(InvalidInput, match="失效"):
        citizens.verify_code(city.rt, PHONE, code)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store is exercised on both by the others
def test_codes_are_rate_limited_per_phone(city: City, sms: LogGateway, clock) -> None:
    citizens.send_code(city.rt, PHONE, "1.2.3.4")
    with pytest.raises(TooManyRequests):
        citizens.send_code(city.rt, PHONE, "5.6.7.8")
    clock.advance(minutes=2)
    citizens.send_code(city.rt, PHONE, "5.6.7.8")
    assert len([p for p, _ in sms.sent if p == PHONE]) == 2


@pytest.mark.parametrize("bad", ["12345", "2391234567a", "", "1391234567"])
def test_only_mobile_numbers_are_verified(bad: str) -> None:
    with pytest.raises(InvalidInput):
        domain.normalise_phone(bad)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store is exercised on both by the others
def test_the_phone_api_sets_a_cookie_and_my_reports_need_it(client, city: City, sms: LogGateway) -> None:
    report(city, PHONE)
    assert_error(client.get("/api/v1/citizen/reports"), 401)
    assert_error(client.post("/api/v1/citizen/code", json={"phone": "123"}), 422)
    r = client.post("/api/v1/citizen/code", json={"phone": PHONE})
    assert r.status_code == 202 and r.json()["phone"] == "139****5678"
    assert_error(client.post("/api/v1/citizen/verify", json={"phone": PHONE, "code": "x"}), 422)
    r = client.post("/api/v1/citizen/verify", json={"phone": PHONE, "code": last_code(sms, PHONE)})
    assert r.status_code == 200 and "cs_citizen" in r.cookies
    body = client.get("/api/v1/citizen/reports").json()
    assert len(body["items"]) == 1 and body["items"][0]["own"]
    assert "reporter_phone" not in body["items"][0]
    other = report(city, OTHER, "路灯不亮", "01037")
    assert client.post(f"/api/v1/citizen/follow/{other}").json()["state"] == "reported"
    assert_error(client.post(f"/api/v1/citizen/follow/{other}"), 409)  # once per phone
    assert [i["own"] for i in client.get("/api/v1/citizen/reports").json()["items"]] == [False, True]
    client.cookies.clear()
    assert_error(client.post(f"/api/v1/citizen/follow/{other}"), 401)


# ------------------------------------------------------------------ merge keeps and tells reporters
def test_merge_keeps_both_reporters_and_tells_them(city: City, sms: LogGateway) -> None:
    kept = report(city, PHONE, "人民路污水井盖没了", "01002")
    dup = report(city, OTHER, "人民路上井盖丢了，一个大洞", "01023")
    with pytest.raises(Forbidden):
        citizens.merge_duplicate(city.rt, dup, kept, city.actor("inspector"))
    result = citizens.merge_duplicate(city.rt, dup, kept, city.actor("acceptor"))
    assert result == {"case_no": dup, "state": "merged", "merged_into": kept, "notified": 2}
    detail = case_actions.case_detail(city.rt, dup, city.actor("admin"))
    assert detail.state == "merged" and detail.merged_into == kept
    assert detail.timeline[-1].action == "merge"
    # the duplicate's reporter now follows the case kept, and both were told
    assert [r["case_no"] for r in citizens.my_reports(city.rt, OTHER)] == [dup, kept]
    assert {p for p, _ in sms.sent} == {PHONE, OTHER}
    assert kept in dict(sms.sent)[OTHER] and "又有市民反映" in dict(sms.sent)[PHONE]
    assert all(m["status"] == "sent" for m in citizens.my_messages(city.rt, OTHER))
    with pytest.raises(InvalidInput):  # the duplicate is closed as merged: nothing merges into it
        citizens.merge_duplicate(city.rt, kept, dup, city.actor("acceptor"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store is exercised on both by the others
def test_merge_api_and_its_errors(client, city: City, token, sms: LogGateway) -> None:
    kept = report(city, PHONE)
    dup = report(city, OTHER)
    h = token("acceptor")
    found = client.get(f"/api/v1/intake/{dup}/duplicates", headers=h).json()
    assert [d["case_no"] for d in found] == [kept] and found[0]["reasons"][0].startswith("相距约")
    assert_error(client.get(f"/api/v1/intake/{dup}/duplicates", headers=token("facility")), 403)
    assert_error(client.post(f"/api/v1/intake/{dup}/merge", json={"into": "JZ0"}, headers=h), 422)
    assert_error(client.post(f"/api/v1/intake/{dup}/merge", json={"into": kept, "version": 99}, headers=h), 409)
    r = client.post(f"/api/v1/intake/{dup}/merge", json={"into": kept}, headers=h)
    assert r.status_code == 200 and r.json()["notified"] == 2


# ------------------------------------------------------------------ one-click correction
def test_a_correction_registers_and_is_kept_as_training_data(city: City) -> None:
    no = report(city, PHONE, "楼下饭店油烟太大 熏得不敢开窗", "06028")  # the citizen picked 噪声扰民
    result = citizens.correct_and_register(city.rt, no, city.actor("acceptor"), "06027")
    assert result["state"] == "registered" and result["correction_kept"] is False  # the model said 06027 first
    no2 = report(city, PHONE, "门口那个铁皮亭子歪了", "01023")
    result = citizens.correct_and_register(city.rt, no2, city.actor("acceptor"), "01040")
    assert result["correction_kept"] is True
    assert case_actions.case_detail(city.rt, no2, city.actor("admin")).category_code == "01040"
    with city.rt.uow(readonly=True) as uow:
        assert uow.corrections.training(10) == [("01040", "门口那个铁皮亭子歪了")]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store is exercised on both by the others
def test_a_refused_registration_keeps_no_correction(client, city: City, token) -> None:
    no = report(city, PHONE, "门口那个铁皮亭子歪了", "01023")
    assert_error(client.post(f"/api/v1/intake/{no}/register", json={"category_code": "NOPE"},
                             headers=token("acceptor")), 422)
    assert_error(client.post(f"/api/v1/intake/{no}/register", json={"category_code": "01040"},
                             headers=token("hotline")), 403)
    with city.rt.uow(readonly=True) as uow:
        assert uow.corrections.count() == 0


# ------------------------------------------------------------------ area alerts
def test_an_alert_mails_new_and_closed_reports_in_its_circle_only(city: City, clock) -> None:
    lon, lat = grid_point(1, 3)
    before = report(city, OTHER, where=(lon, lat))
    alert = citizens.add_alert(city.rt, citizens.AlertInput("me@example.com", lon, lat, 300), PHONE)
    assert citizens.send_alerts(city.rt) == 0  # what was there before the alert is not news
    inside = report(city, OTHER, "路灯不亮", "01037", where=(lon + 0.002, lat))  # ~180 m
    report(city, OTHER, "路灯不亮", "01037", where=(lon + 0.005, lat))  # ~450 m: outside
    assert citizens.send_alerts(city.rt) == 1
    assert citizens.send_alerts(city.rt) == 0  # each event once
    with city.rt.uow(readonly=True) as uow:
        rows = [dict(r._mapping) for r in uow.conn.execute(select(outbox).where(outbox.c.address == "me@example.com"))]
    assert len(rows) == 1 and inside in rows[0]["body"] and "新反映" in rows[0]["subject"]
    assert f"/alerts/off/{alert.token}" in rows[0]["body"] and before not in rows[0]["body"]
    citizens.unsubscribe(city.rt, alert.token)
    report(city, OTHER, "路灯不亮", "01037", where=(lon, lat))
    assert citizens.send_alerts(city.rt) == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store is exercised on both by the others
def test_a_grid_alert(city: City) -> None:
    citizens.add_alert(city.rt, citizens.AlertInput("g@example.com", grid_code="410802001001003", on_closed=False))
    report(city, OTHER, where=grid_point(1, 3))
    report(city, OTHER, where=grid_point(1, 4))
    assert citizens.send_alerts(city.rt) == 1


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store is exercised on both by the others
@pytest.mark.parametrize(("body", "field"), [
    ({"email": "no-at-sign", "lon": 113.2, "lat": 35.2, "radius_m": 300}, "email"),
    ({"email": "a@b.cn", "lon": 113.2, "lat": 35.2, "radius_m": 5}, "radius_m"),
    ({"email": "a@b.cn"}, "area"),
    ({"email": "a@b.cn", "grid_code": "999"}, "grid_code"),
    ({"email": "a@b.cn", "grid_code": "410802001001003", "on_new": False, "on_closed": False}, "on_new"),
])
def test_bad_alerts_are_refused(client, body: dict, field: str) -> None:
    assert assert_error(client.post("/api/v1/alerts", json=body), 422)["detail"]["field"] == field


# ------------------------------------------------------------------ public list, caller history, places
def test_the_public_list_shows_public_fields_only_and_filters(client, city: City) -> None:
    a = report(city, PHONE)
    report(city, OTHER, "路灯不亮", "01037", where=grid_point(2, 1))
    body = client.get("/api/v1/public/reports").json()
    assert body["total"] == 2
    assert not {"reporter_phone", "reporter_name", "public_token"} & set(body["items"][0])
    assert [i["case_no"] for i in client.get("/api/v1/public/reports", params={"category": "01023"}).json()["items"]] == [a]
    assert client.get("/api/v1/public/reports", params={"area": "410802001001"}).json()["total"] == 1
    assert client.get("/api/v1/public/reports", params={"state": "closed"}).json()["total"] == 0
    assert_error(client.get("/api/v1/public/reports", params={"state": "reported"}), 422)
    assert_error(client.get("/api/v1/public/reports", params={"area": "1"}), 422)
    assert_error(client.get("/api/v1/public/reports", params={"category": "NOPE"}), 422)


def test_the_caller_history_is_for_the_desk(client, city: City, token, clock) -> None:
    first = report(city, PHONE)
    clock.advance(hours=1)
    second = report(city, PHONE, "路灯不亮", "01037")
    report(city, OTHER)
    body = client.get("/api/v1/intake/callers", params={"phone": PHONE}, headers=token("hotline")).json()
    assert body["total"] == 2 and [i["case_no"] for i in body["items"]] == [second, first]
    assert_error(client.get("/api/v1/intake/callers", params={"phone": PHONE}), 401)
    assert_error(client.get("/api/v1/intake/callers", params={"phone": PHONE}, headers=token("facility")), 403)
    assert_error(client.get("/api/v1/intake/callers", params={"phone": "1"}, headers=token("hotline")), 422)


def test_address_search_finds_communities_and_grids_with_a_point(client, city: City) -> None:
    found = client.get("/api/v1/places/search", params={"q": "第1社区3号"}).json()
    assert [(p["kind"], p["code"]) for p in found] == [("grid", "410802001001003")]
    lon, lat = grid_point(1, 3)
    assert found[0]["lon"] == pytest.approx(lon, abs=0.005) and found[0]["lat"] == pytest.approx(lat, abs=0.005)
    assert {p["kind"] for p in client.get("/api/v1/places/search", params={"q": "社区"}).json()} >= {"community"}
    assert client.get("/api/v1/places/search", params={"q": ""}).json() == []
    assert_error(client.get("/api/v1/places/search", params={"q": "路" * 51}), 422)


def test_me_too_from_a_verified_phone_follows_the_case(city: City) -> None:
    no = report(city, OTHER)
    citizens.follow(city.rt, PHONE, no)
    reports = citizens.my_reports(city.rt, PHONE)
    assert [(r["case_no"], r["own"]) for r in reports] == [(no, False)]
    assert "?t=" not in reports[0]["track_url"] and reports[0]["me_too_count"] == 1


def test_plain_states_cover_every_state() -> None:
    from citysteward.cases.domain.model import CaseState
    assert set(domain.PLAIN_STATES) == {s.value for s in CaseState}
    assert len(domain.PROBLEMS) >= 30 and len({p.key for p in domain.PROBLEMS}) == len(domain.PROBLEMS)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store is exercised on both by the others
def test_every_picker_problem_maps_to_an_active_category(city: City) -> None:
    from citysteward.catalogue import services as catalogue_services
    cat = catalogue_services.catalogue(city.rt)
    for p in domain.PROBLEMS:
        assert cat.get(p.code)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store is exercised on both by the others
def test_anonymous_intake_is_limited_per_phone_from_any_address(client, city: City, token, clock) -> None:
    lon, lat = grid_point(1, 5)
    body = {"category_code": "01037", "description": "路灯不亮", "lon": lon, "lat": lat, "reporter_phone": PHONE}
    for i in range(city.rt.settings.reports_per_phone_hour):
        assert client.post("/api/v1/reports", json=body, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code == 201
    refused = client.post("/api/v1/reports", json={**body, "reporter_phone": "+86 139 1234 5678"})
    assert assert_error(refused, 429)["message"].startswith("该手机号提交过于频繁")
    clock.advance(seconds=61)  # a new minute for the per-address limit; the phone's hour goes on
    # retries of one request (the same Idempotency-Key) are one report, however often they come
    retry = {"Idempotency-Key": "phone-retry-1"}
    assert {client.post("/api/v1/reports", json={**body, "reporter_phone": OTHER}, headers=retry).status_code
            for _ in range(city.rt.settings.reports_per_phone_hour + 2)} == {201}
    assert client.post("/api/v1/reports", json={**body, "reporter_phone": OTHER}).status_code == 201  # counted 2nd
    assert client.post("/api/v1/reports", json=body, headers=token("hotline")).status_code == 201  # the desk: not limited


def test_an_alert_mails_when_a_report_in_the_area_is_closed(city: City) -> None:
    from citysteward.cases.domain.model import Action
    from citysteward.cases.services import intake
    lon, lat = grid_point(1, 3)
    citizens.add_alert(city.rt, citizens.AlertInput("closed@example.com", lon, lat, 300, on_new=False))
    data = intake.ReportInput(category_code="01037", description="路灯不亮", lon=lon, lat=lat, self_handled=True)
    no = intake.report_case(city.rt, data, city.actor("inspector")).case_no
    assert citizens.send_alerts(city.rt) == 0  # new reports are not wanted by this alert
    case_actions.perform_action(city.rt, no, Action.CLOSE, city.actor("leader"), case_actions.ActionInput(version=None))
    assert citizens.send_alerts(city.rt) == 1
    with city.rt.uow(readonly=True) as uow:
        row = uow.conn.execute(select(outbox).where(outbox.c.address == "closed@example.com")).one()
    assert "已办结" in row.subject and no in row.body
