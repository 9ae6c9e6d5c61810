"""No 500 on bad input: every careless or hostile request gets a 4xx in the API's error shape, each
stopped in one shared place (JSON depth at the edge, ids by one bounded type, dates by kernel/periods,
empty updates by the service), and the connection stays usable afterwards."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from citysteward.bootstrap import create_app
from citysteward.platform.http.limits import MAX_JSON_DEPTH
from citysteward.platform.http.schemas import MAX_ID
from citysteward.platform.runtime import Runtime
from tests.builders.cases import report
from tests.builders.http import assert_error, stored
from tests.builders.server import serving
from tests.conftest import City, grid_point

HUGE = 10**30


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


# ------------------------------------------------------------------ JSON nesting
def test_deeply_nested_json_to_intake_is_a_422_not_a_500(client: TestClient, rt: Runtime) -> None:
    lon, lat = grid_point(1, 3)
    body = f'{{"category_code": "01002", "description": "井盖", "lon": {lon}, "lat": {lat}, "photo_ids": {deep(5000)}}}'
    r = client.post("/api/v1/reports", content=body, headers={"Content-Type": "application/json"})
    assert_error(r, 422, "invalid_input")
    assert r.json()["detail"] == {"max_depth": MAX_JSON_DEPTH}
    assert stored(rt)["cases"] == 0


def test_json_depth_is_limited_for_every_route_in_one_place(client: TestClient, token: Any) -> None:
    admin = token("admin")
    for method, path in (("POST", "/api/v1/units"), ("PUT", "/api/v1/evaluation/settings/hotspots"),
                         ("POST", "/api/v1/areas/import"), ("POST", "/open311/v2/requests.json")):
        r = client.request(method, path, content=deep(100_000), headers={**admin, "Content-Type": "application/json"})
        assert_error(r, 422, "invalid_input")
    ok = client.put("/api/v1/evaluation/settings/hotspots", json={"a": {"b": {"c": [[1]]}}}, headers=admin)
    assert ok.status_code != 422 or "嵌套" not in ok.json()["message"]  # ordinary nesting goes through


# ------------------------------------------------------------------ empty updates
@pytest.mark.parametrize("path", ["/api/v1/units/{unit}", "/api/v1/users/{user}"])
def test_an_update_with_nothing_to_change_is_refused_by_the_service(client: TestClient, city: City, token: Any,
                                                                    rt: Runtime, path: str) -> None:
    url = path.format(unit=city.units["street"], user=city.users["facility"]["id"])
    before = stored(rt)
    body = assert_error(client.patch(url, json={}, headers=token("admin")), 422, "invalid_input")
    assert body["message"] == "没有要修改的内容"
    assert stored(rt) == before  # nothing written, not even an audit entry


def test_updates_that_break_a_rule_of_the_data_are_refused_plainly(client: TestClient, city: City,
                                                                  token: Any) -> None:
    admin = token("admin")
    taken = assert_error(client.patch(f"/api/v1/units/{city.units['street']}", json={"name": "市市政设施所"},
                                      headers=admin), 409, "conflict")
    assert "已存在" in taken["message"]
    missing = client.patch(f"/api/v1/users/{city.users['facility']['id']}", json={"unit_id": 987654}, headers=admin)
    assert_error(missing, 422, "invalid_input")


# ------------------------------------------------------------------ ids
def _integer_paths(client: TestClient) -> list[tuple[str, str]]:
    """Every operation of the API naming an integer in its path, filled with a 31-digit number."""
    found = []
    for path, item in client.get("/openapi.json").json()["paths"].items():
        for method, operation in item.items():
            ints = [p["name"] for p in operation.get("parameters", [])
                    if p["in"] == "path" and p["schema"].get("type") == "integer"]
            if ints and path != "/api/v1/calendar/{year}" and not path.startswith("/api/v1/calendar/"):
                url = path
                for name in ints:
                    url = url.replace(f"{{{name}}}", str(HUGE))
                found.append((method.upper(), re.sub(r"\{[^}]+\}", "x", url)))
    return found


def test_every_integer_path_id_is_one_bounded_type(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    for path, item in doc["paths"].items():
        for operation in item.values():
            for p in operation.get("parameters", []):
                if p["in"] == "path" and p["schema"].get("type") == "integer" and not path.startswith("/api/v1/calendar/"):
                    assert p["schema"]["maximum"] == MAX_ID and p["schema"]["minimum"] == 1, (path, p)


def test_huge_integers_in_path_ids_are_a_422_everywhere(client: TestClient, token: Any) -> None:
    paths = _integer_paths(client)
    assert len(paths) >= 8
    for method, url in paths:
        r = client.request(method, url, json={}, headers=token("admin"))
        assert_error(r, 422, "invalid_input")


@pytest.mark.parametrize("query", ["/api/v1/cases?unit={n}", "/api/v1/tickets?unit={n}", "/api/v1/tickets/summary?unit={n}",
                                   "/api/v1/indicators?unit={n}", "/api/v1/users?unit_id={n}", "/api/v1/notices?before_id={n}"])
def test_huge_integers_in_query_ids_are_a_422(client: TestClient, token: Any, query: str) -> None:
    assert_error(client.get(query.format(n=HUGE), headers=token("admin")), 422, "invalid_input")


def test_huge_integers_in_bodies_are_a_422(client: TestClient, city: City, token: Any) -> None:
    admin = token("admin")
    assert_error(client.post("/api/v1/rules", json={"main_unit_id": HUGE}, headers=admin), 422, "invalid_input")
    case_no = report(city)
    assert_error(client.post(f"/api/v1/cases/{case_no}/accept", json={"version": HUGE},
                             headers=token("acceptor")), 422, "invalid_input")


def test_a_public_token_in_any_script_is_refused_not_crashed(client: TestClient, city: City) -> None:
    case_no = report(city)
    for token in ("班", "é", "\U0001f600"):
        r = client.post(f"/api/v1/public/cases/{case_no}/reopen", json={"token": token, "note": "没修好"})
        assert 400 <= r.status_code < 500 and r.json()["error"], r.text


# ------------------------------------------------------------------ dates near year 1 and 9999
DATED = [
    "/api/v1/cases?date_from=0001-01-01T00:00:00%2B08:00", "/api/v1/cases?date_to=9999-12-31T23:59:59%2B08:00",
    "/api/v1/indicators?date_from=0001-01-01&date_to=0001-01-02", "/api/v1/indicators?date_from=9999-12-30&date_to=9999-12-31",
    "/api/v1/indicators?period=0001-01", "/api/v1/indicators?period=9999-12", "/api/v1/indicators?period=9999-12-31",
    "/api/v1/rankings?period=0001-01", "/api/v1/rankings?period=9999-12",
    "/api/v1/hotspots?date_from=0001-01-01", "/api/v1/hotspots?date_to=9999-12-31",
    "/api/v1/tickets?date_from=0001-01-01", "/api/v1/tickets?date_to=9999-12-31",
    "/api/v1/tickets/summary?date_from=0001-01-01&date_to=9999-12-31",
    "/api/v1/reports/daily.docx?date=0001-01-01", "/api/v1/reports/daily.xlsx?date=9999-12-31",
    "/api/v1/reports/monthly.docx?date=0001-01-01", "/api/v1/reports/monthly.xlsx?date=9999-12-31",
]


@pytest.mark.parametrize("url", DATED)
def test_dates_near_year_1_or_9999_are_a_clear_422(client: TestClient, token: Any, url: str) -> None:
    body = assert_error(client.get(url, headers=token("supervisor")), 422, "invalid_input")
    assert "范围" in body["message"], body


def test_a_ticket_deadline_in_year_9999_is_a_422(client: TestClient, city: City, token: Any) -> None:
    case_no = report(city)
    for deadline in ("9999-12-31T23:59:59+08:00", "0001-01-01T00:00:00+08:00"):
        r = client.post("/api/v1/tickets", json={"title": "整改", "content": "限期整改", "unit_ids": [city.units["facility"]],
                                                 "case_nos": [case_no], "deadline": deadline}, headers=token("supervisor"))
        assert_error(r, 422, "invalid_input")


# ------------------------------------------------------------------ the connection after an error
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_after_an_error_the_same_keep_alive_connection_serves_the_next_request(rt: Runtime, city: City) -> None:
    app = create_app(runtime=rt)

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom)  # an unexpected error, as a bug would raise
    with serving(app) as (base, _), httpx.Client(base_url=base, limits=httpx.Limits(max_connections=1)) as http:
        token = http.post("/api/v1/auth/login", json={"username": "admin", "password": "Passw0rd!"}).json()["token"]
        admin = {"Authorization": f"Bearer {token}"}
        lon, lat = grid_point(1, 3)
        sockets = set()
        for method, url, kw, status in [
            ("GET", "/healthz", {}, 200),
            ("POST", "/api/v1/reports", {"content": deep(10_000), "headers": {"Content-Type": "application/json"}}, 422),
            ("PATCH", f"/api/v1/units/{city.units['street']}", {"json": {}, "headers": admin}, 422),
            ("GET", f"/api/v1/photos/{HUGE}", {}, 422),
            ("GET", "/api/v1/indicators?period=9999-12", {"headers": admin}, 422),
            ("GET", "/boom", {}, 500),
            ("GET", "/api/v1/nowhere", {}, 404),
            ("POST", "/api/v1/reports", {"json": {"category_code": "01002", "description": "井盖破损", "lon": lon,
                                                  "lat": lat}}, 201),
        ]:
            r = http.request(method, url, **kw)
            assert r.status_code == status, (url, r.text)
            if status >= 400:
                assert_error(r, status)
            assert r.headers.get("connection", "").lower() != "close", url
            sockets.add(r.extensions["network_stream"].get_extra_info("client_addr"))
        assert len(sockets) == 1, f"the connection was replaced: {sockets}"
