"""Roads and components in the synthetic city of tests/conftest.py (113.20–113.24 E, 35.20–35.24 N)."""

from __future__ import annotations

from typing import Any

import pytest

from citysteward.assets.services import roads as road_services
from citysteward.cases.domain.routing import ResponsibilityRule
from tests.conftest import City

# 南通路 runs north–south through the first community; 站前路 crosses it east–west.
NANTONG = [[113.205, 35.203], [113.205, 35.237]]
ZHANQIAN = [[113.201, 35.225], [113.239, 35.225]]
ON_NANTONG = (113.2052, 35.215)  # about 18 m east of 南通路's centre line
FAR_FROM_ROADS = (113.235, 35.205)


def road_feature(name: str, coords: list[list[float]], cls: str = "主干路", **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"name": name, "road_class": cls, **props}}


def roads_collection() -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [
        road_feature("南通路", NANTONG, "次干路", district_code="410802"),
        road_feature("站前路", ZHANQIAN, "主干路", district_code="410802", handed_over=False,
                     interim_body="王褚街道"),
    ]}


@pytest.fixture
def roads(city: City) -> dict[str, int]:
    road_services.import_roads(city.rt, city.actor("admin"), roads_collection())
    return {r.name: r.id for r in road_services.list_roads(city.rt)}


@pytest.fixture
def road_rule(city: City, roads: dict[str, int]) -> int:
    """市城投 answers for 南通路 (the seeds' corner disputed with the district)."""
    with city.rt.uow() as uow:
        city.units["chengtou"] = uow.org.add_unit({"code": "chengtou", "name": "市城投", "kind": "other",
                                                   "active": True})
        rule_id = uow.rules.add(ResponsibilityRule(id=0, main_unit_id=city.units["chengtou"], category_class="06",
                                                       road="南通路"))
        uow.commit()
    city.rt.cache.drop()
    return rule_id
