"""The areas' change stamp (migration 0019): every change to the areas or the grids raises it, on SQLite
and PostgreSQL, and a worker keeps what it derives from the outlines (the point → grid index, the names,
the map layers) under it: an import in one worker is seen by another at its next stamp check, and while
the stamp stays the same nothing is derived again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text

from citysteward.geography import services as areas
from citysteward.geography.ports import unit_of_work
from citysteward.kernel.actor import Actor
from citysteward.platform.db import make_engine
from citysteward.platform.runtime import Runtime
from citysteward.unit_of_work import SqlUnitOfWorkFactory


def _stamp(rt: Runtime) -> tuple[int, str] | None:
    with unit_of_work(rt, readonly=True) as uow:
        return uow.areas.change_stamp()


def _renamed(rt: Runtime, code: str, name: str) -> dict[str, Any]:
    with unit_of_work(rt, readonly=True) as uow:
        grid = uow.areas.grid(code)
    assert grid is not None
    return {"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": grid["geometry"], "properties": {"code": code, "name": name, "level": "grid"}}]}


def _eventually(check: Callable[[], bool]) -> bool:
    """The other worker's refresh runs in a thread of its own: poll (bounded, nothing timed is asserted)."""
    for _ in range(500):
        if check():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def other(rt: Runtime, db_url: str) -> Iterator[Runtime]:
    """A second worker on the same database: its own engine, caches and kept values."""
    engine = make_engine(db_url)
    yield Runtime(uow=SqlUnitOfWorkFactory(engine), settings=rt.settings)
    engine.dispose()


def test_every_change_to_the_areas_or_grids_raises_the_stamp(rt: Runtime) -> None:
    n, epoch = _stamp(rt) or (0, "")
    code = sorted(areas.area_names(rt))[-1]
    areas.import_areas(rt, Actor.system("测试"), _renamed(rt, code, "改名后的网格"))
    raised = _stamp(rt)
    assert raised is not None and raised[0] > n and raised[1] == epoch
    engine = make_engine(rt.settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM grid_members"))
        conn.execute(text("DELETE FROM grids WHERE code = :c"), {"c": code})
    assert (_stamp(rt) or (0, ""))[0] > raised[0]
    with engine.begin() as conn:  # as a restore leaves it: the row gone
        conn.execute(text("DELETE FROM area_change_stamp"))
        conn.execute(text("UPDATE areas SET name = name"))
    engine.dispose()
    again = _stamp(rt)
    assert again is not None and again[1] != epoch  # written anew: a count that starts over is a new stamp


def test_another_worker_sees_an_import_at_its_next_check_and_derives_nothing_while_unchanged(
        rt: Runtime, other: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(areas, "STAMP_CHECK", 0.0)  # every call looks at the stamp (in the background)
    calls: list[int] = []
    lock = threading.Lock()

    def derive() -> int:
        with lock:
            calls.append(1)
            return len(calls)

    index = areas.grid_index(other)
    code = sorted(c for c in areas.area_names(other) if len(c) == 15)[0]
    assert areas.kept(other, "probe", derive) == 1
    for _ in range(20):  # stamp checks come and go; the stamp stays
        assert areas.kept(other, "probe", derive) == 1
        time.sleep(0.005)
    assert _eventually(lambda: not other.cache._loads)  # every check has finished
    assert calls == [1] and areas.grid_index(other) is index

    areas.import_areas(rt, Actor.system("测试"), _renamed(rt, code, "改名后的网格"))
    assert _eventually(lambda: areas.area_names(other).get(code) == "改名后的网格")
    assert _eventually(lambda: areas.kept(other, "probe", derive) == 2)
    assert _eventually(lambda: areas.grid_index(other) is not index)
