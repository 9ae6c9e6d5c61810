"""The demo stage of the citizen's side: the duplicate pair at a road crossing, the caller's history,
a follow and two alerts; a second run adds nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from shapely.geometry import box

from citysteward.cases.services import duplicates
from citysteward.citizens import services as citizens
from citysteward.demo import citizens as stage
from citysteward.demo.world import DemoWorld
from tests.conftest import City, grid_point

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_the_stage_seeds_a_duplicate_pair_once(city: City) -> None:
    lon, lat = grid_point(1, 3)
    areas = SimpleNamespace(  # the synthetic city's grid, with the two roads crossing in it
        roads=[{"name": "人民路", "coordinates": [[lon - 0.01, lat], [lon + 0.01, lat]]},
               {"name": "塔南路", "coordinates": [[lon, lat - 0.01], [lon, lat + 0.01]]}],
        grids={"features": [{"properties": {"code": "410802001001003"}}]},
        grid_geometries=lambda: [("410802001001003", box(lon - 0.005, lat - 0.005, lon + 0.005, lat + 0.005))])
    world = DemoWorld(areas, (), {}, 42)  # type: ignore[arg-type]
    said: list[str] = []
    stage.seed(city.rt, world, said.append)
    stage.seed(city.rt, world, said.append)
    assert len(said) == 1
    with city.rt.uow(readonly=True) as uow:
        earlier, first, call = uow.settings.get(stage.MARK)["cases"]
        assert len(uow.citizens.active_alerts(10)) == 2
    found = duplicates.likely_duplicates(city.rt, call)
    assert [c.case_no for c in found] == [first] and found[0].category_code == "01002"
    history = citizens.caller_history(city.rt, city.actor("hotline"), stage.CALLER)
    assert {i["case_no"] for i in history["items"]} == {earlier, call}
    assert [r["case_no"] for r in citizens.my_reports(city.rt, stage.NEIGHBOUR)] == [first]
