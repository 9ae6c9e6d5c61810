"""What anyone may do without an account: anonymous reports per client address per minute and per day,
"me too" once per client and case and so many per minute; past a limit, 429 with Retry-After and the
API's error shape, and nothing stored. Signed-in staff are not limited here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citysteward.bootstrap import create_app
from citysteward.platform.runtime import Runtime
from tests.builders.http import assert_error, stored
from tests.conftest import City, grid_point


def body(**kw: object) -> dict[str, object]:
    lon, lat = grid_point(1, 5)
    return {"category_code": "01002", "description": "井盖缺失，夜间危险", "lon": lon, "lat": lat, **kw}


def from_(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


@pytest.fixture
def app_with(rt: Runtime, city: City) -> Callable[..., TestClient]:
    """The app with some settings changed (same database and clock), behind a trusted proxy."""
    def make(**settings: Any) -> TestClient:
        changed = Runtime(uow=rt.uow, settings=replace(rt.settings, trust_proxy=True, **settings), clock=rt.clock)
        return TestClient(create_app(runtime=changed))

    return make


def test_anonymous_reports_are_limited_per_client_per_minute(app_with, rt: Runtime, token, clock) -> None:
    app = app_with()
    for _ in range(rt.settings.reports_per_minute):
        assert app.post("/api/v1/reports", json=body(), headers=from_("203.0.113.9")).status_code == 201
    before = stored(rt)
    refused = app.post("/api/v1/reports", json=body(), headers=from_("203.0.113.9"))
    err = assert_error(refused, 429, "too_many_requests")
    assert err["message"].startswith("提交过于频繁，请") and err["detail"]["limit"] == "report-minute"
    assert refused.headers["Retry-After"] == "60"  # the clock stands at 10:00:00
    assert stored(rt) == before
    assert app.post("/api/v1/reports", json=body(), headers=from_("198.51.100.7")).status_code == 201
    hotline = {"Authorization": token("hotline")["Authorization"], **from_("203.0.113.9")}
    assert app.post("/api/v1/reports", json=body(), headers=hotline).status_code == 201  # staff: not limited
    clock.advance(minutes=1)
    assert app.post("/api/v1/reports", json=body(), headers=from_("203.0.113.9")).status_code == 201


def test_anonymous_reports_are_limited_per_client_per_day(app_with, clock) -> None:
    app = app_with(reports_per_minute=0, reports_per_day=3)
    for _ in range(3):
        assert app.post("/api/v1/reports", json=body(), headers=from_("203.0.113.9")).status_code == 201
    refused = app.post("/api/v1/reports", json=body(), headers=from_("203.0.113.9"))
    assert assert_error(refused, 429)["message"] == "今日提交的问题已达上限，请 14 小时后再试"
    assert refused.headers["Retry-After"] == str(14 * 3600)  # 10:00 → local midnight
    clock.advance(hours=14)
    assert app.post("/api/v1/reports", json=body(), headers=from_("203.0.113.9")).status_code == 201


def test_the_citizen_page_posts_to_the_limited_endpoint(client: TestClient) -> None:
    page = client.get("/report")
    assert page.status_code == 200
    script = client.get("/static/report.js").text
    assert 'fetch("/api/v1/reports", { method: "POST", body: data, credentials: "omit"' in script  # + Idempotency-Key


def test_me_too_counts_once_per_client_and_case(app_with, client: TestClient, token) -> None:
    app = app_with()
    case_no = client.post("/api/v1/reports", json=body(), headers=token("hotline")).json()["case_no"]
    me_too = f"/api/v1/public/cases/{case_no}/me_too"
    assert app.post(me_too, headers=from_("203.0.113.9")).status_code == 200
    again = assert_error(app.post(me_too, headers=from_("203.0.113.9")), 409, "conflict")
    assert "只计一次" in again["message"]
    assert app.post(me_too, headers=from_("198.51.100.7")).status_code == 200
    assert client.get(f"/api/v1/public/cases/{case_no}").json()["me_too_count"] == 2


def test_me_too_is_limited_per_client_per_minute(app_with, client: TestClient, token) -> None:
    app = app_with(me_too_per_minute=2)
    cases = [client.post("/api/v1/reports", json=body(), headers=token("hotline")).json()["case_no"] for _ in range(3)]
    for case_no in cases[:2]:
        assert app.post(f"/api/v1/public/cases/{case_no}/me_too", headers=from_("203.0.113.9")).status_code == 200
    refused = app.post(f"/api/v1/public/cases/{cases[2]}/me_too", headers=from_("203.0.113.9"))
    assert assert_error(refused, 429)["detail"]["limit"] == "me-too-minute" and refused.headers["Retry-After"]
    assert client.get(f"/api/v1/public/cases/{cases[2]}").json()["me_too_count"] == 0
