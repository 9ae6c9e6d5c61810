"""Point-to-grid location (网格定位).

`GridIndex` keeps every grid polygon in memory (WGS-84) in a shapely 2 `STRtree`.  A point belongs to
the grid whose polygon *covers* it (boundary included); a point on a border shared by several grids is
given to the one with the smallest code, so the answer is always exactly one grid, deterministically.
A point in no grid is an `OutsideCity` error: we never guess the nearest grid.

Bulk location (`locate_many`) uses a regular raster pre-index over the city's bounds, built once:

* a raster cell that no grid boundary comes near lies wholly inside one grid (or wholly outside all
  of them), so the table answers its points directly with one array lookup;
* a cell that a boundary may cross keeps a short list of candidate grids (ascending code); its points
  are tested exactly with `shapely.intersects_xy` against the candidates in order, first hit wins —
  the same rule `locate` applies with the `STRtree`.

"Near" is decided conservatively: boundaries are densified so that consecutive vertices are less than
one raster cell apart in each axis, and every cell holding a vertex is widened to its 3×3
neighbourhood, which contains every cell the boundary passes through.  Overlapping grids (bad input,
but possible) are handled too: a cell whose centre lies in two grids is treated as a boundary cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from citysteward.geography.domain.codes import GridCode
from citysteward.kernel.errors import InvalidInput, OutsideCity
from citysteward.kernel.geo import validate_lonlat

# --------------------------------------------------------------------------------------------------
# index

IntArray = npt.NDArray[np.int32]
ObjectArray = npt.NDArray[np.object_]


def _sorted_unique(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """np.unique for int keys via one sort (faster here than numpy 2's hash-based unique)."""

    if values.size == 0:
        return values
    s = np.sort(values)
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def _validated_geometry(code: str, geom: object) -> BaseGeometry:
    if not isinstance(geom, (Polygon, MultiPolygon)):
        kind = getattr(geom, "geom_type", type(geom).__name__)
        raise InvalidInput(f"网格 {code} 的边界必须是多边形（收到 {kind}）", {"code": code})
    if geom.is_empty:
        raise InvalidInput(f"网格 {code} 的边界为空", {"code": code})
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise InvalidInput(f"网格 {code} 的边界无效：{reason}", {"code": code, "reason": reason})
    return geom


class GridIndex:
    """In-memory point-to-grid index over WGS-84 grid polygons."""

    def __init__(
        self,
        grids: Iterable[tuple[str, BaseGeometry]],
        *,
        resolution: int = 16,
        max_raster_cells: int = 16_000_000,
    ) -> None:
        """`resolution`: raster cells per median grid width/height; capped by `max_raster_cells`."""

        items: dict[str, BaseGeometry] = {}
        for code, geom in grids:
            gc = GridCode.parse(code).value
            if gc in items:
                raise InvalidInput(f"网格编码重复：{gc}", {"code": gc})
            items[gc] = _validated_geometry(gc, geom)
        if not items:
            raise InvalidInput("网格列表为空，无法建立网格索引")
        codes = sorted(items)
        self._codes: tuple[str, ...] = tuple(codes)
        self._position = {c: i for i, c in enumerate(codes)}
        self._geoms: ObjectArray = np.empty(len(codes), dtype=object)
        self._geoms[:] = [items[c] for c in codes]
        shapely.prepare(self._geoms)
        self._tree = shapely.STRtree(self._geoms)
        # codes plus a trailing None: index -1 ("outside") maps to None.
        self._code_or_none: ObjectArray = np.empty(len(codes) + 1, dtype=object)
        self._code_or_none[: len(codes)] = codes
        minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(self._geoms))
        self._bounds = (minx, miny, maxx, maxy)
        self._build_raster(max(1, int(resolution)), max(1, int(max_raster_cells)))

    # ---------------------------------------------------------------------------------------------
    # raster pre-index

    def _build_raster(self, resolution: int, max_cells: int) -> None:
        geoms = self._geoms
        n = len(geoms)
        minx, miny, maxx, maxy = self._bounds
        gb = shapely.bounds(geoms)
        width = float(np.median(gb[:, 2] - gb[:, 0]))
        height = float(np.median(gb[:, 3] - gb[:, 1]))
        span_x = max(maxx - minx, 1e-9)
        span_y = max(maxy - miny, 1e-9)
        dx = max(width, 1e-9) / resolution
        dy = max(height, 1e-9) / resolution
        nx = int(span_x / dx) + 1
        ny = int(span_y / dy) + 1
        if nx * ny > max_cells:
            f = math.sqrt(nx * ny / max_cells)
            dx *= f
            dy *= f
            nx = int(span_x / dx) + 1
            ny = int(span_y / dy) + 1
        self._x0, self._y0 = minx, miny
        self._inv_dx, self._inv_dy = 1.0 / dx, 1.0 / dy
        self._nx, self._ny = nx, ny
        # the same as plain Python floats, for `locate` (numpy scalars are slower one at a time)
        self._fx0, self._fy0 = float(minx), float(miny)
        self._finv_dx, self._finv_dy = float(self._inv_dx), float(self._inv_dy)

        # 1. cells a boundary may pass through: densified boundary vertices, widened to 3×3.
        boundaries = shapely.segmentize(shapely.boundary(geoms), max_segment_length=0.99 * min(dx, dy))
        coords, owner = shapely.get_coordinates(boundaries, return_index=True)
        inv_dx, inv_dy = self._inv_dx, self._inv_dy
        sx = np.clip(np.floor((coords[:, 0] - minx) * inv_dx).astype(np.int64), 0, nx - 1)
        sy = np.clip(np.floor((coords[:, 1] - miny) * inv_dy).astype(np.int64), 0, ny - 1)
        owner = owner.astype(np.int64)
        base = _sorted_unique((sy * nx + sx) * n + owner)
        bcell = base // n
        bgrid = base % n
        bx = bcell % nx
        by = bcell // nx
        keys = []
        for oy in (-1, 0, 1):
            cy = np.clip(by + oy, 0, ny - 1)
            for ox in (-1, 0, 1):
                cx = np.clip(bx + ox, 0, nx - 1)
                keys.append((cy * nx + cx) * n + bgrid)
        boundary_keys = _sorted_unique(np.concatenate(keys))
        boundary_cells = _sorted_unique(boundary_keys // n)

        # 2. which grids cover each cell's centre (tested over each grid's bounding box of cells).
        ix0 = np.clip(np.floor((gb[:, 0] - minx) * inv_dx).astype(np.int64), 0, nx - 1)
        ix1 = np.clip(np.floor((gb[:, 2] - minx) * inv_dx).astype(np.int64), 0, nx - 1)
        iy0 = np.clip(np.floor((gb[:, 1] - miny) * inv_dy).astype(np.int64), 0, ny - 1)
        iy1 = np.clip(np.floor((gb[:, 3] - miny) * inv_dy).astype(np.int64), 0, ny - 1)
        cw = ix1 - ix0 + 1
        counts = cw * (iy1 - iy0 + 1)
        total = int(counts.sum())
        pair_grid = np.repeat(np.arange(n, dtype=np.int64), counts)
        local = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        pcw = cw[pair_grid]
        pcx = ix0[pair_grid] + local % pcw
        pcy = iy0[pair_grid] + local // pcw
        hit = shapely.intersects_xy(geoms[pair_grid], minx + (pcx + 0.5) * dx, miny + (pcy + 0.5) * dy)
        centre_keys = (pcy[hit] * nx + pcx[hit]) * n + pair_grid[hit]

        # 3. merge: per cell, its candidate grids in ascending order (= ascending code).
        all_keys = _sorted_unique(np.concatenate([boundary_keys, centre_keys]))
        key_cell = all_keys // n
        key_grid = (all_keys % n).astype(np.int32)
        starts = np.flatnonzero(np.concatenate([[True], key_cell[1:] != key_cell[:-1]]))
        cells = key_cell[starts]
        first = starts
        per_cell = np.diff(np.append(starts, key_cell.size))
        near_boundary = np.isin(cells, boundary_cells, assume_unique=True)
        pure = ~near_boundary & (per_cell == 1)
        mixed = ~pure

        table = np.full(nx * ny, -1, dtype=np.int32)
        table[cells[pure]] = key_grid[first[pure]]
        n_mixed = int(mixed.sum())
        table[cells[mixed]] = -2 - np.arange(n_mixed, dtype=np.int32)
        self._table = table
        self._cand = key_grid
        self._cand_start = first[mixed].astype(np.int64)
        self._cand_count = per_cell[mixed].astype(np.int32)
        self._max_cand = int(self._cand_count.max()) if n_mixed else 0
        self._mixed_cells = n_mixed

    # ---------------------------------------------------------------------------------------------
    # queries

    def __len__(self) -> int:
        return len(self._codes)

    def __contains__(self, code: object) -> bool:
        return code in self._position

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) over all grids."""
        return self._bounds

    @property
    def codes(self) -> tuple[str, ...]:
        """Grid codes in ascending order (the index positions used by `locate_indices`)."""
        return self._codes

    def geometry(self, code: str) -> BaseGeometry:
        try:
            return self._geoms[self._position[code]]
        except KeyError:
            raise InvalidInput(f"没有编码为 {code} 的网格", {"code": code}) from None

    def raster_stats(self) -> dict[str, float]:
        """Shape of the pre-index (for benchmarks and diagnostics)."""
        cells = self._nx * self._ny
        return {
            "cells": cells,
            "nx": self._nx,
            "ny": self._ny,
            "boundary_cells": self._mixed_cells,
            "boundary_share": self._mixed_cells / cells if cells else 0.0,
            "max_candidates": self._max_cand,
        }

    def locate(self, lon: float, lat: float) -> str:
        """The code of the grid covering a WGS-84 point; OutsideCity when there is none."""

        x, y = validate_lonlat(lon, lat)
        # Most points fall in a lattice cell wholly inside one grid, or touched by none: the table answers
        # (a few arithmetic steps; the tree query cost 6 % of a report's CPU). Cells that grids share go
        # to the tree, as does everything when the table says nothing.
        fx, fy = (x - self._fx0) * self._finv_dx, (y - self._fy0) * self._finv_dy
        if 0.0 <= fx < self._nx and 0.0 <= fy < self._ny:
            found = int(self._table[int(fy) * self._nx + int(fx)])
            if found >= 0:
                return self._codes[found]
            if found == -1:
                raise _outside(x, y)
        return self.locate_by_shape(x, y)

    def locate_by_shape(self, x: float, y: float) -> str:
        """`locate` by the grids' shapes alone (the tree), without the lattice table."""
        hits = self._tree.query(Point(x, y), predicate="intersects")
        if len(hits) == 0:
            raise _outside(x, y)
        return self._codes[int(hits.min())]

    def locate_or_none(self, lon: float, lat: float) -> str | None:
        try:
            return self.locate(lon, lat)
        except OutsideCity:
            return None

    def locate_indices(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> IntArray:
        """Vectorised location: positions into `codes`, -1 where outside (NaN or out of range too)."""

        x = np.asarray(lons, dtype=np.float64)
        y = np.asarray(lats, dtype=np.float64)
        if x.shape != y.shape:
            raise InvalidInput("经度与纬度数组长度不一致", {"lons": x.shape, "lats": y.shape})
        shape = x.shape
        x = x.ravel()
        y = y.ravel()
        if x.size == 0:
            return np.empty(shape, dtype=np.int32)

        fx = (x - self._x0) * self._inv_dx
        fy = (y - self._y0) * self._inv_dy
        inside = (fx >= 0.0) & (fx < self._nx) & (fy >= 0.0) & (fy < self._ny)
        all_inside = bool(inside.all())
        if not all_inside:
            fx[~inside] = 0.0
            fy[~inside] = 0.0
        flat = fy.astype(np.int32)
        flat *= self._nx
        flat += fx.astype(np.int32)
        result = self._table[flat]
        if not all_inside:
            result[~inside] = -1

        pos = np.flatnonzero(result <= -2)
        if pos.size:
            k = -2 - result[pos]
            start = self._cand_start[k]
            count = self._cand_count[k]
            px = x[pos]
            py = y[pos]
            found = np.full(pos.size, -1, dtype=np.int32)
            active = np.arange(pos.size)
            for j in range(self._max_cand):
                active = active[count[active] > j]
                if active.size == 0:
                    break
                g = self._cand[start[active] + j]
                ok = shapely.intersects_xy(self._geoms[g], px[active], py[active])
                found[active[ok]] = g[ok]
                active = active[~ok]
            result[pos] = found
        return result.reshape(shape)

    def locate_many(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> ObjectArray:
        """Vectorised `locate`: an object array of grid codes, None where a point is in no grid."""

        idx = self.locate_indices(lons, lats)
        return self._code_or_none[idx]


def _outside(x: float, y: float) -> OutsideCity:
    return OutsideCity(f"该位置不在本市任何网格内（经度 {x:.6f}, 纬度 {y:.6f}）", {"lon": x, "lat": y})
