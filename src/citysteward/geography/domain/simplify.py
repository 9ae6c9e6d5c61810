"""Map layers per zoom: outlines simplified to what one screen pixel can show at that Web-Mercator
zoom, and coordinates rounded to a quarter of that, so a map downloads what it can draw and no more.
Shared edges stay shared (topology-preserving Douglas–Peucker per polygon, same tolerance for all),
so neighbouring grids still meet without visible gaps at that zoom."""

from __future__ import annotations

import math
from typing import Any

import shapely
from shapely.geometry import mapping, shape

MIN_ZOOM, MAX_ZOOM = 8, 18
TILE = 256  # pixels per Web-Mercator tile


def tolerance(zoom: int) -> float:
    """Degrees per screen pixel at this zoom (at the equator; smaller further north, so safe)."""
    return 360.0 / float(TILE << zoom)


def decimals(zoom: int) -> int:
    """Decimal places that keep a quarter pixel at this zoom."""
    return max(0, math.ceil(-math.log10(tolerance(zoom) / 4)))


def _rounded(coords: Any, places: int) -> Any:
    if coords and isinstance(coords[0], float | int):
        return [round(float(c), places) for c in coords]
    return [_rounded(c, places) for c in coords]


def simplify_geometry(geometry: dict[str, Any] | None, zoom: int) -> dict[str, Any] | None:
    if not geometry:
        return geometry
    geom = shapely.simplify(shape(geometry), tolerance(zoom), preserve_topology=True)
    if geom.is_empty:
        return None
    out = mapping(geom)
    return {"type": out["type"], "coordinates": _rounded(out["coordinates"], decimals(zoom))}


def simplify_collection(fc: dict[str, Any], zoom: int) -> dict[str, Any]:
    """A FeatureCollection with every geometry simplified for `zoom` (properties untouched)."""
    return {**fc, "features": [{**f, "geometry": simplify_geometry(f.get("geometry"), zoom)}
                               for f in fc.get("features", [])]}
