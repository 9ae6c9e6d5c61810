"""REST: login, reference data (categories, areas, grids, units, calendar) and administration."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from citysteward.api.deps import AdminUser, CurrentStaff, RuntimeDep, bearer_token
from citysteward.api.schemas import (
    CalendarDayBody,
    CategoryPatch,
    LoginBody,
    RuleBody,
    RulePatch,
    ScheduleBody,
    TeamMember,
    UnitBody,
    UnitPatch,
    UserBody,
    UserPatch,
)
from citysteward.domain import catalogue as cat_domain
from citysteward.domain.errors import InvalidInput, NotFound
from citysteward.domain.model import Role
from citysteward.services import admin, areas, auth, calendar, reference

router = APIRouter(prefix="/api/v1")


@router.post("/auth/login", tags=["auth"], summary="登录，返回访问令牌")
def login(body: LoginBody, rt: RuntimeDep) -> dict[str, Any]:
    result = auth.login(rt, body.username, body.password)
    return {"token": result.token, "token_type": "bearer", "expires_at": result.expires_at,
            "user": result.user.to_dict()}


@router.post("/auth/logout", tags=["auth"], summary="退出登录")
def logout(request: Request, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    token = bearer_token(request)
    if token:
        auth.logout(rt, token)
    return {"ok": True}


@router.get("/auth/me", tags=["auth"], summary="当前用户")
def me(user: CurrentStaff) -> dict[str, Any]:
    return user.to_dict()


# ---------------------------------------------------------------- categories
@router.get("/categories", tags=["categories"], summary="问题类别（可搜索）")
def categories(rt: RuntimeDep, q: Annotated[str | None, Query(max_length=50)] = None,
               include_inactive: bool = False) -> list[dict[str, Any]]:
    cats = admin.list_categories(rt, active_only=not include_inactive)
    if q:
        cats = cat_domain.search(cats, q, include_inactive=include_inactive)
    return [c.to_dict() for c in cats]


@router.get("/categories/{code}", tags=["categories"], summary="类别详情")
def category(code: str, rt: RuntimeDep) -> dict[str, Any]:
    found = reference.catalogue(rt).by_code.get(code)
    if found is None:
        raise NotFound(f"类别 {code} 不存在")
    return found.to_dict()


@router.patch("/categories/{code}", tags=["categories"], summary="修改类别（时限、启用）")
def patch_category(code: str, body: CategoryPatch, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    changes = body.model_dump(exclude_none=True)
    return admin.update_category(rt, user.actor, code, changes).to_dict()


# ---------------------------------------------------------------- areas and grids
@router.get("/areas", tags=["areas"], summary="区域（区、街道、社区）GeoJSON")
def list_areas(rt: RuntimeDep, level: Annotated[str | None, Query(pattern="^(district|street|community)$")] = None,
               parent: str | None = None) -> dict[str, Any]:
    return areas.geojson(areas.list_areas(rt, level, parent), level or "area")


@router.get("/grids", tags=["areas"], summary="网格 GeoJSON（可按区/街道/社区筛选）")
def list_grids(rt: RuntimeDep, parent: str | None = None) -> dict[str, Any]:
    return areas.geojson(areas.list_areas(rt, "grid", parent), "grid")


@router.get("/grids/{code}", tags=["areas"], summary="网格详情：网格团队与未办结案件数")
def grid_detail(code: str, rt: RuntimeDep) -> dict[str, Any]:
    return areas.grid_detail(rt, code)


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


# ---------------------------------------------------------------- units and users
@router.get("/units", tags=["units"], summary="责任单位")
def list_units(rt: RuntimeDep) -> list[dict[str, Any]]:
    return admin.list_units(rt)


@router.post("/units", tags=["units"], status_code=201, summary="新增单位")
def create_unit(body: UnitBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return admin.create_unit(rt, user.actor, body.model_dump())


@router.patch("/units/{unit_id}", tags=["units"], summary="修改单位")
def patch_unit(unit_id: int, body: UnitPatch, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return admin.update_unit(rt, user.actor, unit_id, body.model_dump(exclude_none=True))


@router.get("/users", tags=["users"], summary="用户")
def list_users(rt: RuntimeDep, user: AdminUser, unit_id: int | None = None) -> list[dict[str, Any]]:
    return admin.list_users(rt, unit_id)


@router.post("/users", tags=["users"], status_code=201, summary="新增用户")
def create_user(body: UserBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return admin.create_user(rt, user.actor, body.model_dump())


@router.patch("/users/{user_id}", tags=["users"], summary="修改用户（角色、单位、停用、重置密码）")
def patch_user(user_id: int, body: UserPatch, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return admin.update_user(rt, user.actor, user_id, body.model_dump(exclude_none=True))


@router.get("/roles", tags=["users"], summary="角色")
def roles() -> list[dict[str, str]]:
    return [{"role": r.value, "label": r.label} for r in Role]


# ---------------------------------------------------------------- responsibility rules
@router.get("/rules", tags=["rules"], summary="责任划分规则")
def list_rules(rt: RuntimeDep, user: CurrentStaff) -> list[dict[str, Any]]:
    return admin.list_rules(rt)


@router.post("/rules", tags=["rules"], status_code=201, summary="新增责任规则")
def create_rule(body: RuleBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return admin.rule_dict(admin.create_rule(rt, user.actor, body.model_dump()))


@router.patch("/rules/{rule_id}", tags=["rules"], summary="修改责任规则")
def patch_rule(rule_id: int, body: RulePatch, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return admin.rule_dict(admin.update_rule(rt, user.actor, rule_id, body.model_dump(exclude_unset=True)))


@router.delete("/rules/{rule_id}", tags=["rules"], summary="删除责任规则")
def delete_rule(rule_id: int, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    admin.delete_rule(rt, user.actor, rule_id)
    return {"ok": True}


# ---------------------------------------------------------------- calendar
@router.get("/calendar/{year}", tags=["calendar"], summary="某年工作日历（节假日、调休、作息时间）")
def calendar_year(year: int, rt: RuntimeDep) -> dict[str, Any]:
    if not 2000 <= year <= 2100:
        raise InvalidInput("年份应在 2000–2100 之间")
    return calendar.calendar_view(rt, year)


@router.post("/calendar/{year}/import", tags=["calendar"], summary="导入一年的节假日（chinesecalendar 或 CSV）")
async def import_calendar(year: int, request: Request, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    if not 2000 <= year <= 2100:
        raise InvalidInput("年份应在 2000–2100 之间")
    text = (await request.body()).decode("utf-8-sig", errors="replace")
    return calendar.import_year(rt, user.actor, year, text if text.strip() else None)


@router.put("/calendar/days", tags=["calendar"], summary="设置某天为放假/调休上班/常规")
def set_day(body: CalendarDayBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    calendar.set_day(rt, user.actor, body.day, body.kind, body.name)
    return {"ok": True}


@router.put("/calendar/schedules", tags=["calendar"], summary="设置作息时间表（可分夏季/冬季）")
def set_schedules(body: list[ScheduleBody], rt: RuntimeDep, user: AdminUser) -> list[dict[str, Any]]:
    saved = calendar.set_schedules(rt, user.actor, [b.model_dump() for b in body])
    return [calendar.schedule_dict(s) for s in saved]


@router.get("/audit", tags=["audit"], summary="管理操作审计日志")
def audit(rt: RuntimeDep, user: AdminUser, entity: str | None = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    return admin.audit_entries(rt, entity, limit)
