"""REST contract: the happy path with photos, and every bad input gets a clear 4xx that stores nothing."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from citysteward.platform.runtime import Runtime
from tests.builders.http import assert_error, stored
from tests.conftest import City, grid_point

MANHOLE = "BJ01002"


def jpeg(size: tuple[int, int] = (64, 48), exif: bool = False) -> bytes:
    out = io.BytesIO()
    img = Image.new("RGB", size, (200, 60, 60))
    if exif:
        info = Image.Exif()
        info[0x010F] = "PhoneMaker"
        img.save(out, format="JPEG", exif=info)
    else:
        img.save(out, format="JPEG")
    return out.getvalue()


def report_body(**kw: object) -> dict[str, object]:
    lon, lat = grid_point(2, 5)
    return {"category_code": MANHOLE, "description": "井盖破损，有安全隐患", "lon": lon, "lat": lat,
            "address": "解放路 88 号", "reporter_name": "李四", "reporter_phone": "13900001111", **kw}


def test_citizen_reports_with_photos_and_tracks_it(client: TestClient) -> None:
    data = {k: str(v) for k, v in report_body().items()}
    r = client.post("/api/v1/reports", data=data, files=[("photos", ("a.jpg", jpeg(exif=True), "image/jpeg"))])
    assert r.status_code == 201, r.text
    case_no = r.json()["case_no"]
    track = client.get(f"/api/v1/public/cases/{case_no}").json()
    assert track["state"] == "reported" and len(track["photos"]) == 1
    photo = client.get(track["photos"][0]["url"])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(photo.content)).getexif().get(0x010F) is None  # EXIF stripped
    assert "13900001111" not in str(track)


def test_staff_flow_over_http_with_versions(client: TestClient, token, city: City) -> None:
    r = client.post("/api/v1/reports", json=report_body(), headers=token("hotline"))
    case_no = r.json()["case_no"]
    detail = client.get(f"/api/v1/cases/{case_no}", headers=token("acceptor")).json()
    assert detail["source"] == "hotline" and detail["reporter_phone"] == "13900001111"
    assert {a["action"] for a in detail["allowed_actions"]} >= {"accept", "register", "void"}
    r = client.post(f"/api/v1/cases/{case_no}/register", json={"version": 1}, headers=token("acceptor"))
    assert r.status_code == 200 and r.json()["version"] == 2
    detail = client.get(f"/api/v1/cases/{case_no}", headers=token("dispatcher")).json()
    assert detail["reporter_phone"] == "139****1111"
    assert detail["routing"]["suggested_unit_name"] == "市市政设施所"
    other = city.units["street"]
    r = client.post(f"/api/v1/cases/{case_no}/dispatch", json={"version": 2, "unit_id": other},
                    headers=token("dispatcher"))
    assert_error(r, 422, "invalid_input")  # overriding the suggestion needs a reason
    r = client.post(f"/api/v1/cases/{case_no}/dispatch", json={"version": 2, "unit_id": city.units["facility"]},
                    headers=token("dispatcher"))
    assert r.status_code == 200
    up = client.post("/api/v1/photos", data={"kind": "after"}, files=[("photos", ("b.jpg", jpeg(), "image/jpeg"))],
                     headers=token("facility"))
    assert up.status_code == 201
    r = client.post(f"/api/v1/cases/{case_no}/handle",
                    json={"version": 3, "note": "已更换", "photo_ids": up.json()["photo_ids"]}, headers=token("facility"))
    assert r.status_code == 200, r.text
    detail = client.get(f"/api/v1/cases/{case_no}", headers=token("facility")).json()
    assert [p["kind"] for p in detail["photos"]] == ["after"]
    assert detail["timeline"][-1]["unit_name"] == "市市政设施所"
    listing = client.get("/api/v1/cases", params={"state": "handled", "unit": city.units["facility"]},
                         headers=token("leader")).json()
    assert listing["total"] == 1 and listing["items"][0]["case_no"] == case_no


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (report_body(category_code="99999"), 422, "invalid_input"),
        (report_body(lon=116.39, lat=39.9), 422, "outside_city"),
        ({"description": "缺少类别和位置"}, 422, "invalid_input"),
        (report_body(description="长" * 4001), 422, "invalid_input"),
        (report_body(reporter_phone="call me"), 422, "invalid_input"),
        (report_body(crs="epsg3857"), 422, "invalid_input"),
        (report_body(lon="abc"), 422, "invalid_input"),
        (report_body(description="井盖\x00破损"), 422, "invalid_input"),
    ],
)
def test_bad_reports_get_4xx_and_store_nothing(client: TestClient, rt: Runtime, body, status, code) -> None:
    before = stored(rt)
    assert_error(client.post("/api/v1/reports", json=body), status, code)
    assert stored(rt) == before


def test_fake_and_oversized_images_are_refused(client: TestClient, rt: Runtime) -> None:
    before = stored(rt)
    data = {k: str(v) for k, v in report_body().items()}
    fake = client.post("/api/v1/reports", data=data, files=[("photos", ("a.jpg", b"<html>not a photo", "image/jpeg"))])
    assert_error(fake, 415, "unsupported_media")
    big = jpeg() + b"\0" * (8 * 1024 * 1024 + 1)
    assert_error(client.post("/api/v1/reports", data=data, files=[("photos", ("b.jpg", big, "image/jpeg"))]), 413)
    bomb = io.BytesIO()
    Image.new("1", (9000, 9000)).save(bomb, format="PNG")
    assert_error(client.post("/api/v1/reports", data=data, files=[("photos", ("c.png", bomb.getvalue(), "image/png"))]),
                 413)
    too_many = [("photos", (f"{i}.jpg", jpeg(), "image/jpeg")) for i in range(7)]
    assert_error(client.post("/api/v1/reports", data=data, files=too_many), 422)
    assert stored(rt) == before


def test_illegal_transition_stale_version_and_wrong_role(client: TestClient, rt: Runtime, token) -> None:
    case_no = client.post("/api/v1/reports", json=report_body(), headers=token("hotline")).json()["case_no"]
    before = stored(rt)
    assert_error(client.post(f"/api/v1/cases/{case_no}/close", json={"version": 1}, headers=token("leader")), 409,
                 "illegal_transition")
    assert_error(client.post(f"/api/v1/cases/{case_no}/register", json={"version": 1}, headers=token("dispatcher")),
                 403, "forbidden")
    assert_error(client.post(f"/api/v1/cases/{case_no}/void", json={"version": 1}, headers=token("acceptor")), 422)
    assert_error(client.post(f"/api/v1/cases/{case_no}/accept", json={}, headers=token("acceptor")), 422)
    assert stored(rt) == before
    assert client.post(f"/api/v1/cases/{case_no}/accept", json={"version": 1}, headers=token("acceptor")).status_code == 200
    after_accept = stored(rt)
    stale = client.post(f"/api/v1/cases/{case_no}/void", json={"version": 1, "note": "重复"}, headers=token("acceptor"))
    body = assert_error(stale, 409, "stale_version")
    assert body["detail"]["current_version"] == 2
    assert stored(rt) == after_accept


def test_unit_user_gets_404_on_another_units_case(client: TestClient, token, city: City) -> None:
    case_no = client.post("/api/v1/reports", json=report_body(), headers=token("hotline")).json()["case_no"]
    client.post(f"/api/v1/cases/{case_no}/register", json={"version": 1}, headers=token("acceptor"))
    client.post(f"/api/v1/cases/{case_no}/dispatch", json={"version": 2, "unit_id": city.units["facility"]},
                headers=token("dispatcher"))
    assert_error(client.get(f"/api/v1/cases/{case_no}", headers=token("sanitation")), 404, "not_found")
    assert_error(client.post(f"/api/v1/cases/{case_no}/accept_task", json={"version": 3}, headers=token("sanitation")),
                 404)
    assert client.get("/api/v1/cases", headers=token("sanitation")).json()["total"] == 0


def test_auth_errors(client: TestClient, token) -> None:
    assert_error(client.get("/api/v1/cases"), 401, "unauthorized")
    assert_error(client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"}), 401)
    assert_error(client.post("/api/v1/auth/login", json={"username": "admin", "password": "wrong"}), 401)
    assert_error(client.post("/api/v1/units", json={"name": "x", "code": "x"}, headers=token("dispatcher")), 403)


def test_tokens_expire(client: TestClient, token, clock) -> None:
    headers = token("leader")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    clock.advance(hours=13)
    assert_error(client.get("/api/v1/auth/me", headers=headers), 401)


def test_admin_changes_are_audited(client: TestClient, token, rt: Runtime, city: City) -> None:
    admin = token("admin")
    r = client.post("/api/v1/units", json={"name": "山阳区环卫中心", "code": "sy-hw", "kind": "sanitation"},
                    headers=admin)
    assert r.status_code == 201
    assert_error(client.post("/api/v1/units", json={"name": "山阳区环卫中心", "code": "sy-hw"}, headers=admin), 409)
    r = client.post("/api/v1/rules", json={"main_unit_id": r.json()["id"], "category_code": "06010",
                                           "area_code": "410802001002"}, headers=admin)
    assert r.status_code == 201, r.text
    assert_error(client.post("/api/v1/rules", json={"main_unit_id": 9999}, headers=admin), 422)
    r = client.patch("/api/v1/categories/06010", json={"limits": {"normal": {"amount": 3, "unit": "working_hours"},
                                                                   "urgent": {"amount": 1, "unit": "working_hours"}}},
                     headers=admin)
    assert r.status_code == 200, r.text
    r = client.put("/api/v1/calendar/days", json={"day": "2026-12-31", "kind": "holiday", "name": "测试放假"},
                   headers=admin)
    assert r.status_code == 200
    log = client.get("/api/v1/audit", headers=admin).json()
    entities = [e["entity"] for e in log]
    assert {"unit", "rule", "category", "calendar_day"} <= set(entities)
    cat = next(e for e in log if e["entity"] == "category")
    assert cat["actor_name"] == "管理员" and cat["before"]["urgencies"] != cat["after"]["urgencies"]


def test_calendar_year_without_data_is_a_clear_error(client: TestClient, token) -> None:
    view = client.get("/api/v1/calendar/2027", headers=token("admin")).json()
    assert view["loaded"] is False
    r = client.post("/api/v1/calendar/2027/import", headers=token("admin"))
    assert_error(r, 422, "calendar_missing")
    csv = "2027-01-01,holiday,元旦\n2027-02-06,workday,春节调休上班\n"
    r = client.post("/api/v1/calendar/2027/import", content=csv.encode(), headers=token("admin"))
    assert r.status_code == 200 and r.json()["holidays"] == 1
    assert client.get("/api/v1/calendar/2027", headers=token("admin")).json()["loaded"] is True


def test_grids_geojson_and_locate(client: TestClient) -> None:
    fc = client.get("/api/v1/grids").json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 16
    lon, lat = grid_point(1, 1)
    assert client.get("/api/v1/locate", params={"lon": lon, "lat": lat}).json()["grid_code"] == "410802001001001"
    assert_error(client.get("/api/v1/locate", params={"lon": 100.0, "lat": 30.0}), 422, "outside_city")


def test_nul_characters_never_cause_a_server_error(client: TestClient, token) -> None:
    r = client.get("/api/v1/cases/JZ%00", headers=token("leader"))
    assert r.status_code in (404, 422)
    assert_error(r, r.status_code)


def test_only_the_reporter_rates_and_reopens(client: TestClient, token) -> None:
    created = client.post("/api/v1/reports", json=report_body(self_handled=True), headers=token("inspector")).json()
    case_no, tok = created["case_no"], created["public_token"]
    assert created["track_url"] == f"/track/{case_no}?t={tok}"
    assert client.post(f"/api/v1/cases/{case_no}/close", json={"version": 2}, headers=token("leader")).status_code == 200
    assert client.get(f"/api/v1/public/cases/{case_no}").json()["can_rate"] is False
    assert client.get(f"/api/v1/public/cases/{case_no}", params={"t": tok}).json()["can_rate"] is True
    assert_error(client.post(f"/api/v1/public/cases/{case_no}/rate", json={"satisfaction": "satisfied"}), 422)
    assert_error(client.post(f"/api/v1/public/cases/{case_no}/rate", json={"satisfaction": "satisfied", "token": "x"}),
                 403, "forbidden")
    ok = client.post(f"/api/v1/public/cases/{case_no}/rate", json={"satisfaction": "satisfied", "token": tok})
    assert ok.status_code == 200
    assert_error(client.post(f"/api/v1/public/cases/{case_no}/me_too"), 409, "illegal_transition")  # closed
