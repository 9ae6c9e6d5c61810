"""The ledger's pages and totals (cases/store/cases/ledger.py): statements are built once per filter shape and
reused with other values, and the last page is counted from its own rows; every page and total here is
checked against an independent count of what was reported."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from citysteward.cases.domain.ledger import CaseFilter
from citysteward.cases.domain.model import Action, CaseState
from citysteward.cases.services import actions as cases
from tests.builders.cases import GARBAGE, MANHOLE, report, step
from tests.conftest import City


def test_pages_and_totals_match_a_recount_for_each_shape_and_value(city: City) -> None:
    numbers = {MANHOLE: [report(city, MANHOLE, seq=s % 5 + 1) for s in range(7)],
               GARBAGE: [report(city, GARBAGE, seq=s % 5 + 1) for s in range(4)]}
    leader = city.actor("leader")
    with city.rt.uow(readonly=True) as uow:
        stored = {code: uow.conn.execute(text("SELECT count(*) FROM cases WHERE category_code = :c"), {"c": code})
                  .scalar_one() for code in (MANHOLE, GARBAGE)}
        everything = uow.conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
    assert stored == {MANHOLE: 7, GARBAGE: 4}
    for code in (MANHOLE, GARBAGE, MANHOLE):  # one shape, other values: no value of the last call sticks
        f = CaseFilter(categories=(code,))
        seen: list[str] = []
        for page in range(1, 5):
            listed = cases.list_cases(city.rt, leader, f, page=page, page_size=3)
            assert listed["total"] == stored[code] and not listed["total_capped"]
            seen += [item["case_no"] for item in listed["items"]]
        assert sorted(seen) == sorted(numbers[code])  # every case once, newest first across the pages
    both = cases.list_cases(city.rt, leader, CaseFilter(categories=(MANHOLE, GARBAGE)), page=2, page_size=5)
    assert both["total"] == 11 and len(both["items"]) == 5
    assert cases.list_cases(city.rt, leader, CaseFilter(), page=1, page_size=200)["total"] == everything
    past_the_end = cases.list_cases(city.rt, leader, CaseFilter(categories=(GARBAGE,)), page=9, page_size=3)
    assert past_the_end["items"] == [] and past_the_end["total"] == 4  # an empty page still counts
    reported = cases.list_cases(city.rt, leader, CaseFilter(states=(CaseState.REPORTED,), categories=(GARBAGE,)))
    assert reported["total"] == 4
    assert cases.list_cases(city.rt, leader, CaseFilter(keyword=numbers[GARBAGE][0]))["total"] == 1


def test_totals_by_state_and_district_come_from_the_summary_and_match_a_recount(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = [report(city, MANHOLE if s % 2 else GARBAGE, community=s % 2 + 1, seq=s % 5 + 1) for s in range(9)]
    for case_no in numbers[:4]:
        step(city, "acceptor", case_no, Action.REGISTER)  # four cases move to another state
    leader = city.actor("leader")

    def recount(states: tuple[str, ...], districts: tuple[str, ...]) -> int:
        sql = "SELECT count(*) FROM cases WHERE 1 = 1"
        if states:
            sql += " AND state IN (" + ", ".join(f"'{s}'" for s in states) + ")"
        if districts:
            sql += " AND district_code IN (" + ", ".join(f"'{d}'" for d in districts) + ")"
        with city.rt.uow(readonly=True) as uow:
            return int(uow.conn.execute(text(sql)).scalar_one())

    with city.rt.uow(readonly=True) as uow:
        districts = tuple(r[0] for r in uow.conn.execute(text("SELECT DISTINCT district_code FROM cases")))
        state_values = tuple(r[0] for r in uow.conn.execute(text("SELECT DISTINCT state FROM cases")))
    assert len(state_values) == 2
    shapes = [((), ()), (state_values[:1], ()), ((), districts[:1]), (state_values[1:], districts),
              (("closed",), ()), ((), ("410899",))]  # no such state or district here: 0
    for states, dists in shapes:
        f = CaseFilter(states=tuple(CaseState(s) for s in states), districts=dists)
        first = cases.list_cases(city.rt, leader, f, page=1, page_size=1)  # not the last page: a count is needed
        assert first["total"] == recount(states, dists) and not first["total_capped"], (states, dists)
    # Over the cap the summary's total is shown capped, as a counted one would be.
    monkeypatch.setattr(cases, "COUNT_CAP", 3)
    capped = cases.list_cases(city.rt, leader, CaseFilter(), page=1, page_size=2)
    assert capped["total"] == 3 and capped["total_capped"]


def test_summary_shapes_are_read_in_one_glance_equal_to_the_unit_of_work_and_a_recount(city: City) -> None:
    """The whole ledger, one state and one district are read as one statement with their total (one
    snapshot); each page equals what the unit of work's repository reads and an independent recount."""
    numbers = [report(city, MANHOLE if s % 2 else GARBAGE, community=s % 2 + 1, seq=s % 5 + 1) for s in range(8)]
    for case_no in numbers[:3]:
        step(city, "acceptor", case_no, Action.REGISTER)
    with city.rt.uow(readonly=True) as uow:
        district = uow.conn.execute(text("SELECT min(district_code) FROM cases")).scalar_one()
        newest = [r[0] for r in uow.conn.execute(text("SELECT case_no FROM cases ORDER BY id DESC"))]
        registered = int(uow.conn.execute(text("SELECT count(*) FROM cases WHERE state = 'registered'")).scalar_one())
    glance = city.rt.uow.glance.cases
    shapes = [CaseFilter(), CaseFilter(states=(CaseState.REGISTERED,)), CaseFilter(districts=(district,)),
              CaseFilter(states=(CaseState.REGISTERED,), districts=(district,))]
    for f in shapes:
        for order in ("newest", "oldest", "deadline"):
            for limit, offset in ((3, 0), (3, 3), (50, 0), (3, 30)):
                found = glance.ledger(f, limit, offset, order)
                assert found is not None, f
                with city.rt.uow(readonly=True) as uow:
                    assert found == uow.cases.ledger(f, limit, offset, order, 10_000), (f, order, offset)
    rows, total = glance.ledger(CaseFilter(), 5, 0, "newest") or ([], -1)
    assert total == len(newest) and [r["case_no"] for r in rows] == newest[:5]
    assert "ledger_total" not in rows[0] and rows[0]["reported_at"].tzinfo is not None
    assert (glance.ledger(CaseFilter(states=(CaseState.REGISTERED,)), 2, 0, "newest") or ([], -1))[1] == registered
    # Shapes the summary cannot count, or IN lists, are left to the unit of work.
    assert glance.ledger(CaseFilter(categories=(MANHOLE,)), 5, 0, "newest") is None
    assert glance.ledger(CaseFilter(states=(CaseState.REGISTERED, CaseState.REPORTED)), 5, 0, "newest") is None
    assert glance.ledger(CaseFilter(led_by=(1,)), 5, 0, "newest") is None


def test_one_value_filters_are_equalities_and_several_are_in_lists_with_the_same_matches(city: City) -> None:
    numbers = [report(city, MANHOLE if s % 3 else GARBAGE, seq=s % 5 + 1) for s in range(7)]
    leader = city.actor("leader")
    one = cases.list_cases(city.rt, leader, CaseFilter(categories=(GARBAGE,)), page_size=50)
    both = cases.list_cases(city.rt, leader, CaseFilter(categories=(GARBAGE, "no-such")), page_size=50)
    assert one["total"] == both["total"] == 3 and one["items"] == both["items"]
    assert {i["case_no"] for i in one["items"]} == {n for s, n in enumerate(numbers) if s % 3 == 0}
