"""A responsible unit's staff see hot spots made of their own unit's cases, and the listed places their
unit owns; supervisors see every unit's. (Other units' case numbers and addresses stay theirs: the rule
is cases.domain.access.led_units, the ledger's.)"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from citysteward.cases.services import actions as cases
from citysteward.supervision.services import hotspots
from tests.builders.cases import GARBAGE, MANHOLE, dispatched, report, walk_to_close
from tests.conftest import City

METRE = 1 / 111_000


def recurring(city: City, clock: Any, category: str, community: int, seq: int) -> list[str]:
    """Reported, closed, reported again nearby, closed, reported a third time and dispatched: two
    recurrences, every case led by the unit the category is routed to."""
    made = []
    for i in range(3):
        case_no = report(city, category=category, who="inspector", community=community, seq=seq,
                         offset=(i * 10 * METRE, 0.0))
        made.append(case_no)
        if i < 2:
            walk_to_close(city, clock, case_no, hours=1)
        else:
            dispatched(city, case_no)
        clock.advance(days=1)
    return made


def leads(city: City, case_no: str) -> int | None:
    return cases.case_detail(city.rt, case_no, city.actor("admin")).main_unit_id


def test_a_unit_finds_only_the_hot_spots_of_its_own_cases(city: City, clock, client: TestClient, token) -> None:
    manholes = recurring(city, clock, MANHOLE, 1, 3)
    garbage = recurring(city, clock, GARBAGE, 2, 6)
    assert {leads(city, c) for c in manholes} == {city.units["facility"]}
    assert {leads(city, c) for c in garbage} == {city.units["sanitation"]}
    everything = hotspots.find(city.rt, city.actor("supervisor"))
    assert sorted(h["category_code"] for h in everything["items"]) == sorted([MANHOLE, GARBAGE])
    for who, category, own in (("facility", MANHOLE, manholes), ("sanitation", GARBAGE, garbage)):
        found = client.get("/api/v1/hotspots", headers=token(who)).json()
        assert [h["category_code"] for h in found["items"]] == [category], who
        seen = {x["case_no"] for h in found["items"] for x in h["history"]}
        seen |= {x["case_no"] for h in found["items"] for x in h["recurrence_list"]}
        seen |= {x["after_case_no"] for h in found["items"] for x in h["recurrence_list"]}
        assert seen <= set(own), who


def test_a_unit_sees_the_listed_places_it_owns(city: City, clock, client: TestClient, token) -> None:
    manholes = recurring(city, clock, MANHOLE, 1, 3)
    spot = hotspots.find(city.rt, city.actor("supervisor"))["items"][0]
    listed = client.post("/api/v1/hotspots/listed", headers=token("supervisor"), json={
        "category_code": MANHOLE, "lon": spot["lon"], "lat": spot["lat"], "owner_unit_id": city.units["facility"],
        "measure": "更换防沉降井盖，每周巡查", "case_nos": manholes})
    assert listed.status_code == 201, listed.text
    assert [x["id"] for x in client.get("/api/v1/hotspots/listed", headers=token("facility")).json()] == [
        listed.json()["id"]]
    assert client.get("/api/v1/hotspots/listed", headers=token("sanitation")).json() == []
    assert len(client.get("/api/v1/hotspots/listed", headers=token("supervisor")).json()) == 1
