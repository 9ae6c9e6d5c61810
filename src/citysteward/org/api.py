"""Request bodies of the REST API (Pydantic); responses are plain dicts from services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field

from citysteward.kernel.actor import Role
from citysteward.org.deps import AdminUser, CurrentStaff
from citysteward.org.services import access as access_service
from citysteward.org.services import accounts, auth
from citysteward.org.services import audit as audit_service
from citysteward.platform.http.client import ClientIP
from citysteward.platform.http.deps import RuntimeDep, bearer_token
from citysteward.platform.http.schemas import Id, PathId, Strict, Text


class LoginBody(Strict):
    username: Text = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class UnitBody(Strict):
    name: Text = Field(min_length=1, max_length=100)
    code: Text = Field(min_length=1, max_length=32)
    kind: Text = "other"
    district_code: Text | None = Field(default=None, max_length=6)
    phone: Text | None = Field(default=None, max_length=32)
    active: bool = True


class UnitPatch(Strict):
    name: Text | None = Field(default=None, min_length=1, max_length=100)
    kind: Text | None = None
    district_code: Text | None = None
    phone: Text | None = None
    active: bool | None = None


class UserBody(Strict):
    username: Text = Field(min_length=3, max_length=64)
    password: str = Field(min_length=8, max_length=200)
    display_name: Text = Field(default="", max_length=64)
    phone: Text | None = Field(default=None, max_length=32)
    role: Text
    unit_id: Id | None = None


class UserPatch(Strict):
    display_name: Text | None = Field(default=None, max_length=64)
    phone: Text | None = None
    role: Text | None = None
    unit_id: Id | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)

router = APIRouter(prefix="/api/v1")


@router.post("/auth/login", tags=["auth"], summary="登录，返回访问令牌")
def login(body: LoginBody, rt: RuntimeDep, client: ClientIP) -> dict[str, Any]:
    result = auth.login(rt, body.username, body.password, client)
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


# ---------------------------------------------------------------- units and users
@router.get("/units", tags=["units"], summary="责任单位")
def list_units(rt: RuntimeDep) -> list[dict[str, Any]]:
    return accounts.list_units(rt)


@router.post("/units", tags=["units"], status_code=201, summary="新增单位")
def create_unit(body: UnitBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return accounts.create_unit(rt, user.actor, body.model_dump())


@router.patch("/units/{unit_id}", tags=["units"], summary="修改单位")
def patch_unit(unit_id: PathId, body: UnitPatch, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return accounts.update_unit(rt, user.actor, unit_id, body.model_dump(exclude_none=True))


@router.get("/users", tags=["users"], summary="用户")
def list_users(rt: RuntimeDep, user: AdminUser, unit_id: Id | None = None) -> list[dict[str, Any]]:
    return accounts.list_users(rt, unit_id, viewer=user.actor)


@router.post("/users", tags=["users"], status_code=201, summary="新增用户")
def create_user(body: UserBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return accounts.create_user(rt, user.actor, body.model_dump())


@router.patch("/users/{user_id}", tags=["users"], summary="修改用户（角色、单位、停用、重置密码）")
def patch_user(user_id: PathId, body: UserPatch, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return accounts.update_user(rt, user.actor, user_id, body.model_dump(exclude_none=True))


@router.get("/roles", tags=["users"], summary="角色")
def roles() -> list[dict[str, str]]:
    return [{"role": r.value, "label": r.label} for r in Role]


@router.get("/audit", tags=["audit"], summary="管理操作审计日志")
def audit(rt: RuntimeDep, user: AdminUser, entity: str | None = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    return audit_service.audit_entries(rt, entity, limit)


@router.get("/audit/access", tags=["audit"], summary="访问日志：登录、登录失败、退出与查看个人信息")
def access_log(
    rt: RuntimeDep, user: AdminUser,
    action: Annotated[str | None, Query(pattern="^(login|login_failed|logout|view)$")] = None,
    username: Annotated[str | None, Query(max_length=64, description="该用户名的登录记录及其用户的全部访问")] = None,
    entity: Annotated[str | None, Query(pattern="^(case|users|grid_team)$")] = None,
    entity_id: Annotated[str | None, Query(max_length=64, description="记录编号，如案件编号")] = None,
    before_id: Annotated[int | None, Query(ge=1, le=2**62, description="翻页：上一页最后一条的 id")] = None,
    limit: Annotated[int, Query(ge=1, le=access_service.MAX_PAGE)] = 100,
) -> list[dict[str, Any]]:
    filters = {"action": action, "username": username, "entity": entity, "entity_id": entity_id}
    return access_service.entries(rt, filters, before_id, limit)
