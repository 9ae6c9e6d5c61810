"""`GET /api/v1/cases` reads its query with the domain's parser (cases/domain/ledger.py): every filter
the console offers works over REST too, and a bad value is a 422 naming the parameter."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.builders.cases import GARBAGE, MANHOLE, report
from tests.builders.http import assert_error
from tests.conftest import City


@pytest.mark.parametrize(("query", "field"), [
    ("page=0", "page"), ("page=abc", "page"), ("page=100001", "page"), ("page_size=201", "page_size"),
    ("page_size=1.5", "page_size"), ("order=random", "order"), ("state=lost", "state"), ("unit=-3", "unit"),
    ("unit=99999999999999999999", "unit"), ("q=%00", "q"), ("q=" + "字" * 101, "q"), ("overdue=maybe", "overdue"),
    ("category=%1b%5b31m", "category"),
])
def test_bad_query_values_are_a_422_naming_the_parameter(client: TestClient, token: Any, query: str,
                                                          field: str) -> None:
    r = client.get(f"/api/v1/cases?{query}", headers=token("leader"))
    assert_error(r, 422, "invalid_input")
    assert r.json()["detail"]["field"] == field, r.text


def test_filters_over_rest_match_a_recount(client: TestClient, token: Any, city: City) -> None:
    numbers = [report(city, MANHOLE if s % 2 else GARBAGE, community=s % 2 + 1, seq=s % 5 + 1) for s in range(6)]
    with city.rt.uow(readonly=True) as uow:
        community = uow.conn.execute(text("SELECT community_code FROM cases WHERE case_no = :n"),
                                     {"n": numbers[0]}).scalar_one()
        in_community = int(uow.conn.execute(text("SELECT count(*) FROM cases WHERE community_code = :c"),
                                            {"c": community}).scalar_one())
    leader = token("leader")
    listed = client.get(f"/api/v1/cases?community={community}&page_size=50", headers=leader).json()
    assert listed["total"] == in_community == 3 and {i["case_no"] for i in listed["items"]} == set(numbers[0::2])
    both = client.get(f"/api/v1/cases?category={MANHOLE}&category={GARBAGE}&order=oldest&page_size=2&page=2",
                      headers=leader).json()
    assert both["total"] == 6 and [i["case_no"] for i in both["items"]] == numbers[2:4]
    # Blank parameters mean "not sent", as a form with an untouched field sends them.
    assert client.get("/api/v1/cases?state=&q=&page=&order=", headers=leader).json()["total"] == 6
    # A bare day is the local day, all of it; a time must carry its zone.
    today = client.get("/api/v1/cases?date_from=2020-01-01&date_to=2030-12-31", headers=leader).json()
    assert today["total"] == 6
    assert_error(client.get("/api/v1/cases?date_from=2026-11-22T08:00:00", headers=leader), 422, "invalid_input")
