"""Each worker loads its reference data when it starts (bootstrap.py `warm`, run by the app's lifespan), so
the first reports after a start do not wait a second for the grid index; a database without grids yet
still starts, and the index is then built on first use."""

from __future__ import annotations

import gc
import json
import logging
from pathlib import Path

import pytest
import shapely.affinity
from fastapi.testclient import TestClient
from shapely.geometry import mapping, shape
from sqlalchemy import select, update

from citysteward.bootstrap import create_app
from citysteward.config import Settings
from citysteward.geography import services as geography_services
from citysteward.geography import tables as geography_tables
from citysteward.geography.domain.index import GridIndex
from citysteward.platform.db import make_engine
from citysteward.platform.migrate import upgrade
from citysteward.platform.runtime import Runtime
from citysteward.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import City

REFERENCE = ("grid_index", "area_names", "catalogue", "unit_names")


def test_a_starting_worker_loads_its_reference_data_before_the_first_request(rt: Runtime, city: City) -> None:
    app = create_app(runtime=rt)
    assert not rt.cache.holds("grid_index")  # nothing has located a point yet
    with TestClient(app) as client:  # the lifespan runs: startup before the first request
        assert all(rt.cache.holds(key) for key in REFERENCE)
        assert client.get("/healthz").status_code == 200


def test_a_city_without_grids_still_starts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    upgrade(url)
    engine = make_engine(url)
    try:
        rt = Runtime(uow=SqlUnitOfWorkFactory(engine), settings=Settings(database_url=url, media_dir=tmp_path / "m"))
        with caplog.at_level(logging.WARNING), TestClient(create_app(runtime=rt)) as client:
            assert client.get("/healthz").status_code == 200
        assert "reference data not preloaded (grid_index)" in caplog.text
        assert not rt.cache.holds("grid_index")
    finally:
        engine.dispose()


def test_a_worker_application_freezes_its_start_up_heap_once_its_data_is_loaded(rt: Runtime) -> None:
    """Later full collections walk only what was made after the start (platform/heap.py)."""
    gc.unfreeze()
    try:
        with TestClient(create_app(rt.settings, rt, settle_heap=True)) as client:
            frozen = gc.get_freeze_count()
            assert frozen > 10_000  # modules, routes and the reference data loaded in the lifespan
            assert rt.cache.holds("grid_index")
            assert client.get("/healthz").status_code == 200
        with TestClient(create_app(rt.settings, rt)):
            assert gc.get_freeze_count() <= frozen  # an ordinary application freezes nothing more
    finally:
        gc.unfreeze()


def test_a_refresh_that_reads_the_same_grids_keeps_the_index_and_a_changed_grid_rebuilds_it(
        rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[int] = []
    real = GridIndex.__init__

    def counting(self: GridIndex, *args: object, **kw: object) -> None:
        builds.append(1)
        real(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(GridIndex, "__init__", counting)
    first = geography_services.grid_index(rt)
    rt.cache.drop("grid_index")  # as the minute's refresh would: read the grids again
    again = geography_services.grid_index(rt)
    assert again is first and len(builds) == 1
    with rt.uow() as uow:  # another worker moves one grid's boundary a little
        grids = geography_tables.grids
        code, geometry = uow.conn.execute(select(grids.c.code, grids.c.geometry).order_by(grids.c.code).limit(1)).one()
        moved = mapping(shapely.affinity.scale(shape(geometry), 1.000001, 1.000001))
        uow.conn.execute(update(grids).where(grids.c.code == code).values(geometry=json.loads(json.dumps(moved))))
        uow.commit()
    rt.cache.drop("grid_index")
    rebuilt = geography_services.grid_index(rt)
    assert rebuilt is not first and len(builds) == 2
