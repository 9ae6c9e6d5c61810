"""Personal data (PIPL): grid teams' phones are masked unless the caller's role calls people back;
whenever a reporter's name and phone, the users list or a team's phones are shown in full, the access
log says who saw which record, from where."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from citysteward.geography import services as area_service
from citysteward.kernel.actor import Role
from citysteward.platform.runtime import Runtime
from tests.conftest import City, grid_point

GRID = "410802001001003"
TEAM = [{"name": "王网格", "team_role": "leader", "phone": "13812345678"},
        {"name": "李巡查", "team_role": "inspector", "phone": "13987654321"},
        {"name": "赵维护", "team_role": "maintenance", "phone": None}]


@pytest.fixture
def team(rt: Runtime, city: City) -> None:
    area_service.set_grid_team(rt, city.actor("admin"), GRID, TEAM)


def views(client: TestClient, token: Any, **filters: str) -> list[dict[str, Any]]:
    return [e for e in client.get("/api/v1/audit/access", params={"action": "view", **filters},
                                  headers=token("admin")).json()]


def phones(r: Any) -> list[str | None]:
    assert r.status_code == 200, r.text
    return [m["phone"] for m in r.json()["team"]]


def test_grid_team_phones_are_masked_for_the_public_and_staff_who_call_no_one(client: TestClient, token,
                                                                                team: None) -> None:
    assert phones(client.get(f"/api/v1/grids/{GRID}")) == ["138****5678", "139****4321", None]
    for who in ("dispatcher", "inspector", "facility", "supervisor"):
        assert phones(client.get(f"/api/v1/grids/{GRID}", headers=token(who))) == ["138****5678", "139****4321",
                                                                                   None], who
    assert views(client, token) == []


@pytest.mark.parametrize("who", ["hotline", "acceptor", "leader", "admin"])
def test_grid_team_phones_in_full_are_logged(client: TestClient, token, team: None, city: City, who: str) -> None:
    assert Role(city.users[who]["role"]).sees_personal_data
    assert phones(client.get(f"/api/v1/grids/{GRID}", headers=token(who))) == ["13812345678", "13987654321", None]
    logged = views(client, token, entity="grid_team")
    assert [(e["user_id"], e["role"], e["entity_id"], e["detail"], e["client_ip"]) for e in logged] == [
        (city.users[who]["id"], city.users[who]["role"], GRID, {"fields": ["phone"]}, "testclient")]


def test_a_reporters_name_and_phone_shown_in_full_are_logged(client: TestClient, token, city: City) -> None:
    lon, lat = grid_point(1, 3)
    case_no = client.post("/api/v1/reports", json={
        "category_code": "01002", "description": "井盖破损", "lon": lon, "lat": lat, "reporter_name": "张三丰",
        "reporter_phone": "13812341234"}).json()["case_no"]
    masked = client.get(f"/api/v1/cases/{case_no}", headers=token("dispatcher")).json()
    assert (masked["reporter_name"], masked["reporter_phone"]) == ("张*丰", "138****1234")
    assert views(client, token, entity="case") == []
    full = client.get(f"/api/v1/cases/{case_no}", headers=token("acceptor")).json()
    assert (full["reporter_name"], full["reporter_phone"]) == ("张三丰", "13812341234")
    logged = views(client, token, entity="case", entity_id=case_no)
    assert [(e["display_name"], e["role"], e["detail"]["fields"]) for e in logged] == [
        ("受理员小李", "acceptor", ["reporter_name", "reporter_phone"])]
    # the same view through the case page is logged the same way
    page = client.get(f"/console/cases/{case_no}", headers=token("hotline"))
    assert page.status_code == 200 and "13812341234" in page.text
    assert {e["role"] for e in views(client, token, entity="case", entity_id=case_no)} == {"acceptor", "hotline"}
    # a case reported without a name or phone shows nothing personal: nothing to log
    anonymous = client.post("/api/v1/reports", json={"category_code": "01002", "description": "井盖破损", "lon": lon,
                                                      "lat": lat}).json()["case_no"]
    client.get(f"/api/v1/cases/{anonymous}", headers=token("acceptor"))
    assert views(client, token, entity_id=anonymous) == []


def test_the_users_list_is_logged(client: TestClient, token, city: City) -> None:
    users = client.get("/api/v1/users", headers=token("admin")).json()
    assert any(u["phone"] for u in users)
    logged = views(client, token, entity="users")
    assert [(e["user_id"], e["entity_id"]) for e in logged] == [(city.users["admin"]["id"], "*")]
    # everything the administrator saw, found by user name
    mine = client.get("/api/v1/audit/access", params={"username": "admin"}, headers=token("admin")).json()
    assert {e["action"] for e in mine} == {"login", "view"}
