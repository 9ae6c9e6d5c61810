"""kernel.test_geo."""

from __future__ import annotations

import math

import numpy as np
import pytest

from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.geo import (
    CoordSys,
    bd09_to_gcj02,
    bd09_to_wgs84,
    bd09_to_wgs84_array,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    gcj02_to_wgs84_array,
    haversine_m,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
    wgs84_to_gcj02_array,
)

# Published reference values for (116.404, 39.915) used across the common open-source implementations
# (e.g. the coordtransform README).
REF = (116.404, 39.915)


def close(a: tuple[float, float], b: tuple[float, float], tol: float) -> bool:
    return abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol


def test_known_pairs() -> None:
    assert close(wgs84_to_gcj02(*REF), (116.41024449916938, 39.91640428150164), 1e-9)
    assert close(gcj02_to_bd09(*REF), (116.41036949371029, 39.92133699351021), 1e-9)
    # the usual closed-form BD-09 inverse is good to ~1e-6; ours is refined to an exact inverse
    assert close(bd09_to_gcj02(*REF), (116.39762729119315, 39.90865673957631), 1e-6)
    assert close(wgs84_to_bd09(*REF), (116.41662724378733, 39.922699552216216), 1e-9)
    # the exact inverse is close to (but better than) the common one-step approximation
    assert close(gcj02_to_wgs84(*REF), (116.39775550083061, 39.91359571849836), 2e-5)


def test_offset_magnitude_in_jiaozuo() -> None:
    lon, lat = 113.2418, 35.2159
    g = wgs84_to_gcj02(lon, lat)
    shift = haversine_m(lon, lat, *g)
    assert 100 < shift < 1000  # GCJ-02 shifts by a few hundred metres


@pytest.mark.parametrize("seed", [1, 2])
def test_round_trips(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for lon, lat in zip(rng.uniform(75, 135, 200), rng.uniform(18, 53, 200), strict=True):
        assert close(gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat)), (lon, lat), 1e-6)
        assert close(wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat)), (lon, lat), 1e-6)
        assert close(bd09_to_gcj02(*gcj02_to_bd09(lon, lat)), (lon, lat), 1e-6)
        assert close(bd09_to_wgs84(*wgs84_to_bd09(lon, lat)), (lon, lat), 1e-6)


def test_arrays_match_scalars() -> None:
    rng = np.random.default_rng(3)
    lons = rng.uniform(100, 120, 500)
    lats = rng.uniform(20, 45, 500)
    g_lon, g_lat = wgs84_to_gcj02_array(lons, lats)
    w_lon, w_lat = gcj02_to_wgs84_array(g_lon, g_lat)
    assert np.max(np.abs(w_lon - lons)) < 1e-6 and np.max(np.abs(w_lat - lats)) < 1e-6
    bd = np.array([wgs84_to_bd09(x, y) for x, y in zip(lons, lats, strict=True)])
    b_lon, b_lat = bd09_to_wgs84_array(bd[:, 0], bd[:, 1])
    assert np.max(np.abs(b_lon - lons)) < 1e-6 and np.max(np.abs(b_lat - lats)) < 1e-6
    for i in range(0, 500, 50):
        assert close((g_lon[i], g_lat[i]), wgs84_to_gcj02(lons[i], lats[i]), 1e-12)
        assert close((w_lon[i], w_lat[i]), gcj02_to_wgs84(g_lon[i], g_lat[i]), 1e-9)
    # outside China untouched in the array form too
    o_lon, o_lat = gcj02_to_wgs84_array(np.array([-0.1276, 139.7]), np.array([51.5072, 35.68]))
    assert o_lon.tolist() == [-0.1276, 139.7] and o_lat.tolist() == [51.5072, 35.68]


@pytest.mark.parametrize("point", [(-0.1276, 51.5072), (139.6917, 35.6895), (-74.006, 40.7128), (0.0, 0.0)])
def test_outside_china_unchanged(point: tuple[float, float]) -> None:
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point
    assert bd09_to_wgs84(*point) == point
    assert to_wgs84(*point, crs="gcj02") == point


def test_to_wgs84_by_declared_system() -> None:
    wgs = (113.2418, 35.2159)
    gcj = wgs84_to_gcj02(*wgs)
    bd = gcj02_to_bd09(*gcj)
    assert to_wgs84(*wgs) == wgs
    assert close(to_wgs84(*gcj, crs=CoordSys.GCJ02), wgs, 1e-7)
    assert close(to_wgs84(*bd, crs="bd09"), wgs, 1e-7)
    assert close(to_wgs84(*bd, crs="BD-09"), wgs, 1e-7)
    with pytest.raises(InvalidInput, match="不支持的坐标系"):
        to_wgs84(*wgs, crs="epsg:3857")


def test_labels() -> None:
    assert CoordSys.WGS84.label == "WGS-84"
    assert "高德" in CoordSys.GCJ02.label and "百度" in CoordSys.BD09.label
    assert [c.value for c in CoordSys] == ["wgs84", "gcj02", "bd09"]


@pytest.mark.parametrize(
    ("lon", "lat", "word"),
    [
        (181.0, 30.0, "经度"),
        (-180.5, 30.0, "经度"),
        (113.0, 90.1, "纬度"),
        (113.0, -91.0, "纬度"),
        (math.nan, 30.0, "经度"),
        (113.0, math.inf, "纬度"),
    ],
)
def test_bad_ranges(lon: float, lat: float, word: str) -> None:
    for fn in (wgs84_to_gcj02, gcj02_to_wgs84, bd09_to_wgs84, to_wgs84):
        with pytest.raises(InvalidInput, match=word):
            fn(lon, lat)
    with pytest.raises(InvalidInput, match=word):
        gcj02_to_wgs84_array(np.array([113.0, lon]), np.array([35.0, lat]))
    with pytest.raises(InvalidInput):
        haversine_m(lon, lat, 113.0, 35.0)


def test_bad_types() -> None:
    with pytest.raises(InvalidInput, match="数字"):
        to_wgs84("东经", 35.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="长度不一致"):
        gcj02_to_wgs84_array(np.zeros(3), np.zeros(2))


def test_haversine() -> None:
    assert haversine_m(113.0, 35.0, 113.0, 35.0) == 0.0
    assert haversine_m(113.0, 35.0, 113.0, 36.0) == pytest.approx(111_195, rel=1e-3)
    # Beijing (Tiananmen) to Shanghai (People's Square): about 1,068 km
    assert haversine_m(116.3975, 39.9087, 121.4737, 31.2304) == pytest.approx(1_067_000, rel=0.01)
    assert haversine_m(0.0, 0.0, 180.0, 0.0) == pytest.approx(math.pi * 6371008.8)
