"""Places seen with their cases: a grid's team together with the cases still open in it (the map's
grid pop-up and the grid detail endpoint)."""

from __future__ import annotations

from typing import Any

from citysteward.cases.domain.ledger import CaseFilter
from citysteward.cases.domain.model import OPEN_STATES
from citysteward.cases.ports import unit_of_work
from citysteward.geography import services as geography
from citysteward.kernel.actor import Actor
from citysteward.platform.runtime import Runtime


def grid_detail(rt: Runtime, code: str, viewer: Actor) -> dict[str, Any]:
    grid = geography.grid_with_team(rt, code, viewer)
    with unit_of_work(rt, readonly=True) as uow:
        open_count = uow.cases.count(CaseFilter(grids=(code,), states=tuple(sorted(OPEN_STATES))))
    return {**grid, "open_cases": open_count}
