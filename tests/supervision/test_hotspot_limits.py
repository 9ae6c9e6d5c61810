"""The hot-spot search is bounded (issue 9, item 7): what a caller may ask for has configured limits
(422 naming them), only those who supervise may search (403), and a search that reaches the cap on cases
or on work says it was cut short (`truncated`) instead of running on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from citysteward.cases import tables as cases_tables
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.cells import cell_of
from citysteward.kernel.errors import Forbidden, InvalidInput
from citysteward.org.services import accounts
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.hotspots import (
    HotspotRules,
    PlaceCase,
    may_search,
    plan_search,
    scan_hotspots,
)
from citysteward.supervision.services import hotspots
from tests.builders.cases import GARBAGE
from tests.builders.http import assert_error
from tests.conftest import PASSWORD, City, grid_point

Login = Callable[[str], dict[str, str]]
NOW = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
M = 1 / 111_000  # degrees of latitude per metre


# ---------------------------------------------------------------- domain
@pytest.mark.parametrize(("ask", "field", "named"), [
    ({"distance_m": 501}, "distance_m", "500 米"),
    ({"window_days": 91}, "window_days", "90 天"),
    ({"min_recurrences": 1}, "min_recurrences", "2–100"),
    ({"min_recurrences": 101}, "min_recurrences", "2–100"),
    ({"distance_m": float("nan")}, "distance_m", "500 米"),
])
def test_a_search_beyond_the_limits_is_refused_naming_the_limit(ask: dict[str, float], field: str,
                                                                named: str) -> None:
    with pytest.raises(InvalidInput) as err:
        plan_search(HotspotRules(), NOW - timedelta(days=90), NOW, **ask)  # type: ignore[arg-type]
    assert err.value.detail["field"] == field and named in err.value.message


def test_the_period_and_its_history_must_fit() -> None:
    rules = HotspotRules()
    with pytest.raises(InvalidInput, match="366 天"):
        plan_search(rules, NOW - timedelta(days=367), NOW)
    with pytest.raises(InvalidInput, match="晚于"):
        plan_search(rules, NOW, NOW)
    with pytest.raises(InvalidInput, match="超出"):  # the window before year 1 would overflow
        plan_search(rules, datetime(1, 1, 2, tzinfo=UTC), datetime(1, 2, 1, tzinfo=UTC))
    search = plan_search(rules, NOW - timedelta(days=366), NOW, distance_m=500, window_days=90, min_recurrences=2)
    assert search.since == search.start - timedelta(days=90) and search.rules.distance_m == 500


def test_limits_are_settings_and_older_settings_still_load() -> None:
    wide = HotspotRules.from_dict({"max_distance_m": 2000, "max_window_days": 365, "min_recurrences_floor": 1})
    assert plan_search(wide, NOW - timedelta(days=30), NOW, distance_m=2000, window_days=365,
                       min_recurrences=1).rules.distance_m == 2000
    assert HotspotRules.from_dict({"distance_m": 800}).max_distance_m == 800  # saved before the limits existed
    assert HotspotRules.from_dict({"min_recurrences": 1}).min_recurrences_floor == 1
    with pytest.raises(InvalidInput, match="distance_m（800）不能超过 max_distance_m（500）"):
        HotspotRules.from_dict({"distance_m": 800, "max_distance_m": 500})
    with pytest.raises(InvalidInput, match="max_cases"):
        HotspotRules.from_dict({"max_cases": 10})


@pytest.mark.parametrize("role", list(Role))
def test_only_those_who_supervise_may_search(role: Role) -> None:
    allowed = {Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.UNIT, Role.SYSTEM}
    if role in allowed:
        may_search(role)
    else:
        with pytest.raises(Forbidden):
            may_search(role)


def _spot(first_id: int, days: float, n: int = 3) -> list[PlaceCase]:
    """`n` reports of one category at one place, each closed a day later: n - 1 recurrences."""
    out = []
    for i in range(n):
        at = NOW - timedelta(days=days - 3 * i)
        lon, lat = 113.215 + first_id // 100 * 0.05, 35.225 + i * 10 * M
        out.append(PlaceCase(case_id=first_id + i, case_no=f"C{first_id + i}", category_code=GARBAGE, lon=lon,
                             lat=lat, cell=cell_of(lon, lat), reported_at=at, state="closed",
                             closes=(at + timedelta(days=1),)))
    return out


def test_a_scan_out_of_budget_keeps_the_newest_places_and_says_so() -> None:
    old, new = _spot(100, 60), _spot(200, 20)
    full = scan_hotspots(old + new, HotspotRules())
    assert [h.cases[0].case_no for h in full.hotspots] == ["C200", "C100"] and not full.truncated
    cut = scan_hotspots(old + new, HotspotRules(), max_steps=45)  # two or three cases' worth of cells
    assert cut.truncated and cut.scanned < 6
    assert [h.cases[0].case_no for h in cut.hotspots] == ["C200"]


def test_a_wide_search_finds_what_a_narrow_one_finds() -> None:
    cases = _spot(100, 60) + _spot(200, 20, n=4)
    narrow = scan_hotspots(cases, HotspotRules(distance_m=100))
    wide = scan_hotspots(cases, HotspotRules(distance_m=3000, max_distance_m=3000))  # coarser cells
    assert [h.recurrence_count for h in narrow.hotspots] == [3, 2]
    assert [[c.case_no for c in h.cases] for h in wide.hotspots] == [[c.case_no for c in h.cases]
                                                                     for h in narrow.hotspots]


# ---------------------------------------------------------------- HTTP, both databases
@pytest.fixture
def api(client: TestClient) -> TestClient:
    return client


@pytest.fixture
def login(token: Login) -> Login:
    return token


def test_the_api_refuses_searches_beyond_the_limits_with_a_chinese_422(api: TestClient, login: Login) -> None:
    boss = login("supervisor")
    for params, named in (({"distance_m": 5000}, "500 米"), ({"window_days": 365}, "90 天"),
                          ({"min_recurrences": 1}, "2–100"),
                          ({"date_from": "2024-01-01", "date_to": "2026-11-16"}, "366 天")):
        body = assert_error(api.get("/api/v1/hotspots", params=params, headers=boss), 422, "invalid_input")
        assert named in body["message"], body
    ok = api.get("/api/v1/hotspots", params={"distance_m": 500, "window_days": 90, "date_to": "2026-11-16"},
                 headers=boss)
    assert ok.status_code == 200 and ok.json()["truncated"] is False, ok.text
    admin = login("admin")
    r = api.put("/api/v1/evaluation/settings/hotspots", json={"max_distance_m": 1000}, headers=admin)
    assert r.status_code == 200 and r.json()["max_distance_m"] == 1000
    assert api.get("/api/v1/hotspots", params={"distance_m": 800}, headers=boss).status_code == 200
    assert_error(api.put("/api/v1/evaluation/settings/hotspots", json={"distance_m": 800, "max_distance_m": 500},
                         headers=admin), 422)


@pytest.mark.parametrize(("username", "status"), [
    ("inspector", 403), ("hotline", 403), ("acceptor", 403), ("dispatcher", 403),
    ("leader", 403),  # the shift leader (值班长) of the command centre, not a 领导
    ("boss", 200), ("supervisor", 200), ("admin", 200), ("facility", 200)])
def test_only_supervisors_leaders_admins_and_units_may_search(rt: Runtime, city: City, api: TestClient,
                                                              login: Login, username: str, status: int) -> None:
    accounts.create_user(rt, city.actor("admin"), {"username": "boss", "password": PASSWORD, "role": "leader"})
    r = api.get("/api/v1/hotspots", headers=login(username))
    if status == 403:
        assert "不能查询难点点位" in assert_error(r, 403, "forbidden")["message"]
    else:
        assert r.status_code == 200, r.text


def _bulk_cases(rt: Runtime, n: int, newest: datetime) -> None:
    """`n` closed reports of one category a few hundred metres apart, one an hour: rows written directly,
    as a ledger this size would be too slow to build through the services."""
    lon0, lat0 = grid_point(1, 1)
    rows, events = [], []
    for i in range(n):
        at = newest - timedelta(hours=i)
        lon, lat = lon0 + (i % 10) * 0.003, lat0 - (i // 10) * 0.003
        rows.append({"case_no": f"JZ{at:%Y%m%d}-9{i:04d}", "version": 1, "state": "closed", "source": "inspector",
                     "category_code": GARBAGE, "urgency": "normal", "description": "批量", "address": "", "lon": lon,
                     "lat": lat, "cell": cell_of(lon, lat), "grid_code": "410802001001001",
                     "community_code": "410802001001", "street_code": "410802001", "district_code": "410802",
                     "assisting_unit_ids": [], "reported_at": at, "updated_at": at, "overdue": False,
                     "rework_count": 0, "extension_count": 0, "return_count": 0, "reopen_count": 0,
                     "me_too_count": 0})
    with rt.uow() as uow:
        conn = uow.conn  # type: ignore[attr-defined]
        for row in rows:
            case_id = conn.execute(insert(cases_tables.cases).values(row).returning(cases_tables.cases.c.id)).scalar_one()
            events.append({"case_id": case_id, "action": "close", "from_state": "checked", "to_state": "closed",
                           "actor_name": "测试", "role": "shift_leader", "at": row["reported_at"] + timedelta(minutes=30),
                           "note": "", "payload": {}, "photo_ids": []})
        conn.execute(insert(cases_tables.case_events), events)
        uow.commit()


def test_a_search_that_reaches_the_cap_on_cases_is_flagged_truncated(rt: Runtime, city: City, api: TestClient,
                                                                    login: Login) -> None:
    _bulk_cases(rt, 130, newest=rt.now() - timedelta(hours=1))
    admin = city.actor("admin")
    hotspots.set_rules(rt, admin, {"max_cases": 100})
    reply = api.get("/api/v1/hotspots", headers=login("supervisor")).json()
    assert reply["truncated"] is True and reply["scanned"] == 100 and "100" in reply["truncated_label"]
    assert reply["rules"]["max_cases"] == 100
    hotspots.set_rules(rt, admin, {"max_cases": 1000})
    whole = hotspots.find(rt, Actor(role=Role.LEADER, user_id=1, name="领导"))
    assert whole["truncated"] is False and whole["scanned"] == 130 and whole["truncated_label"] == ""


def test_the_store_reads_only_the_newest_cases_asked_for(rt: Runtime, city: City) -> None:
    newest = rt.now() - timedelta(hours=1)
    _bulk_cases(rt, 12, newest=newest)
    with rt.uow(readonly=True) as uow:
        rows = uow.hotspots.place_cases(newest - timedelta(days=30), rt.now(), GARBAGE, limit=5)
    assert [r["reported_at"] for r in rows] == [newest - timedelta(hours=h) for h in (4, 3, 2, 1, 0)]
    assert all(len(r["closes"]) == 1 for r in rows)


def test_one_search_at_a_time_per_worker_the_next_is_told_to_retry(rt: Runtime, city: City, api: TestClient,
                                                                    login: Login,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hotspots, "SEARCH_WAIT_S", 0.05)
    boss = login("supervisor")
    assert api.get("/api/v1/hotspots", headers=boss).status_code == 200  # the gate exists from here on
    gate = rt.singleton("hotspot_search", lambda: None)
    assert gate is not None and gate.acquire(timeout=1)  # a search running in another thread
    try:
        assert_error(api.get("/api/v1/hotspots", headers=boss), 429, "too_many_requests")
    finally:
        gate.release()
    assert api.get("/api/v1/hotspots", headers=boss).status_code == 200
