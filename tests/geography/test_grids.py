"""geography.test_grids."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, box

from citysteward.geography.domain.codes import AreaLevel, GridCode
from citysteward.geography.domain.index import GridIndex
from citysteward.kernel.errors import InvalidInput, OutsideCity

X0, Y0, STEP = 113.20, 35.20, 0.01
COMMUNITY = "410802001001"


def lattice(cols: int = 3, rows: int = 3) -> list[tuple[str, box]]:
    """cols×rows square grids, sequence numbered west→east, north→south."""
    xs = [X0 + i * STEP for i in range(cols + 1)]
    ys = [Y0 + j * STEP for j in range(rows + 1)]
    items = []
    seq = 1
    for r in range(rows - 1, -1, -1):  # north first
        for c in range(cols):
            items.append((f"{COMMUNITY}{seq:03d}", box(xs[c], ys[r], xs[c + 1], ys[r + 1])))
            seq += 1
    return items


@pytest.fixture(scope="module")
def index() -> GridIndex:
    return GridIndex(reversed(lattice()))  # input order must not matter


def code(seq: int) -> str:
    return f"{COMMUNITY}{seq:03d}"


def test_point_in_grid(index: GridIndex) -> None:
    assert len(index) == 9
    assert index.locate(X0 + 0.005, Y0 + 0.025) == code(1)  # north-west
    assert index.locate(X0 + 0.025, Y0 + 0.005) == code(9)  # south-east
    assert index.locate(X0 + 0.015, Y0 + 0.015) == code(5)
    assert index.bounds == pytest.approx((X0, Y0, X0 + 3 * STEP, Y0 + 3 * STEP))
    assert index.codes == tuple(code(i) for i in range(1, 10))


def test_border_points_get_the_smallest_code(index: GridIndex) -> None:
    xs = [X0 + i * STEP for i in range(4)]
    ys = [Y0 + j * STEP for j in range(4)]
    # shared edge between 4 (west) and 5 (east)
    assert index.locate(xs[1], Y0 + 0.015) == code(4)
    # shared edge between 2 (north) and 5 (south)
    assert index.locate(X0 + 0.015, ys[2]) == code(2)
    # corner shared by 1, 2, 4, 5
    assert index.locate(xs[1], ys[2]) == code(1)
    # outer boundary still belongs to its grid
    assert index.locate(xs[0], Y0 + 0.005) == code(7)
    assert index.locate(xs[3], ys[3]) == code(3)
    # the bulk path gives the same answers
    got = index.locate_many(
        np.array([xs[1], X0 + 0.015, xs[1], xs[0], xs[3]]),
        np.array([Y0 + 0.015, ys[2], ys[2], Y0 + 0.005, ys[3]]),
    )
    assert got.tolist() == [code(4), code(2), code(1), code(7), code(3)]


def test_outside(index: GridIndex) -> None:
    with pytest.raises(OutsideCity, match="该位置不在本市任何网格内") as err:
        index.locate(X0 - 0.001, Y0 + 0.005)
    assert "经度 113.199000" in err.value.message and "纬度 35.205000" in err.value.message
    assert err.value.code == "outside_city"
    assert index.locate_or_none(X0 + 1, Y0) is None
    with pytest.raises(InvalidInput):
        index.locate(200.0, 35.0)
    got = index.locate_many(np.array([X0 - 1, X0 + 0.005, np.nan, 500.0]), np.array([Y0, Y0 + 0.005, Y0, Y0]))
    assert got.tolist() == [None, code(7), None, None]
    assert got.dtype == object


def test_locate_many_agrees_with_locate(index: GridIndex) -> None:
    rng = np.random.default_rng(11)
    n = 3000
    lons = rng.uniform(X0 - 0.005, X0 + 3 * STEP + 0.005, n)
    lats = rng.uniform(Y0 - 0.005, Y0 + 3 * STEP + 0.005, n)
    # a third of the points exactly on lattice lines
    lines = X0 + rng.integers(0, 4, n // 3) * STEP
    lons[: n // 3] = lines
    got = index.locate_many(lons, lats)
    expected = [index.locate_or_none(x, y) for x, y in zip(lons, lats, strict=True)]
    assert got.tolist() == expected
    # and `locate`'s lattice shortcut gives what the grids' shapes alone give
    by_shape = []
    for x, y in zip(lons, lats, strict=True):
        try:
            by_shape.append(index.locate_by_shape(x, y))
        except OutsideCity:
            by_shape.append(None)
    assert expected == by_shape and sum(c is not None for c in by_shape) > n // 2
    # shape is kept
    assert index.locate_many(lons[:6].reshape(2, 3), lats[:6].reshape(2, 3)).shape == (2, 3)
    assert index.locate_many(np.array([]), np.array([])).shape == (0,)


def test_irregular_overlapping_and_multipart_grids() -> None:
    rng = np.random.default_rng(5)
    seeds = shapely.points(rng.uniform(0, 1, 300) * 0.2 + 113.1, rng.uniform(0, 1, 300) * 0.2 + 35.1)
    region = Point(113.2, 35.2).buffer(0.09)
    voronoi = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds)))
    cells = [c for c in (v.intersection(region) for v in voronoi) if not c.is_empty]
    items = [
        (f"410811{2 + i // 100:03d}{1 + (i // 10) % 10:03d}{1 + i % 10:03d}", c) for i, c in enumerate(cells)
    ]
    # a multipart grid, and one overlapping many others (bad data, but it must stay deterministic)
    twin_boxes = MultiPolygon([box(113.30, 35.10, 113.31, 35.11), box(113.32, 35.10, 113.33, 35.11)])
    items.append(("410811009001001", twin_boxes))
    items.append(("410811001001001", Point(113.2, 35.2).buffer(0.02)))  # smallest code
    idx = GridIndex(items)
    n = 20_000
    lons = rng.uniform(113.08, 113.34, n)
    lats = rng.uniform(35.08, 35.32, n)
    got = idx.locate_indices(lons, lats)
    tree = shapely.STRtree(np.array([g for _, g in sorted(items)], dtype=object))
    q, hits = tree.query(shapely.points(lons, lats), predicate="intersects")
    expected = np.full(n, -1)
    for i, g in zip(q[::-1], hits[::-1], strict=True):  # keep the smallest hit per point
        expected[i] = g if expected[i] == -1 else min(expected[i], g)
    assert (got == expected).all()
    assert idx.locate(113.205, 35.195) == "410811001001001"
    assert (got[(lons - 113.2) ** 2 + (lats - 35.2) ** 2 < 0.019**2] == 0).all()
    assert idx.locate(113.305, 35.105) == idx.locate(113.325, 35.105) == "410811009001001"


def test_index_rejects_bad_input() -> None:
    good = box(113.0, 35.0, 113.01, 35.01)
    with pytest.raises(InvalidInput, match="重复"):
        GridIndex([(code(1), good), (code(1), good)])
    with pytest.raises(InvalidInput, match="多边形"):
        GridIndex([(code(1), LineString([(113, 35), (113.1, 35.1)]))])
    with pytest.raises(InvalidInput, match="为空"):
        GridIndex([(code(1), shapely.Polygon())])
    with pytest.raises(InvalidInput, match="无效"):
        GridIndex([(code(1), shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]))])
    with pytest.raises(InvalidInput, match="15 位"):
        GridIndex([("41080200100100", good)])
    with pytest.raises(InvalidInput, match="为空"):
        GridIndex([])


def test_grid_code_parsing() -> None:
    gc = GridCode.parse(" 410802003012007 ")
    assert gc.value == "410802003012007" and str(gc) == "410802003012007"
    assert gc.division_code == "410802"
    assert gc.street_code == "410802003"
    assert gc.community_code == "410802003012"
    assert gc.sequence == 7
    assert GridCode.parse(410802003012007) == gc
    assert GridCode.build("410802", 3, 12, 7) == gc
    assert GridCode.parse(gc) is gc
    assert GridCode("410802003012007") < GridCode("410802003012008")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "41080200301200",
        "4108020030120071",
        "41080200301200a",
        "４１０８０２００３０１２００７",
        "010802003012007",
        "410802000012007",
        "410802003000007",
        "410802003012000",
        None,
        4.1,
    ],
)
def test_grid_code_rejects(bad: object) -> None:
    with pytest.raises(InvalidInput):
        GridCode.parse(bad)


def test_area_levels() -> None:
    assert AreaLevel.of_code("410802") is AreaLevel.DISTRICT
    assert AreaLevel.of_code("410802003") is AreaLevel.STREET
    assert AreaLevel.of_code("410802003012") is AreaLevel.COMMUNITY
    assert AreaLevel.of_code("410802003012007") is AreaLevel.GRID
    assert AreaLevel.GRID.parent is AreaLevel.COMMUNITY and AreaLevel.DISTRICT.parent is None
    assert AreaLevel.STREET.label == "街道（乡镇）"
    for bad in ("4108020", "abcdef", ""):
        with pytest.raises(InvalidInput):
            AreaLevel.of_code(bad)
