"""demo.test_demo_areas."""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from citysteward.demo.areas import DemoAreas, build_demo_areas
from citysteward.geography.domain.index import GridIndex

CHINESE = re.compile(r"^[\u4e00-\u9fff]+$")


@pytest.fixture(scope="module")
def demo() -> DemoAreas:
    return build_demo_areas()


def features(fc: dict) -> list[dict]:
    assert fc["type"] == "FeatureCollection"
    return fc["features"]


def test_four_districts_with_chinese_names(demo: DemoAreas) -> None:
    names = {f["properties"]["code"]: f["properties"]["name"] for f in features(demo.districts)}
    assert names == {"410802": "解放区", "410803": "中站区", "410804": "马村区", "410811": "山阳区"}
    for f in features(demo.districts):
        assert f["properties"]["level"] == "district"
        assert f["properties"]["parent_code"] == "410800"
        lon, lat = shape(f["geometry"]).representative_point().coords[0]
        assert 113.0 < lon < 113.5 and 35.0 < lat < 35.4  # WGS-84 around Jiaozuo


def test_counts_and_names(demo: DemoAreas) -> None:
    assert len(features(demo.grids)) >= 2000
    streets = features(demo.streets)
    per_district = defaultdict(int)
    for f in streets:
        per_district[f["properties"]["parent_code"]] += 1
        assert f["properties"]["name"].endswith("街道")
    assert all(4 <= n <= 9 for n in per_district.values()) and len(per_district) == 4
    assert {"焦西街道", "光亚街道", "府城街道", "待王街道"} <= {f["properties"]["name"] for f in streets}
    for fc in (demo.districts, demo.streets, demo.communities):
        for f in features(fc):
            assert CHINESE.match(f["properties"]["name"]), f["properties"]
    for f in features(demo.communities):
        assert f["properties"]["name"].endswith("社区")


def test_codes_nest_and_are_unique(demo: DemoAreas) -> None:
    lengths = {"district": 6, "street": 9, "community": 12, "grid": 15}
    known: set[str] = {"410800"}
    for level, fc in demo.levels():
        codes = [f["properties"]["code"] for f in features(fc)]
        assert len(codes) == len(set(codes)), level
        for f in features(fc):
            p = f["properties"]
            assert p["level"] == level
            assert len(p["code"]) == lengths[level] and p["code"].isdigit()
            assert p["parent_code"] in known, p
            if level != "district":
                assert p["code"].startswith(p["parent_code"])
                assert p["code"][-3:] != "000"
            assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        known |= set(codes)


def test_grid_sequences_are_consecutive(demo: DemoAreas) -> None:
    seqs = defaultdict(list)
    for f in features(demo.grids):
        seqs[f["properties"]["parent_code"]].append(int(f["properties"]["code"][-3:]))
    assert len(seqs) == len(features(demo.communities))
    for community, numbers in seqs.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), community


def test_grids_lie_in_their_district_and_cover_it(demo: DemoAreas) -> None:
    districts = {f["properties"]["code"]: shape(f["geometry"]) for f in features(demo.districts)}
    by_district = defaultdict(list)
    for code, geom in demo.grid_geometries():
        by_district[code[:6]].append(geom)
    for code, district in districts.items():
        grids = np.array(by_district[code], dtype=object)
        assert shapely.covers(district.buffer(1e-7), grids).all(), code
        # no gaps, no overlaps: grid areas add up to the district
        assert shapely.area(grids).sum() == pytest.approx(district.area, rel=1e-6)
    # grids are not slivers: >= 10% of a lattice cell (cells are ~500 m × 500 m)
    cell = (500 / 111_000) ** 2 / np.cos(np.radians(35.2))
    smallest = min(g.area for _, g in demo.grid_geometries())
    assert smallest >= 0.09 * cell


def test_index_over_demo_grids(demo: DemoAreas) -> None:
    index = GridIndex(demo.grid_geometries())
    assert len(index) == len(features(demo.grids))
    for f in features(demo.streets)[:8]:
        p = shape(f["geometry"]).representative_point()
        assert index.locate(p.x, p.y).startswith(f["properties"]["code"])


def test_roads(demo: DemoAreas) -> None:
    names = {r["name"] for r in demo.roads}
    assert {"人民路", "解放路", "民主路", "塔南路"} <= names
    city = shapely.union_all([shape(f["geometry"]) for f in features(demo.districts)]).buffer(1e-6)
    for road in demo.roads:
        line = shapely.LineString(road["coordinates"])
        assert len(road["coordinates"]) >= 2 and line.length > 0.02
        assert city.covers(line), road["name"]


def test_deterministic() -> None:
    a = build_demo_areas(cell_m=1500)
    b = build_demo_areas(cell_m=1500)
    assert a.grids == b.grids and a.communities == b.communities and a.roads == b.roads
    assert 100 < len(a.grids["features"]) < 2000
