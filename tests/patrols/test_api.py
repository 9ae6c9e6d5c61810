"""The patrols API and pages: the phone's calls end to end, every refusal a 4xx with a Chinese message."""

from __future__ import annotations

import pytest

from tests.builders.http import assert_error
from tests.conftest import City
from tests.patrols.conftest import centre, grid, walk

# entry points and papers: SQLite is enough (the store runs on both in test_services / test_month_recount)
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_the_phone_calls_end_to_end(client, token, duty: City, clock):
    me = token("inspector")
    assert client.post("/api/v1/patrols/clock", json={"kind": "in", "lon": centre(1, 1)[0], "lat": centre(1, 1)[1]},
                       headers=me).status_code == 200
    pid = client.post("/api/v1/patrols", headers=me).json()["patrol_id"]
    points = walk(centre(1, 1), centre(1, 2), clock.now)
    first = client.post(f"/api/v1/patrols/{pid}/track", json={"seq": 0, "points": points}, headers=me).json()
    again = client.post(f"/api/v1/patrols/{pid}/track", json={"seq": 0, "points": points}, headers=me).json()
    assert (first["stored"], again["stored"]) == (True, False)
    assert client.get("/api/v1/patrols/me", headers=me).json()["patrol"]["points"] == len(points)
    ended = client.post(f"/api/v1/patrols/{pid}/end", headers=me).json()
    assert ended["grids"] == [grid(1, 1), grid(1, 2)]
    out = client.post("/api/v1/patrols/clock", json={"kind": "out"}, headers=me).json()
    assert out["kind"] == "out"
    table = client.get("/api/v1/patrols/figures", params={"period": "2026-11-17"}, headers=me).json()
    assert [(r["name"], r["counts"]["patrols"]) for r in table["rows"]] == [("监督员老王", 1)]
    cover = client.get("/api/v1/patrols/coverage", params={"day": "2026-11-17"}, headers=token("leader")).json()
    assert cover["visited"] == [grid(1, 1), grid(1, 2)] and len(cover["not_visited"]) == 14


def test_refusals(client, token, duty: City):
    me, leader = token("inspector"), token("leader")
    assert_error(client.post("/api/v1/patrols", headers=me), 409)  # not clocked in
    assert_error(client.post("/api/v1/patrols/clock", json={"kind": "out"}, headers=me), 409)
    assert_error(client.post("/api/v1/patrols/clock", json={"kind": "in"}, headers=leader), 403)
    assert_error(client.post("/api/v1/patrols/clock", json={"kind": "sideways"}, headers=me), 422)
    assert_error(client.post("/api/v1/patrols/99/track", json={"seq": 0, "points": [{"t": 1_800_000_000, "lon": 113.2,
                                                                                       "lat": 35.2}]}, headers=me), 404)
    client.post("/api/v1/patrols/clock", json={"kind": "in"}, headers=me)
    pid = client.post("/api/v1/patrols", headers=me).json()["patrol_id"]
    assert_error(client.post(f"/api/v1/patrols/{pid}/track", json={"seq": 0, "points": [{"lon": 1}]}, headers=me), 422)
    assert_error(client.post(f"/api/v1/patrols/{pid}/track", json={"seq": -1, "points": [{}]}, headers=me), 422)
    assert_error(client.get("/api/v1/patrols/tasks", headers=leader), 403)
    assert_error(client.get("/api/v1/patrols/tasks/all", headers=me), 403)
    assert_error(client.post("/api/v1/patrols/tasks/JZ0/reassign", json={"user_id": 1}, headers=leader), 404)
    assert_error(client.put("/api/v1/patrols/inspectors/1/areas", json={"area_codes": ["410802001"]}, headers=me), 403)
    assert_error(client.post("/api/v1/patrols/roster", json={"entries": [{"user_id": duty.users["inspector"]["id"],
                                                                          "day": "2026-11-18", "shift": "moon"}]},
                             headers=leader), 422)
    assert_error(client.get("/api/v1/patrols/figures", params={"period": "2026-13"}, headers=leader), 422)
    assert_error(client.put("/api/v1/patrols/settings", json={"effective": {"min_distance_m": -1}},
                            headers=token("admin")), 422)
    assert_error(client.put("/api/v1/patrols/settings", json={}, headers=leader), 403)
    assert_error(client.get("/api/v1/patrols/me"), 401)


def test_settings_change_what_counts_as_effective(client, token, duty: City):
    admin = token("admin")
    saved = client.put("/api/v1/patrols/settings", json={"effective": {"min_minutes_in_own_grids": 5}},
                       headers=admin).json()
    assert saved["effective"] == {"min_minutes_in_own_grids": 5, "min_share_of_own_grids": 0.5, "min_distance_m": 500}
    assert client.get("/api/v1/patrols/settings", headers=token("leader")).json()["effective"]["min_minutes_in_own_grids"] == 5


def test_pages(client_for, duty: City):
    phone = client_for("inspector")
    page = phone.get("/m")
    assert page.status_code == 200 and "拍照上报" in page.text and 'data-sample-s="10"' in page.text
    console = phone.get("/console/patrols")
    assert console.status_code == 200 and "巡查统计" in console.text and "改派" not in console.text
    boss = client_for("leader")
    assert boss.get("/m").status_code == 403
    board = boss.get("/console/patrols", params={"period": "2026-11", "cut": "grid"})
    assert board.status_code == 200 and "待核实 · 待核查任务" in board.text
    r = boss.post("/console/patrols/reassign", data={"case_no": "JZ404", "user_id": duty.users["inspector"]["id"]})
    assert r.status_code == 303 and "error=" in r.headers["location"]


def test_a_shift_leader_sets_areas_and_roster_from_the_console(client_for, duty: City):
    boss = client_for("leader")
    uid = duty.users["inspector2"]["id"]
    r = boss.post("/console/patrols/areas", data={"user_id": uid, "area_codes": f"{grid(2, 1)}，{grid(2, 2)}"})
    assert r.status_code == 303 and "done=areas" in r.headers["location"]
    r = boss.post("/console/patrols/roster", data={"user_id": uid, "day": "2026-11-17", "shift": "late",
                                                   "grid_codes": grid(2, 1), "passes": 2})
    assert r.status_code == 303 and "done=roster" in r.headers["location"]
    page = boss.get(r.headers["location"]).text
    assert "第2社区1号网格、第2社区2号网格" in page and "排班已保存" in page and "晚班" in page
    bad = boss.post("/console/patrols/roster", data={"user_id": uid, "day": "2026-11-17", "shift": "moon"})
    assert "error=" in bad.headers["location"]


def test_the_indicators_carry_the_patrol_figures(client, token, duty: City, clock):
    me = token("inspector")
    client.post("/api/v1/patrols/clock", json={"kind": "in"}, headers=me)
    pid = client.post("/api/v1/patrols", headers=me).json()["patrol_id"]
    client.post(f"/api/v1/patrols/{pid}/track", json={"seq": 0, "points": walk(centre(1, 1), centre(2, 1), clock.now)},
                headers=me)
    client.post(f"/api/v1/patrols/{pid}/end", headers=me)
    by_street = client.get("/api/v1/indicators/patrols", params={"period": "2026-11", "cut": "street"},
                           headers=token("supervisor")).json()
    assert [(r["name"], r["counts"]["patrols"], r["counts"]["grids_visited"]) for r in by_street["rows"]] == [
        ("王褚街道", 1, 3)]
    assert_error(client.get("/api/v1/indicators/patrols", params={"cut": "unit"}, headers=token("supervisor")), 422)
    assert_error(client.get("/api/v1/indicators/patrols", headers=token("facility")), 403)
