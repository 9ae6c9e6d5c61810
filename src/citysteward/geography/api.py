"""Request bodies of the REST API (Pydantic); responses are plain dicts from services."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import Field

from citysteward.geography import services as areas
from citysteward.kernel.errors import InvalidInput
from citysteward.org.deps import AdminUser
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import Id, Strict, Text


class TeamMember(Strict):
    name: Text = Field(min_length=1, max_length=50)
    team_role: Literal["party_pioneer", "maintenance", "inspector", "leader"]
    phone: Text | None = Field(default=None, max_length=32)
    unit_id: Id | None = None
    user_id: Id | None = None

router = APIRouter(prefix="/api/v1")


# ---------------------------------------------------------------- areas and grids
@router.get("/areas", tags=["areas"], summary="区域（区、街道、社区）GeoJSON")
def list_areas(rt: RuntimeDep, level: Annotated[str | None, Query(pattern="^(district|street|community)$")] = None,
               parent: str | None = None) -> dict[str, Any]:
    return areas.geojson(areas.list_areas(rt, level, parent), level or "area")


@router.get("/grids", tags=["areas"], summary="网格 GeoJSON（可按区/街道/社区筛选）")
def list_grids(rt: RuntimeDep, parent: str | None = None) -> dict[str, Any]:
    return areas.geojson(areas.list_areas(rt, "grid", parent), "grid")


@router.put("/grids/{code}/team", tags=["areas"], summary="设置网格团队")
def set_team(code: str, body: list[TeamMember], rt: RuntimeDep, user: AdminUser) -> list[dict[str, Any]]:
    return areas.set_grid_team(rt, user.actor, code, [m.model_dump() for m in body])


@router.get("/locate", tags=["areas"], summary="坐标定位到网格")
def locate(rt: RuntimeDep, lon: Annotated[float, Query(ge=-180, le=180)], lat: Annotated[float, Query(ge=-90, le=90)],
           crs: Annotated[str, Query(pattern="^(wgs84|gcj02|bd09)$")] = "wgs84") -> dict[str, Any]:
    return areas.locate(rt, lon, lat, crs)


@router.post("/areas/import", tags=["areas"], summary="导入区域/网格 GeoJSON FeatureCollection")
async def import_areas(request: Request, rt: RuntimeDep, user: AdminUser,
                       crs: Annotated[str, Query(pattern="^(wgs84|gcj02|bd09)$")] = "wgs84") -> dict[str, int]:
    try:
        data = await request.json()
    except ValueError as exc:
        raise InvalidInput("请求体不是有效的 GeoJSON") from exc
    return areas.import_areas(rt, user.actor, data, crs)
