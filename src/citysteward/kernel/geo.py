"""Coordinate systems and conversions (坐标系).

CitySteward keeps every location in WGS-84.  Phones and web maps in China report GCJ-02 (the
state-mandated obfuscated system used by AMap, Tencent Maps and WeChat) or BD-09 (Baidu's further
offset of GCJ-02); callers declare which one they send and we convert at the edge.

The GCJ-02 forward transform is the well-known public algorithm (Krasovsky 1940 ellipsoid plus a
trigonometric distortion of the longitude/latitude offsets from (105°E, 35°N)).  It has no closed-form
inverse, so `gcj02_to_wgs84` solves it by fixed-point iteration, which converges to ~1e-9° in a
handful of steps because the distortion is nearly a translation.

Outside China (a rough bounding box, as every implementation uses) no offset is applied: the three
systems coincide there, BD-09 included.
"""

from __future__ import annotations

import enum
import math

import numpy as np
import numpy.typing as npt

from citysteward.kernel.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]

# Krasovsky 1940 ellipsoid, the one GCJ-02 is defined on.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
# BD-09 constant: π · 3000 / 180.
_BD_X_PI = math.pi * 3000.0 / 180.0
_BD_DLON = 0.0065
_BD_DLAT = 0.006
# Mean Earth radius (IUGG) for great-circle distances.
EARTH_RADIUS_M = 6371008.8

_INVERSE_TOLERANCE = 1e-10
_INVERSE_MAX_STEPS = 30


