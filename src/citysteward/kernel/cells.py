"""Proximity cells: the one H3 resolution every context uses for "nearby" (duplicate reports, 我也遇到,
hot spots, tickets at a place). Resolution 9 cells are about 0.1 km², so a cell and its neighbours cover
a few hundred metres; the `cell` columns hold them in a B-tree index on any database, no extension."""

from __future__ import annotations

import h3

H3_RESOLUTION = 9


def cell_of(lon: float, lat: float) -> str:
    """The proximity cell of a WGS-84 point."""
    return str(h3.latlng_to_cell(lat, lon, H3_RESOLUTION))


def cells_within(cell: str, rings: int) -> list[str]:
    """The cell and every cell within `rings` rings of it."""
    return [str(c) for c in h3.grid_disk(cell, rings)]
