"""Group commit: shared transactions, isolated failures, and unique case numbers under concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType

import pytest
from sqlalchemy import bindparam, text

from citysteward.cases.domain.ledger import CaseFilter
from citysteward.cases.services import actions as cases
from citysteward.cases.services import intake
from citysteward.kernel.errors import InvalidInput
from citysteward.platform.groupcommit import GroupCommit
from tests.conftest import City, grid_point


class FakeUow:
    commits: list[list[int]] = []

    def __init__(self) -> None:
        self.items: list[int] = []

    def __enter__(self) -> FakeUow:
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        return None

    def commit(self) -> None:
        FakeUow.commits.append(self.items)


def test_one_bad_item_fails_alone_and_the_rest_commit() -> None:
    FakeUow.commits = []
    gate = threading.Event()

    def write(uow: FakeUow, item: int) -> int:  # type: ignore[override]
        gate.wait(5)
        if item == 3:
            raise ValueError("bad item")
        uow.items.append(item)
        return item * 10

    gc: GroupCommit[int, int] = GroupCommit(FakeUow, write)  # type: ignore[arg-type]
    results: dict[int, object] = {}

    def submit(i: int) -> None:
        try:
            results[i] = gc.submit(i)
        except ValueError as exc:
            results[i] = exc

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(10)
    assert isinstance(results[3], ValueError)
    assert {k: v for k, v in results.items() if k != 3} == {0: 0, 1: 10, 2: 20, 4: 40, 5: 50}
    committed = sorted(i for batch in FakeUow.commits for i in batch)
    assert committed == [0, 1, 2, 4, 5]


def test_what_comes_in_while_the_writer_waits_for_the_database_joins_its_batch() -> None:
    """The writer gathers its batch once it holds the database: items queued while it waited for the write
    lock (another worker writing) are written with the first, not after another wait."""
    FakeUow.commits = []
    opening, held = threading.Event(), threading.Event()

    def open_uow() -> FakeUow:
        opening.set()
        assert held.wait(5)  # the lock another worker holds
        return FakeUow()

    def write_many(uow: FakeUow, items: list[int]) -> list[int]:
        uow.items.extend(items)
        return [i * 10 for i in items]

    gc: GroupCommit[int, int] = GroupCommit(open_uow, lambda uow, i: write_many(uow, [i])[0],  # type: ignore[arg-type]
                                            write_many=write_many)  # type: ignore[arg-type]
    first = gc.enqueue(1)
    assert opening.wait(5)  # the writer took the first item and waits for the database
    later = [gc.enqueue(i) for i in (2, 3, 4)]
    held.set()
    assert [f.result(5) for f in (first, *later)] == [10, 20, 30, 40]
    assert FakeUow.commits == [[1, 2, 3, 4]]  # one transaction for all four


def test_concurrent_reports_get_unique_consecutive_numbers(city: City) -> None:
    lon, lat = grid_point(1, 2)
    actor = city.actor("hotline")

    inspector = city.actor("inspector")

    def one(i: int) -> str:
        # every fifth is an inspector's on-the-spot fix: written one by one inside the shared batch
        self_handled = i % 5 == 0
        data = intake.ReportInput(category_code="06010", description=f"第{i}件", lon=lon, lat=lat,
                                  self_handled=self_handled)
        result = intake.report_case(city.rt, data, inspector if self_handled else actor)
        assert result.state == ("checked" if self_handled else "reported")
        return result.case_no

    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(one, range(40)))
    assert len(set(numbers)) == 40
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 41))
    listed = cases.list_cases(city.rt, city.actor("leader"), CaseFilter(), page_size=50)
    assert listed["total"] == 40
    with pytest.raises(InvalidInput):
        intake.report_case(city.rt, intake.ReportInput(category_code="06010", description="x", lon=lon, lat=lat,
                                                       photo_ids=(99999,)), actor)
    assert cases.list_cases(city.rt, city.actor("leader"), CaseFilter(), page_size=50)["total"] == 40


def test_a_batch_is_written_with_multi_row_statements(city: City) -> None:
    """Drive the batch path directly: numbers are consecutive and each case has its report event."""
    lon, lat = grid_point(2, 3)
    actor = city.actor("hotline")
    prepared = [intake._prepare(city.rt, intake.ReportInput(category_code="06010", description=f"批{i}", lon=lon,
                                                            lat=lat), actor) for i in range(5)]
    with city.rt.uow() as uow:
        results = intake._write_many(city.rt, uow, prepared)
        uow.commit()
    assert [int(r.case_no.rsplit("-", 1)[1]) for r in results] == [1, 2, 3, 4, 5]
    assert len({r.id for r in results}) == 5
    for i, r in enumerate(results):  # each id is its own report's, in the batch's order
        detail = cases.case_detail(city.rt, r.case_no, city.actor("leader"))
        assert detail.id == r.id and detail.description == f"批{i}"
        assert [e.action for e in detail.timeline] == ["report"]
    with city.rt.uow(readonly=True) as uow:
        linked = uow.conn.execute(text("SELECT c.description FROM case_events e JOIN cases c ON c.id = e.case_id "
                                       "WHERE e.case_id IN :ids").bindparams(bindparam("ids", expanding=True)),
                                  {"ids": [r.id for r in results]}).scalars().all()
    assert sorted(linked) == [f"批{i}" for i in range(5)]  # each step on its own case
