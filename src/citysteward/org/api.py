"""Request bodies of the REST API (Pydantic); responses are plain dicts from services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field

from citysteward.kernel.actor import Role
from citysteward.org.deps import AdminUser, CurrentStaff
from citysteward.org.services import accounts, auth
from citysteward.org.services import audit as audit_service
from citysteward.platform.http.deps import RuntimeDep, bearer_token
from citysteward.platform.http.schemas import Strict


class LoginBody(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class UnitBody(Strict):
    name: str = Field(min_length=1, max_length=100)
    code: str = Field(min_length=1, max_length=32)
    kind: str = "other"
    district_code: str | None = Field(default=None, max_length=6)
    phone: str | None = Field(default=None, max_length=32)
    active: bool = True


class UnitPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    kind: str | None = None
    district_code: str | None = None
    phone: str | None = None
    active: bool | None = None


class UserBody(Strict):
    username: str = Field(min_length=3, max_length=64)
    password: str = Field(min_length=8, max_length=200)
    display_name: str = Field(default="", max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    role: str
    unit_id: int | None = None


class UserPatch(Strict):
    display_name: str | None = Field(default=None, max_length=64)
    phone: str | None = None
    role: str | None = None
    unit_id: int | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)

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


# ---------------------------------------------------------------- units and users
@router.get("/units", tags=["units"], summary="责任单位")
def list_units(rt: RuntimeDep) -> list[dict[str, Any]]:
    return accounts.list_units(rt)


@router.post("/units", tags=["units"], status_code=201, summary="新增单位")
def create_unit(body: UnitBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return accounts.create_unit(rt, user.actor, body.model_dump())


@router.patch("/units/{unit_id}", tags=["units"], summary="修改单位")
def patch_unit(unit_id: int, body: UnitPatch, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return accounts.update_unit(rt, user.actor, unit_id, body.model_dump(exclude_none=True))


@router.get("/users", tags=["users"], summary="用户")
def list_users(rt: RuntimeDep, user: AdminUser, unit_id: int | None = None) -> list[dict[str, Any]]:
    return accounts.list_users(rt, unit_id)


@router.post("/users", tags=["users"], status_code=201, summary="新增用户")
def create_user(body: UserBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return accounts.create_user(rt, user.actor, body.model_dump())


@router.patch("/users/{user_id}", tags=["users"], summary="修改用户（角色、单位、停用、重置密码）")
def patch_user(user_id: int, body: UserPatch, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return accounts.update_user(rt, user.actor, user_id, body.model_dump(exclude_none=True))


@router.get("/roles", tags=["users"], summary="角色")
def roles() -> list[dict[str, str]]:
    return [{"role": r.value, "label": r.label} for r in Role]


@router.get("/audit", tags=["audit"], summary="管理操作审计日志")
def audit(rt: RuntimeDep, user: AdminUser, entity: str | None = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    return audit_service.audit_entries(rt, entity, limit)
