"""Request bodies of the REST API (Pydantic); responses are plain dicts from services."""

from __future__ import annotations

import gzip
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from citysteward.geography import services as areas
from citysteward.geography.domain.simplify import MAX_ZOOM, MIN_ZOOM, simplify_collection
from citysteward.kernel.errors import InvalidInput
from citysteward.org.deps import AdminUser
from citysteward.platform.http import fastjson
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import Id, Strict, Text
from citysteward.platform.runtime import Runtime


class TeamMember(Strict):
    name: Text = Field(min_length=1, max_length=50)
    team_role: Literal["party_pioneer", "maintenance", "inspector", "leader"]
    phone: Text | None = Field(default=None, max_length=32)
    unit_id: Id | None = None
    user_id: Id | None = None

router = APIRouter(prefix="/api/v1")


# ---------------------------------------------------------------- areas and grids
# Map layers (docs/performance.md "Maps"): with `zoom`, outlines simplified to one screen pixel at that
# zoom and coordinates rounded to a quarter pixel; gzip-compressed when the client accepts it. Encoded
# and compressed once per worker and layer, and again only after an import has changed the outlines
# (kept under the areas' change stamp: services.kept), so serving one costs a dictionary lookup, not
# 1.4 MB of JSON encoding per map.
Zoom = Annotated[int | None, Query(ge=MIN_ZOOM, le=MAX_ZOOM, description="地图缩放级别：按此级别简化边界并压缩坐标精度")]


def _layer(request: Request, rt: Runtime, level: str | None, parent: str | None, zoom: int | None) -> Response:
    def build() -> tuple[bytes, bytes]:
        fc = areas.geojson(areas.list_areas(rt, level, parent), level or "area")
        if zoom is not None:
            fc = simplify_collection(fc, zoom)
        body = fastjson.dumps(fc)
        return body, gzip.compress(body, 6)

    plain, packed = areas.kept(rt, f"map_layer:{level}:{parent}:{zoom}", build)
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        return Response(packed, media_type="application/json",
                        headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return Response(plain, media_type="application/json", headers={"Vary": "Accept-Encoding"})


@router.get("/areas", tags=["areas"], summary="区域（区、街道、社区）GeoJSON", response_model=dict[str, Any])
def list_areas(request: Request, rt: RuntimeDep,
               level: Annotated[str | None, Query(pattern="^(district|street|community)$")] = None,
               parent: str | None = None, zoom: Zoom = None) -> Response:
    return _layer(request, rt, level, parent, zoom)


@router.get("/grids", tags=["areas"], summary="网格 GeoJSON（可按区/街道/社区筛选）", response_model=dict[str, Any])
def list_grids(request: Request, rt: RuntimeDep, parent: str | None = None, zoom: Zoom = None) -> Response:
    return _layer(request, rt, "grid", parent, zoom)


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
