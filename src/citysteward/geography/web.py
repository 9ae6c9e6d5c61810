"""Administration pages (系统管理, admin only): units, users and roles, grids (map and GeoJSON
import), categories and time limits, the working calendar, responsibility rules. Each form posts
to a handler that calls one admin service; errors come back on the same page."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from citysteward.geography import services as areas
from citysteward.geography import services as geography_services
from citysteward.kernel.errors import DomainError, InvalidInput
from citysteward.org.deps import AdminPageUser, Shell
from citysteward.org.web.shell import AdminPage, _done, _message
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.pages import PageRoute, render
from citysteward.platform.runtime import Runtime

router = APIRouter(prefix="/console/admin", route_class=PageRoute, include_in_schema=False)


# ------------------------------------------------------------------ grids
def _grids_page(request: Request, rt: Runtime, user: Any, error: str = "", status: int = 200,
                done: str = "") -> HTMLResponse:
    names = geography_services.area_names(rt)
    counts = {"district": 0, "street": 0, "community": 0, "grid": 0}
    for code in names:
        counts[{6: "district", 9: "street", 12: "community", 15: "grid"}.get(len(code), "grid")] += 1
    page = AdminPage(Shell.of(user, "admin"), "grids", [], {"counts": counts, "levels": areas.LEVEL_LABELS},
                     _message(done), error)
    return render(request, "admin/grids.html", page, status_code=status)


@router.get("/grids", response_class=HTMLResponse)
def grids(request: Request, rt: RuntimeDep, user: AdminPageUser, done: str = "") -> HTMLResponse:
    return _grids_page(request, rt, user, done=done)


@router.post("/grids/import")
async def import_grids(request: Request, rt: RuntimeDep, user: AdminPageUser, file: UploadFile,
                       crs: Annotated[str, Form()] = "wgs84") -> Response:
    raw = await file.read()

    def run() -> None:
        try:
            collection = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidInput("上传的文件不是有效的 GeoJSON（UTF-8 编码的 JSON）") from exc
        areas.import_areas(rt, user.actor, collection, crs)

    try:
        await run_in_threadpool(run)
    except DomainError as exc:
        return await run_in_threadpool(_grids_page, request, rt, user, exc.message, status_of(exc))
    return _done("grids")
