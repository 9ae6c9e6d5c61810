"""Places with their cases."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from citysteward.cases.services import places
from citysteward.org.deps import OptionalStaff, actor_of
from citysteward.platform.http.deps import RuntimeDep

router = APIRouter(prefix="/api/v1")


@router.get("/grids/{code}", tags=["areas"], summary="网格详情：网格团队与未办结案件数")
def grid_detail(code: str, rt: RuntimeDep, user: OptionalStaff) -> dict[str, Any]:
    return places.grid_detail(rt, code, actor_of(user))
