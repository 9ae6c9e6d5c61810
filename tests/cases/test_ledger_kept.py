"""Ledger pages kept per worker under the case table's change stamp (migration 0016, `list_cases`): a kept page
is served only while no case has changed, whichever worker changed it, and every page served equals a fresh
read of the database. Both databases; PostgreSQL's stamp is raised at commit, once per transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from citysteward.cases.domain.ledger import CaseFilter
from citysteward.cases.domain.model import Action, CaseState
from citysteward.cases.ports import glances
from citysteward.cases.services import actions as cases
from citysteward.evaluation.services import rollups
from citysteward.kernel.actor import Actor
from citysteward.org.services import accounts
from citysteward.platform.db import make_engine
from citysteward.platform.runtime import Runtime
from citysteward.platform.stamped import SharedAnswer, StampedCache
from tests.builders.cases import GARBAGE, MANHOLE, _second_runtime, dispatched, report, step
from tests.conftest import City

EVERYTHING = CaseFilter()


@pytest.fixture
def other(rt: Runtime) -> Iterator[Runtime]:
    """Another worker: its own engine and caches, the same database."""
    second = _second_runtime(rt)
    yield second
    second.uow.engine.dispose()  # type: ignore[attr-defined]


def _stamp(rt: Runtime) -> tuple[int, str] | None:
    return glances(rt).cases.change_stamp()


def _fresh(rt: Runtime, actor: Actor, f: CaseFilter = EVERYTHING, page: int = 1, page_size: int = 20) -> dict:
    """The same page read with nothing kept: a runtime of its own, used once."""
    once = _second_runtime(rt)
    try:
        return cases.list_cases(once, actor, f, page, page_size)
    finally:
        once.uow.engine.dispose()  # type: ignore[attr-defined]


def _kept(rt: Runtime) -> StampedCache:
    return rt.singleton("cases.ledger_pages", StampedCache)


def _sql(rt: Runtime, sql: str, **params: object) -> None:
    with rt.uow() as uow:
        uow.conn.execute(text(sql), params)
        uow.commit()


def test_every_committed_change_to_a_case_changes_the_stamp(city: City) -> None:
    rt = city.rt
    first = report(city, MANHOLE)
    s1 = _stamp(rt)
    assert s1 is not None
    second = report(city, GARBAGE, seq=5)
    s2 = _stamp(rt)
    assert s2 is not None and s2 != s1 and s2[1] == s1[1]  # same epoch, a higher count
    step(city, "acceptor", first, Action.REGISTER)  # an update
    s3 = _stamp(rt)
    assert s3 is not None and s3[0] > s2[0]
    with rt.uow() as uow:  # rolled back: no change, the same stamp
        uow.conn.execute(text("UPDATE cases SET description = 'x' WHERE case_no = :n"), {"n": second})
    assert _stamp(rt) == s3
    _sql(rt, "UPDATE cases SET me_too_count = me_too_count + 1")  # every row, one statement
    s4 = _stamp(rt)
    assert s4 is not None and s4[0] > s3[0]
    if rt.uow.engine.dialect.name == "postgresql":  # type: ignore[attr-defined]
        assert s4[0] == s3[0] + 1  # raised at commit, once per transaction, however many rows changed
    _sql(rt, "DELETE FROM case_events WHERE case_id IN (SELECT id FROM cases WHERE case_no = :n)", n=second)
    _sql(rt, "DELETE FROM cases WHERE case_no = :n", n=second)
    s5 = _stamp(rt)
    assert s5 is not None and s5[0] > s4[0]


def test_a_stamp_that_starts_over_gets_a_new_epoch(city: City) -> None:
    """A restore empties every table, the stamp's row too: the next change writes it again under a new
    random epoch, so a count that starts over never repeats a stamp a worker keeps pages under."""
    rt, leader = city.rt, city.actor("leader")
    report(city, MANHOLE)
    before = _stamp(rt)
    cases.list_cases(rt, leader, EVERYTHING)
    assert len(_kept(rt)) == 1
    _sql(rt, "DELETE FROM case_change_stamp")
    assert _stamp(rt) is None
    assert cases.list_cases(rt, leader, EVERYTHING)["total"] == 1  # no stamp: read afresh, not kept
    assert len(_kept(rt)) == 1
    report(city, GARBAGE, seq=5)
    after = _stamp(rt)
    assert after is not None and before is not None and after[1] != before[1] and after[0] == 1


def test_a_rebuild_after_a_load_without_triggers_writes_a_new_stamp(city: City) -> None:
    """A bulk load holds the triggers off and rebuilds the rollups once at the end (bench/_city.py): that
    rebuild writes the stamp anew, so no page kept before the load is served after it."""
    rt, leader = city.rt, city.actor("leader")
    report(city, MANHOLE)
    kept = cases.list_cases(rt, leader, EVERYTHING)
    before = _stamp(rt)
    if rt.uow.engine.dialect.name == "postgresql":  # type: ignore[attr-defined]
        with rt.uow() as uow:  # a load with the triggers held off, as the benchmark's
            uow.conn.execute(text("SET LOCAL session_replication_role = replica"))
            uow.conn.execute(text("UPDATE cases SET me_too_count = 9"))
            uow.commit()
        assert _stamp(rt) == before  # no trigger ran
    rollups.rebuild(rt)
    after = _stamp(rt)
    assert before is not None and after is not None and after[1] != before[1]
    again = cases.list_cases(rt, leader, EVERYTHING)
    assert again is not kept and again == _fresh(rt, leader)


def test_a_kept_page_is_served_until_another_worker_changes_a_case(city: City, other: Runtime) -> None:
    rt, leader = city.rt, city.actor("leader")
    numbers = [report(city, MANHOLE if s % 2 else GARBAGE, seq=s % 5 + 1) for s in range(6)]
    page = cases.list_cases(rt, leader, EVERYTHING)
    assert cases.list_cases(rt, leader, EVERYTHING) is page  # kept: served as it was built
    assert page == _fresh(rt, leader)
    assert [i["case_no"] for i in page["items"]] == numbers[::-1] and page["total"] == 6

    # A step by the other worker: a state change (the summary total of a state moves too).
    other_city = City(other, city.units, city.users)
    step(other_city, "acceptor", numbers[0], Action.REGISTER)
    moved = cases.list_cases(rt, leader, EVERYTHING)
    assert moved is not page and moved == _fresh(rt, leader)
    assert {i["case_no"]: i["state"] for i in moved["items"]}[numbers[0]] == CaseState.REGISTERED.value
    registered = cases.list_cases(rt, leader, CaseFilter(states=(CaseState.REGISTERED,)))
    assert [i["case_no"] for i in registered["items"]] == [numbers[0]] and registered["total"] == 1

    # A change that is no step and keeps the state: a column the ledger shows, written by the other worker.
    _sql(other, "UPDATE cases SET me_too_count = 7 WHERE case_no = :n", n=numbers[3])
    bumped = cases.list_cases(rt, leader, EVERYTHING)
    assert {i["case_no"]: i["me_too_count"] for i in bumped["items"]}[numbers[3]] == 7
    assert cases.list_cases(rt, leader, CaseFilter(states=(CaseState.REGISTERED,))) == registered

    # A new case reported through the other worker: on top of the first page, counted in the total.
    newest = report(other_city, GARBAGE, seq=2)
    top = cases.list_cases(rt, leader, EVERYTHING)
    assert top["items"][0]["case_no"] == newest and top["total"] == 7 and top == _fresh(rt, leader)


def test_a_unit_renamed_shows_once_the_worker_reloads_its_names(city: City) -> None:
    rt, leader = city.rt, city.actor("leader")
    case_no = report(city, MANHOLE)
    dispatched(city, case_no, "facility")
    page = cases.list_cases(rt, leader, EVERYTHING)
    assert page["items"][0]["main_unit_name"] == "市市政设施所"
    accounts.update_unit(rt, city.actor("admin"), city.units["facility"], {"name": "市政设施维护所"})
    renamed = cases.list_cases(rt, leader, EVERYTHING)  # the rename dropped this worker's names
    assert renamed["items"][0]["main_unit_name"] == "市政设施维护所" and renamed == _fresh(rt, leader)


def test_deep_pages_and_other_actors_are_kept_apart(city: City) -> None:
    rt = city.rt
    for s in range(5):
        report(city, MANHOLE if s % 2 else GARBAGE, seq=s + 1)
    dispatched(city, report(city, GARBAGE, seq=2), "sanitation")
    leader, unit = city.actor("leader"), city.actor("sanitation")
    everyone = cases.list_cases(rt, leader, EVERYTHING)
    own = cases.list_cases(rt, unit, EVERYTHING)  # a unit sees its own cases only: another key
    assert everyone["total"] == 6 and own["total"] == 1 and own == _fresh(rt, unit)
    assert cases.list_cases(rt, unit, EVERYTHING) is own
    second_page = cases.list_cases(rt, leader, EVERYTHING, page=2, page_size=4)
    assert len(second_page["items"]) == 2 and cases.list_cases(rt, leader, EVERYTHING, page=2, page_size=4) is second_page
    deep = cases.list_cases(rt, leader, EVERYTHING, page=31, page_size=20)  # offset 600: read through, not kept
    assert deep["items"] == [] and cases.list_cases(rt, leader, EVERYTHING, page=31, page_size=20) is not deep
    big = cases.list_cases(rt, leader, EVERYTHING, page=1, page_size=200)  # the map's and exports' pages
    assert big["total"] == 6 and cases.list_cases(rt, leader, EVERYTHING, page=1, page_size=200) is not big


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite has one writer at a time anyway
def test_postgres_writers_do_not_queue_on_the_stamp_before_they_commit(city: City) -> None:
    """The stamp's row is raised at commit (a deferred trigger): a transaction that changed a case and
    is still open holds no lock on it, so another writer commits meanwhile."""
    rt = city.rt
    a, b = report(city, MANHOLE), report(city, GARBAGE, seq=5)
    engine = make_engine(rt.settings.database_url)
    try:
        with engine.connect() as open_one:
            open_one.execute(text("UPDATE cases SET me_too_count = 3 WHERE case_no = :n"), {"n": a})
            done = threading.Event()

            def other_writer() -> None:
                with engine.begin() as conn:
                    conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                    conn.execute(text("UPDATE cases SET me_too_count = 4 WHERE case_no = :n"), {"n": b})
                done.set()

            writer = threading.Thread(target=other_writer)
            writer.start()
            writer.join(30)
            assert done.is_set(), "the second writer waited for the first one's open transaction"
            before = _stamp(rt)
            open_one.commit()
        after = _stamp(rt)
        assert before is not None and after is not None and after[0] == before[0] + 1
    finally:
        engine.dispose()


def test_the_rest_ledger_serves_a_kept_page_written_once_and_shows_the_next_change(
        city: City, other: Runtime, client: TestClient, token) -> None:
    numbers = [report(city, GARBAGE, seq=s + 1) for s in range(3)]
    headers = token("leader")
    first = client.get("/api/v1/cases?page_size=100", headers=headers)
    assert first.status_code == 200, first.text
    kept = cases.list_cases(city.rt, city.actor("leader"), EVERYTHING, 1, 100)
    assert isinstance(kept, SharedAnswer) and kept.rendered == first.content  # written once, then served as is
    assert client.get("/api/v1/cases?page_size=100", headers=headers).content == first.content
    assert first.json()["total"] == 3 and [i["case_no"] for i in first.json()["items"]] == numbers[::-1]
    step(City(other, city.units, city.users), "acceptor", numbers[1], Action.REGISTER)  # another worker
    after = client.get("/api/v1/cases?page_size=100", headers=headers).json()
    assert {i["case_no"]: i["state"] for i in after["items"]}[numbers[1]] == CaseState.REGISTERED.value