class CoordSys(enum.StrEnum):
    """A coordinate system a caller may declare for a location."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"

    @property
    def label(self) -> str:
        return {
            "wgs84": "WGS-84",
            "gcj02": "GCJ-02 火星坐标 (高德/腾讯/微信)",
            "bd09": "BD-09 百度",
        }[self.value]

    @classmethod
    def parse(cls, value: CoordSys | str) -> CoordSys:
        if isinstance(value, CoordSys):
            return value
        key = str(value).strip().lower().replace("-", "").replace("_", "")
        try:
            return cls(key)
        except ValueError:
            allowed = "、".join(c.value for c in cls)
            raise InvalidInput(f"不支持的坐标系：{value}（可选 {allowed}）", {"crs": str(value)}) from None


# --------------------------------------------------------------------------------------------------
# validation


def validate_lonlat(lon: float, lat: float) -> tuple[float, float]:
    """Return (lon, lat) as floats, or raise InvalidInput for NaN/inf/out-of-range values."""

    try:
        x = float(lon)
        y = float(lat)
    except (TypeError, ValueError):
        raise InvalidInput("经纬度必须是数字", {"lon": lon, "lat": lat}) from None
    if not math.isfinite(x) or not -180.0 <= x <= 180.0:
        raise InvalidInput(f"经度必须在 -180 到 180 之间（收到 {lon}）", {"lon": lon})
    if not math.isfinite(y) or not -90.0 <= y <= 90.0:
        raise InvalidInput(f"纬度必须在 -90 到 90 之间（收到 {lat}）", {"lat": lat})
    return x, y


def _validate_arrays(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(lons, dtype=np.float64)
    y = np.asarray(lats, dtype=np.float64)
    if x.shape != y.shape:
        raise InvalidInput("经度与纬度数组长度不一致", {"lons": x.shape, "lats": y.shape})
    bad_x = ~(np.abs(x) <= 180.0)  # also catches NaN
    if bad_x.any():
        first = x[bad_x].flat[0]
        raise InvalidInput(f"经度必须在 -180 到 180 之间（收到 {first}）", {"count": int(bad_x.sum())})
    bad_y = ~(np.abs(y) <= 90.0)
    if bad_y.any():
        first = y[bad_y].flat[0]
        raise InvalidInput(f"纬度必须在 -90 到 90 之间（收到 {first}）", {"count": int(bad_y.sum())})
    return x, y


# --------------------------------------------------------------------------------------------------
# scalar conversions


def in_china(lon: float, lat: float) -> bool:
    """The rough bounding box inside which GCJ-02 applies an offset."""

    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


def _gcj_offset(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 minus WGS-84 at a WGS-84 position (degrees); zero outside China."""

    if not in_china(lon, lat):
        return 0.0, 0.0
    x = lon - 105.0
    y = lat - 35.0
    pi = math.pi
    shared = (20.0 * math.sin(6.0 * x * pi) + 20.0 * math.sin(2.0 * x * pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + shared
    d_lat += (20.0 * math.sin(y * pi) + 40.0 * math.sin(y / 3.0 * pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * pi) + 320.0 * math.sin(y * pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + shared
    d_lon += (20.0 * math.sin(x * pi) + 40.0 * math.sin(x / 3.0 * pi)) * 2.0 / 3.0
    d_lon += (150.0 * math.sin(x / 12.0 * pi) + 300.0 * math.sin(x / 30.0 * pi)) * 2.0 / 3.0

    rad_lat = lat / 180.0 * pi
    s = math.sin(rad_lat)
    magic = 1.0 - _KRASOVSKY_EE * s * s
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * pi)
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    lon, lat = validate_lonlat(lon, lat)
    d_lon, d_lat = _gcj_offset(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Inverse of `wgs84_to_gcj02` by fixed-point iteration (round trip within ~1e-9°)."""

    lon, lat = validate_lonlat(lon, lat)
    if not in_china(lon, lat):
        return lon, lat
    w_lon, w_lat = lon, lat
    for _ in range(_INVERSE_MAX_STEPS):
        d_lon, d_lat = _gcj_offset(w_lon, w_lat)
        e_lon = w_lon + d_lon - lon
        e_lat = w_lat + d_lat - lat
        w_lon -= e_lon
        w_lat -= e_lat
        if abs(e_lon) < _INVERSE_TOLERANCE and abs(e_lat) < _INVERSE_TOLERANCE:
            break
    return w_lon, w_lat


def _bd_forward(lon: float, lat: float) -> tuple[float, float]:
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_X_PI)
    return z * math.cos(theta) + _BD_DLON, z * math.sin(theta) + _BD_DLAT


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    lon, lat = validate_lonlat(lon, lat)
    if not in_china(lon, lat):
        return lon, lat
    return _bd_forward(lon, lat)


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Inverse of `gcj02_to_bd09`: the usual closed-form estimate, refined by fixed-point steps."""

    lon, lat = validate_lonlat(lon, lat)
    if not in_china(lon, lat):
        return lon, lat
    x = lon - _BD_DLON
    y = lat - _BD_DLAT
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    g_lon, g_lat = z * math.cos(theta), z * math.sin(theta)
    for _ in range(_INVERSE_MAX_STEPS):
        b_lon, b_lat = _bd_forward(g_lon, g_lat)
        e_lon = b_lon - lon
        e_lat = b_lat - lat
        g_lon -= e_lon
        g_lat -= e_lat
        if abs(e_lon) < _INVERSE_TOLERANCE and abs(e_lat) < _INVERSE_TOLERANCE:
            break
    return g_lon, g_lat


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def to_wgs84(lon: float, lat: float, crs: CoordSys | str = CoordSys.WGS84) -> tuple[float, float]:
    """Convert a point declared in `crs` to WGS-84 (validating ranges)."""

    sys = CoordSys.parse(crs)
    if sys is CoordSys.GCJ02:
        return gcj02_to_wgs84(lon, lat)
    if sys is CoordSys.BD09:
        return bd09_to_wgs84(lon, lat)
    return validate_lonlat(lon, lat)


def from_wgs84(lon: float, lat: float, crs: CoordSys | str) -> tuple[float, float]:
    """Convert a WGS-84 point to `crs` (for showing it on a Chinese web map)."""

    sys = CoordSys.parse(crs)
    if sys is CoordSys.GCJ02:
        return wgs84_to_gcj02(lon, lat)
    if sys is CoordSys.BD09:
        return wgs84_to_bd09(lon, lat)
    return validate_lonlat(lon, lat)


# --------------------------------------------------------------------------------------------------
# vectorised conversions (polygons, bulk imports)


def _in_china_array(x: FloatArray, y: FloatArray) -> npt.NDArray[np.bool_]:
    return (x >= 72.004) & (x <= 137.8347) & (y >= 0.8293) & (y <= 55.8271)


def _gcj_offset_array(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    shared = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    root = np.sqrt(np.abs(x))
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * root + shared
    d_lat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * root + shared
    d_lon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0

    rad_lat = lat / 180.0 * pi
    s = np.sin(rad_lat)
    magic = 1.0 - _KRASOVSKY_EE * s * s
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * pi)
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * pi)
    inside = _in_china_array(lon, lat)
    return np.where(inside, d_lon, 0.0), np.where(inside, d_lat, 0.0)


def wgs84_to_gcj02_array(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, y = _validate_arrays(lons, lats)
    d_lon, d_lat = _gcj_offset_array(x, y)
    return x + d_lon, y + d_lat


def gcj02_to_wgs84_array(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Vectorised `gcj02_to_wgs84`; returns new arrays of the input's shape."""

    x, y = _validate_arrays(lons, lats)
    w_lon = x.copy()
    w_lat = y.copy()
    if w_lon.size == 0:
        return w_lon, w_lat
    for _ in range(_INVERSE_MAX_STEPS):
        d_lon, d_lat = _gcj_offset_array(w_lon, w_lat)
        e_lon = w_lon + d_lon - x
        e_lat = w_lat + d_lat - y
        w_lon -= e_lon
        w_lat -= e_lat
        if max(float(np.max(np.abs(e_lon))), float(np.max(np.abs(e_lat)))) < _INVERSE_TOLERANCE:
            break
    return w_lon, w_lat


def _bd_forward_array(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_X_PI)
    return z * np.cos(theta) + _BD_DLON, z * np.sin(theta) + _BD_DLAT


def bd09_to_gcj02_array(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    x0, y0 = _validate_arrays(lons, lats)
    x = x0 - _BD_DLON
    y = y0 - _BD_DLAT
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    g_lon = z * np.cos(theta)
    g_lat = z * np.sin(theta)
    if g_lon.size:
        for _ in range(_INVERSE_MAX_STEPS):
            b_lon, b_lat = _bd_forward_array(g_lon, g_lat)
            e_lon = b_lon - x0
            e_lat = b_lat - y0
            g_lon -= e_lon
            g_lat -= e_lat
            if max(float(np.max(np.abs(e_lon))), float(np.max(np.abs(e_lat)))) < _INVERSE_TOLERANCE:
                break
    inside = _in_china_array(x0, y0)
    return np.where(inside, g_lon, x0), np.where(inside, g_lat, y0)


def bd09_to_wgs84_array(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    return gcj02_to_wgs84_array(*bd09_to_gcj02_array(lons, lats))


def to_wgs84_array(
    lons: npt.ArrayLike, lats: npt.ArrayLike, crs: CoordSys | str = CoordSys.WGS84
) -> tuple[FloatArray, FloatArray]:
    sys = CoordSys.parse(crs)
    if sys is CoordSys.GCJ02:
        return gcj02_to_wgs84_array(lons, lats)
    if sys is CoordSys.BD09:
        return bd09_to_wgs84_array(lons, lats)
    x, y = _validate_arrays(lons, lats)
    return x.copy(), y.copy()


# --------------------------------------------------------------------------------------------------
# distance


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points (spherical Earth)."""

    lon1, lat1 = validate_lonlat(lon1, lat1)
    lon2, lat2 = validate_lonlat(lon2, lat2)
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2.0) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
