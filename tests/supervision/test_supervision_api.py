"""HTTP: tickets, hot spots, indicators, rankings, papers and notices — staff only, one error shape, and
papers whose figures are those of the indicator endpoint."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from citysteward.bootstrap import create_app
from citysteward.evaluation import domain as evaluation_domain
from citysteward.platform.runtime import Runtime
from citysteward.supervision.services import escalation
from tests.builders.cases import new_case
from tests.builders.months import generate_month
from tests.conftest import PASSWORD, City, grid_point

Login = Callable[[str], dict[str, str]]


@pytest.fixture
def api(rt: Runtime, city: City) -> TestClient:
    return TestClient(create_app(runtime=rt))


@pytest.fixture
def login(api: TestClient) -> Login:
    cache: dict[str, dict[str, str]] = {}

    def get(username: str) -> dict[str, str]:
        if username not in cache:
            r = api.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            cache[username] = {"Authorization": f"Bearer {r.json()['token']}"}
        return cache[username]

    return get


def error(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "message", "detail"} and body["message"]
    if code:
        assert body["error"] == code
    return body


def test_papers_from_the_api_carry_the_figures_of_the_indicator_endpoint(city: City, clock: Any, api: TestClient,
                                                                         login: Login) -> None:
    clock.set(datetime(2026, 10, 28, 0, 0, tzinfo=UTC))
    generate_month(city, clock, n=24, seed=5, sweep_hours=12)
    clock.set(datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    boss = login("supervisor")
    assert api.get("/api/v1/reports/monthly.docx?date=2026-11-15").status_code == 401
    month = api.get("/api/v1/indicators", params={"period": "2026-11"}, headers=boss).json()
    r = api.get("/api/v1/reports/monthly.docx", params={"date": "2026-11-15"}, headers=boss)
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert "monthly-2026-11.docx" in r.headers["content-disposition"]
    doc = Document(io.BytesIO(r.content))
    cells = [c.text for row in doc.tables[0].rows for c in row.cells]
    figures = dict(zip(cells[0::2], cells[1::2], strict=True))
    for code, label in evaluation_domain.COUNTS[:18]:
        assert figures[label] == str(month["total"]["counts"][code]), label
    assert any("结案率" in p.text and "月通报" not in p.text for p in doc.paragraphs)
    r = api.get("/api/v1/reports/monthly.xlsx", params={"date": "2026-11-15"}, headers=boss)
    wb = load_workbook(io.BytesIO(r.content))
    values = {row[0]: row[1] for row in wb["概况"].iter_rows(values_only=True) if row[0] and row[1] is not None}
    assert all(values[label] == month["total"]["counts"][code] for code, label in evaluation_domain.COUNTS[:18])
    day = api.get("/api/v1/indicators", params={"period": "2026-11-20", "cut": "unit"}, headers=boss).json()
    r = api.get("/api/v1/reports/daily.docx", params={"date": "2026-11-20"}, headers=boss)
    doc = Document(io.BytesIO(r.content))
    cells = [c.text for row in doc.tables[0].rows for c in row.cells]
    figures = dict(zip(cells[0::2], cells[1::2], strict=True))
    assert figures["处置数"] == str(day["total"]["counts"]["handled"])
    assert figures["结案数"] == str(day["total"]["counts"]["closed"])
    wb = load_workbook(io.BytesIO(api.get("/api/v1/reports/daily.xlsx", params={"date": "2026-11-20"},
                                          headers=boss).content))
    assert wb["概况"]["A1"].value.startswith(f"{city.rt.settings.city_name}城市管理每日调度")
    error(api.get("/api/v1/reports/daily.docx", params={"date": "2026-13-01"}, headers=boss), 422)


def test_tickets_over_http(city: City, api: TestClient, login: Login) -> None:
    case_no = new_case(city)
    body = {"level": "yellow", "title": "井盖破损督办", "content": "请立即处置", "case_nos": [case_no],
            "unit_ids": [city.units["facility"], city.units["sanitation"]]}
    error(api.post("/api/v1/tickets", json=body), 401, "unauthorized")
    error(api.post("/api/v1/tickets", json=body, headers=login("dispatcher")), 403, "forbidden")
    error(api.post("/api/v1/tickets", json={**body, "level": "purple"}, headers=login("supervisor")), 422)
    error(api.post("/api/v1/tickets", json={**body, "unit_ids": []}, headers=login("supervisor")), 422)
    r = api.post("/api/v1/tickets", json=body, headers=login("supervisor"))
    assert r.status_code == 201, r.text
    no = r.json()["ticket_no"]
    lon, lat = grid_point(2, 2)
    api.post("/api/v1/tickets", json={"level": "white", "title": "占道", "content": "整改", "lon": lon, "lat": lat,
                                      "unit_ids": [city.units["street"]]}, headers=login("supervisor"))
    ledger = api.get("/api/v1/tickets", headers=login("supervisor")).json()
    assert ledger["total"] == 2 and ledger["summary"]["text"] == "2 张：白色 1、黄色 1，已整改 0"
    assert api.get("/api/v1/tickets", params={"level": "yellow"}, headers=login("supervisor")).json()["total"] == 1
    assert api.get("/api/v1/tickets", headers=login("facility")).json()["total"] == 1
    error(api.get("/api/v1/tickets/NOPE", headers=login("supervisor")), 404, "not_found")
    r = api.post(f"/api/v1/tickets/{no}/reply", json={"note": "已更换"}, headers=login("facility"))
    assert r.json()["state"] == "issued"
    version = r.json()["version"]
    api.post(f"/api/v1/tickets/{no}/reply", json={"note": "已清理"}, headers=login("sanitation"))
    error(api.post(f"/api/v1/tickets/{no}/accept", json={"version": version}, headers=login("supervisor")), 409,
          "stale_version")
    error(api.post(f"/api/v1/tickets/{no}/accept", json={}, headers=login("facility")), 403)
    assert api.post(f"/api/v1/tickets/{no}/accept", json={}, headers=login("supervisor")).json()["state"] == "rectified"
    detail = api.get(f"/api/v1/tickets/{no}", headers=login("facility")).json()
    assert detail["level_label"] == "黄色" and [u["reply"] for u in detail["units"]] == ["已更换", "已清理"]
    summary = api.get("/api/v1/tickets/summary", headers=login("supervisor")).json()
    assert summary["rectified"] == 1 and summary["by_level"] == {"white": 1, "yellow": 1, "red": 0}


def test_notices_indicators_rankings_settings_and_hot_spots_over_http(city: City, clock: Any, api: TestClient,
                                                                      login: Login) -> None:
    new_case(city)
    clock.advance(hours=7)
    escalation.run_once(city.rt)  # red: overdue, automatic supervision, notices delivered
    facility = login("facility")
    inbox = api.get("/api/v1/notices", headers=facility).json()
    assert inbox["unread"] == 2 and inbox["items"][0]["title"].startswith("【白色督导单】")
    assert inbox["items"][1]["title"].startswith("【派遣】")  # the dispatch was noticed too
    notice_id = inbox["items"][0]["id"]
    assert api.post(f"/api/v1/notices/{notice_id}/read", headers=facility).json()["read"] is True
    error(api.post(f"/api/v1/notices/{notice_id}/read", headers=facility), 404)
    left = api.get("/api/v1/notices", params={"unread": True}, headers=facility).json()["items"]
    assert [n["title"][:4] for n in left] == ["【派遣】"]

    boss = login("supervisor")
    by_unit = api.get("/api/v1/indicators", params={"period": "2026-11", "cut": "unit"}, headers=boss).json()
    row = next(r for r in by_unit["rows"] if r["key"] == city.units["facility"])
    assert row["name"] == "市市政设施所" and row["counts"]["overdue_unhandled"] == 1 and row["counts"]["due_handle"] == 1
    assert row["rates"]["on_time_handle_rate"] == 0.0 and by_unit["cut_label"] == "责任单位"
    span = api.get("/api/v1/indicators", params={"date_from": "2026-11-01", "date_to": "2026-11-30",
                                                  "street": "410802001"}, headers=boss).json()
    assert span["total"]["counts"] == by_unit["total"]["counts"]
    error(api.get("/api/v1/indicators", params={"cut": "planet"}, headers=boss), 422)
    error(api.get("/api/v1/indicators", params={"period": "2026-99"}, headers=boss), 422)
    assert len(api.get("/api/v1/indicators/definitions", headers=boss).json()["counts"]) == len(evaluation_domain.COUNTS)

    error(api.put("/api/v1/evaluation/settings/evaluation", json={"ranking": {"min_cases": 1}}, headers=boss), 403)
    admin = login("admin")
    saved = api.put("/api/v1/evaluation/settings/evaluation", json={"ranking": {"min_cases": 1}}, headers=admin)
    assert saved.status_code == 200 and saved.json()["ranking"]["min_cases"] == 1
    error(api.put("/api/v1/evaluation/settings/evaluation", json={"unit": {"weights": {"x": 1}}}, headers=admin), 422)
    assert api.get("/api/v1/evaluation/settings/hotspots", headers=boss).json()["distance_m"] == 100.0
    error(api.get("/api/v1/evaluation/settings/colours", headers=boss), 404)

    ranking = api.get("/api/v1/rankings", params={"period": "2026-11"}, headers=boss).json()
    assert ranking["min_cases"] == 1 and {r["name"] for r in ranking["rows"]} >= {"市市政设施所"}
    assert api.post("/api/v1/rankings/publish", json={"period": "2026-11"}, headers=boss).json()["saved"]["unit"] == 3
    error(api.post("/api/v1/rankings/publish", json={"period": "2026-11"}, headers=facility), 403)
    history = api.get("/api/v1/rankings/history", headers=boss).json()
    assert {h["period"] for h in history} == {"2026-11"}

    spots = api.get("/api/v1/hotspots", params={"distance_m": 50}, headers=boss).json()
    assert spots["total"] == 0 and spots["rules"]["distance_m"] == 50
    lon, lat = grid_point(1, 3)
    listing = {"category_code": "BJ01002", "lon": lon, "lat": lat, "owner_unit_id": city.units["facility"],
               "measure": "更换为防盗井盖并每周巡查"}
    error(api.post("/api/v1/hotspots/listed", json=listing, headers=facility), 403)
    r = api.post("/api/v1/hotspots/listed", json=listing, headers=boss)
    assert r.status_code == 201, r.text
    board = api.get("/api/v1/hotspots/listed", headers=boss).json()
    assert board[0]["stays_fixed"] is True and board[0]["measure"] == "更换为防盗井盖并每周巡查"
    assert api.post(f"/api/v1/hotspots/listed/{r.json()['id']}/delist", json={"note": "已治理"},
                    headers=boss).json()["state"] == "delisted"
    assert api.put(f"/api/v1/notify/contacts/{city.units['facility']}", json={"emails": ["a@jz.test"]},
                   headers=admin).json()["emails"] == ["a@jz.test"]
    assert api.get("/api/v1/notify/outbox", headers=admin).json()["sent"] >= 1
