"""Where the demo's problems are: points drawn inside the grids (busier near the centre) and an address
from the nearest demo road, or the community and a landmark away from the roads."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString

from citysteward.demo.areas import DemoAreas
from citysteward.demo.generator.words import DIRECTIONS, PLACE_NAMES

CITY_CENTRE = (113.245, 35.222)  # around 人民路/塔南路


@dataclass
class Places:
    lon: np.ndarray
    lat: np.ndarray
    grid: list[str]
    road: list[str | None]
    address: list[str]


def _grid_weights(areas: DemoAreas) -> tuple[list[str], list[Any], np.ndarray]:
    pairs = areas.grid_geometries()
    codes = [c for c, _ in pairs]
    geoms = [g for _, g in pairs]
    arr = np.array(geoms, dtype=object)
    area = shapely.area(arr)
    cent = shapely.centroid(arr)
    x, y = shapely.get_x(cent), shapely.get_y(cent)
    dx = (x - CITY_CENTRE[0]) * 91.0
    dy = (y - CITY_CENTRE[1]) * 111.0
    dist = np.hypot(dx, dy)
    weight = area * (0.12 + np.exp(-dist / 4.0))
    return codes, geoms, weight / weight.sum()


def _sample_in(geom: Any, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    minx, miny, maxx, maxy = geom.bounds
    xs_out: list[np.ndarray] = []
    ys_out: list[np.ndarray] = []
    have = 0
    shapely.prepare(geom)
    while have < k:
        m = max(8, 3 * (k - have))
        xs = rng.uniform(minx, maxx, m)
        ys = rng.uniform(miny, maxy, m)
        inside = shapely.contains_xy(geom, xs, ys)
        xs_out.append(xs[inside])
        ys_out.append(ys[inside])
        have += int(inside.sum())
    return np.concatenate(xs_out)[:k], np.concatenate(ys_out)[:k]


def draw_places(areas: DemoAreas, n: int, rng: np.random.Generator,
                prng: random.Random) -> tuple[Places, dict[str, Any]]:
    codes, geoms, p = _grid_weights(areas)
    choice = rng.choice(len(codes), size=n, p=p)
    lon = np.empty(n)
    lat = np.empty(n)
    order = np.argsort(choice, kind="stable")
    sorted_choice = choice[order]
    bounds = np.flatnonzero(np.diff(sorted_choice)) + 1
    for group in np.split(order, bounds):
        if not len(group):
            continue
        g = int(choice[group[0]])
        xs, ys = _sample_in(geoms[g], len(group), rng)
        lon[group] = xs
        lat[group] = ys
    grid = [codes[i] for i in choice]
    road, address = _addresses(areas, lon, lat, grid, prng)
    geom_by_code = dict(zip(codes, geoms, strict=True))
    return Places(lon, lat, grid, road, address), geom_by_code


def _addresses(areas: DemoAreas, lon: np.ndarray, lat: np.ndarray, grid: list[str],
               rng: random.Random) -> tuple[list[str | None], list[str]]:
    k = math.cos(math.radians(CITY_CENTRE[1]))  # work in a frame where x and y degrees are equal distances
    names = [r["name"] for r in areas.roads]
    lines = np.array([LineString([(x * k, y) for x, y in r["coordinates"]]) for r in areas.roads], dtype=object)
    community = {f["properties"]["code"]: f["properties"]["name"] for f in areas.communities["features"]}
    roads: list[str | None] = [None] * len(lon)
    addresses = [""] * len(lon)
    near_deg = 250 / 111_000
    if len(lines):
        pts = shapely.points(lon * k, lat)
        dist = shapely.distance(pts[:, None], lines[None, :])  # n x roads
        order = np.argsort(dist, axis=1)
    for i in range(len(lon)):
        if len(lines) and dist[i, order[i, 0]] <= near_deg:
            first = names[order[i, 0]]
            roads[i] = first
            second = names[order[i, 1]] if len(names) > 1 else None
            if second and dist[i, order[i, 1]] <= near_deg and rng.random() < 0.7:
                addresses[i] = f"{first}与{second}交叉口{rng.choice(DIRECTIONS)}"
            else:
                addresses[i] = f"{first}{rng.randrange(1, 1200)}号附近"
        else:
            addresses[i] = f"{community.get(grid[i][:12], '')}{rng.choice(PLACE_NAMES)}"
    return roads, addresses
