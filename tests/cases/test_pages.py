"""The pages over HTTP (no browser): sign-in, role queues, the ledger and its export, action forms and
their error messages, administration forms, the citizen's tracking page. Both databases."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook

from citysteward.cases.domain.model import Action
from citysteward.cases.services import actions as cases
from citysteward.cases.services import rules as cases_services_rules
from citysteward.catalogue import services as catalogue_services
from citysteward.org.services import accounts
from citysteward.worktime import services as calendar
from tests.builders.cases import GARBAGE, dispatched, report, step
from tests.builders.http import png
from tests.conftest import City, synthetic_city


def test_pages_need_a_login_and_send_the_browser_to_it(client_for) -> None:
    anon = client_for()
    r = anon.get("/console/cases?state=reported")
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login?next=/console/cases%3Fstate%3Dreported"
    r = anon.get("/console/cases", headers={"HX-Request": "true"})
    assert r.status_code == 204 and r.headers["HX-Redirect"].startswith("/console/login")
    assert anon.get("/console/login").status_code == 200


def test_login_sets_an_httponly_cookie_and_refuses_foreign_redirects(client_for) -> None:
    c = client_for()
    r = c.post("/console/login", data={"username": "leader", "password": "wrong", "next": "/console"})
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = c.post("/console/login", data={"username": "leader", "password": "Passw0rd!", "next": "//evil.example/x"})
    assert r.status_code == 303 and r.headers["location"] == "/console"
    cookie = r.headers["set-cookie"]
    assert "cs_token=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert c.get("/console").status_code == 200
    r = c.post("/console/logout")
    assert r.status_code == 303
    assert c.get("/console").status_code == 303  # the token is gone from the server too


def test_each_role_sees_the_queues_it_works(client_for, city: City) -> None:
    expected = {"acceptor": ["queue-reported", "queue-register"], "inspector": ["queue-verify", "queue-check"],
                "dispatcher": ["queue-dispatch", "queue-requests"], "facility": ["queue-unit_new", "queue-unit_doing"],
                "leader": ["queue-close", "queue-overdue"], "supervisor": ["queue-overdue"]}
    report(city)
    for username, queues in expected.items():
        page = client_for(username).get("/console").text
        for q in queues:
            assert f'id="{q}"' in page, (username, q)
    assert 'id="queue-verify"' not in client_for("facility").get("/console").text


def test_the_ledger_filters_and_returns_only_the_table_to_htmx(client_for, city: City) -> None:
    for seq in range(1, 6):
        report(city, seq=seq)
    dispatched(city, report(city, GARBAGE, seq=7, description="垃圾箱满溢"))
    c = client_for("leader")
    full = c.get("/console/cases?state=reported&page_size=20")
    assert full.status_code == 200 and "<html" in full.text and 'id="case-total">5<' in full.text
    part = c.get("/console/cases?state=dispatched", headers={"HX-Request": "true", "HX-Target": "case-table"})
    assert "<html" not in part.text and 'id="case-total">1<' in part.text and "垃圾箱满溢" in part.text
    assert 'id="case-total">1<' in c.get("/console/cases?q=垃圾箱").text
    assert 'id="case-total">0<' in c.get("/console/cases?date_from=2026-11-18").text
    assert 'id="case-total">6<' in c.get("/console/cases?date_from=2026-11-17&date_to=2026-11-17").text
    paged = c.get("/console/cases?page_size=20&page=1&order=oldest").text
    assert "下一页" not in paged
    assert c.get("/console/cases?date_from=yesterday").status_code == 422
    bad = c.get("/console/cases?date_from=yesterday", headers={"HX-Request": "true", "HX-Target": "case-table"})
    assert bad.status_code == 422 and "<html" not in bad.text and "日期格式有误" in bad.text  # swapped in place


def test_export_streams_the_filtered_ledger_as_excel(client_for, city: City) -> None:
    mine = report(city)
    dispatched(city, mine)  # to the facility unit
    other = report(city, GARBAGE, seq=6)
    dispatched(city, other)  # to sanitation
    r = client_for("facility").get("/console/cases/export.xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("案件编号", "状态", "来源")
    assert [row[0] for row in rows[1:]] == [mine]  # a unit exports only its own cases
    rows = list(load_workbook(io.BytesIO(client_for("leader").get(
        "/console/cases/export.xlsx?state=dispatched").content)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and {row[1] for row in rows[1:]} == {"已派遣"}


def test_an_action_form_shows_validation_and_conflict_messages(client_for, city: City) -> None:
    no = report(city)
    c = client_for("acceptor")
    detail = cases.case_detail(city.rt, no, city.actor("acceptor"))
    r = c.post(f"/console/cases/{no}/act/void", data={"version": detail.version, "note": ""})
    assert r.status_code == 422 and "「作废」需要填写说明" in r.text and 'id="act-void" open' in r.text
    r = c.post(f"/console/cases/{no}/act/accept", data={"version": detail.version})
    assert r.status_code == 303 and r.headers["location"].endswith("?done=accept")
    r = c.post(f"/console/cases/{no}/act/void", data={"version": detail.version, "note": "重复上报"})
    assert r.status_code == 409 and "案件已被他人更新" in r.text and "刷新页面" in r.text
    assert c.post(f"/console/cases/{no}/act/rate", data={}).status_code == 404  # not a staff action
    assert "已完成：受理（转核实）" in c.get(f"/console/cases/{no}?done=accept").text


def test_the_unit_reports_back_with_photos_through_the_page(client_for, city: City) -> None:
    no = report(city)
    dispatched(city, no)
    step(city, "facility", no, Action.ACCEPT_TASK)
    c = client_for("facility")
    version = cases.case_detail(city.rt, no, city.actor("facility")).version
    files = [("photos", ("after1.png", png((10, 200, 10)), "image/png")),
             ("photos", ("after2.png", png((10, 10, 200)), "image/png"))]
    r = c.post(f"/console/cases/{no}/act/handle", data={"version": version, "note": "已更换井盖"}, files=files)
    assert r.status_code == 303, r.text
    detail = cases.case_detail(city.rt, no, city.actor("leader"))
    assert detail.state == "handled" and [p.kind for p in detail.photos] == ["after", "after"]
    assert list(detail.timeline[-1].photo_ids) == [p.id for p in detail.photos]
    bad = [("photos", ("x.png", b"not an image", "image/png"))]
    r = c.post(f"/console/cases/{no}/act/comment", data={"version": detail.version, "note": "补充"}, files=bad)
    assert r.status_code == 303  # comments take no photos: the file is ignored
    other = report(city, seq=4)
    dispatched(city, other)
    version = cases.case_detail(city.rt, other, city.actor("facility")).version
    r = c.post(f"/console/cases/{other}/act/handle", data={"version": version, "note": "x"}, files=bad)
    assert r.status_code == 415 and "不是有效的图片文件" in r.text


def test_administration_pages_are_for_the_administrator_only(client_for, city: City) -> None:
    r = client_for("leader").get("/console/admin/units")
    assert r.status_code == 403 and "此页面仅限系统管理员" in r.text
    a = client_for("admin")
    r = a.post("/console/admin/units", data={"name": "马村区城管局", "code": "mc-cg", "kind": "district"})
    assert r.status_code == 303 and "马村区城管局" in a.get("/console/admin/units?done=1").text
    r = a.post("/console/admin/units", data={"name": "马村区城管局", "code": "mc-cg", "kind": "district"})
    assert r.status_code == 409 and "已存在" in r.text
    unit_id = next(u["id"] for u in accounts.list_units(city.rt) if u["code"] == "mc-cg")
    r = a.post("/console/admin/users", data={"username": "mc01", "display_name": "马村一号", "password": "12345678",
                                             "role": "unit", "unit_id": str(unit_id)})
    assert r.status_code == 303
    user = next(u for u in accounts.list_users(city.rt) if u["username"] == "mc01")
    r = a.post(f"/console/admin/users/{user['id']}", data={"role": "unit", "unit_id": str(unit_id), "active": ""})
    assert r.status_code == 303 and not next(u for u in accounts.list_users(city.rt) if u["username"] == "mc01")["active"]
    r = a.post("/console/admin/categories/06042", data={"amount_normal": "3", "unit_normal": "working_hours",
                                                        "active": "1", "q": "垃圾"})
    assert r.status_code == 303
    cat = next(c for c in catalogue_services.list_categories(city.rt) if c.code == "06042")
    assert cat.limit_for("normal").label == "3个工作时"
    r = a.post("/console/admin/rules", data={"main_unit_id": str(unit_id), "category_class": "09",
                                             "area_code": "410802001"})
    assert r.status_code == 303
    rule = next(x for x in cases_services_rules.list_rules(city.rt) if x["main_unit_id"] == unit_id)
    assert "马村区城管局" in a.get("/console/admin/rules").text
    assert a.post(f"/console/admin/rules/{rule['id']}/delete").status_code == 303
    r = a.post("/console/admin/rules", data={"main_unit_id": "", "category_class": "09"})
    assert r.status_code == 422 and "主办单位" in r.text
    for path in ("", "/grids", "/categories?q=井盖", "/calendar?year=2026", "/users"):
        assert a.get(f"/console/admin{path}").status_code == 200, path


def test_a_click_cycles_a_calendar_day_and_returns_the_cell(client_for, city: City) -> None:
    a = client_for("admin")
    kinds = []
    for _ in range(3):
        r = a.post("/console/admin/calendar/day", data={"day": "2026-12-07"}, headers={"HX-Request": "true"})
        assert r.status_code == 200 and r.text.strip().startswith("<button")
        kinds.append({d["day"]: d["kind"] for d in calendar.calendar_view(city.rt, 2026)["days"]}.get("2026-12-07"))
    assert kinds == ["holiday", "workday", None]
    r = a.post("/console/admin/calendar/day", data={"day": "2031-01-05"})
    assert r.status_code == 422 and "尚未导入" in r.text


def test_grid_boundaries_are_imported_from_an_upload(client_for, city: City) -> None:
    a = client_for("admin")
    data = json.dumps(synthetic_city(), ensure_ascii=False).encode()
    r = a.post("/console/admin/grids/import", data={"crs": "wgs84"},
               files={"file": ("city.geojson", data, "application/geo+json")})
    assert r.status_code == 303
    r = a.post("/console/admin/grids/import", data={"crs": "wgs84"},
               files={"file": ("bad.geojson", b"{not json", "application/geo+json")})
    assert r.status_code == 422 and "不是有效的 GeoJSON" in r.text


def test_the_citizen_tracks_rates_and_reopens(client_for, city: City) -> None:
    no = report(city, who="inspector", self_handled=True)
    step(city, "leader", no, Action.CLOSE)
    c = client_for()
    page = c.get(f"/track/{no}").text
    assert "已结案" in page and "13812341234" not in page and "张三丰" not in page
    assert c.get(f"/track?no={no.lower()}").headers["location"] == f"/track/{no}"
    assert "提交评价" not in page  # no token, no rating form
    token = cases.public_case(city.rt, no, None) and _token(city, no)
    assert c.post(f"/track/{no}/rate", data={"satisfaction": "basically"}).status_code == 403
    assert "提交评价" in c.get(f"/track/{no}?t={token}").text
    r = c.post(f"/track/{no}/rate", data={"satisfaction": "basically", "note": "还行", "t": token})
    assert r.status_code == 303 and "感谢您的评价" in c.get(r.headers["location"]).text
    assert c.post(f"/track/{no}/rate", data={"satisfaction": "satisfied", "t": token}).status_code == 422  # only once
    r = c.post(f"/track/{no}/reopen", data={"note": "井盖又坏了", "t": token})
    assert r.status_code == 303
    assert cases.public_case(city.rt, no)["state"] == "handled"
    missing = c.get("/track/JZ20990101-00001")
    assert missing.status_code == 404 and "没有找到案件" in missing.text


def _token(city: City, case_no: str) -> str:
    with city.rt.uow(readonly=True) as uow:
        case = uow.cases.get(case_no)
    assert case is not None and case.public_token
    return case.public_token
