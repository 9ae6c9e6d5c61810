"""Dependencies every router uses: the runtime, the current staff user, role checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from citysteward.domain.cases import Actor
from citysteward.domain.errors import Forbidden, Unauthorized
from citysteward.domain.model import Role
from citysteward.services import auth
from citysteward.services.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get("cs_token") or None


def optional_staff(request: Request, rt: RuntimeDep) -> auth.StaffUser | None:
    token = bearer_token(request)
    return auth.authenticate(rt, token) if token else None


def current_staff(request: Request, rt: RuntimeDep) -> auth.StaffUser:
    token = bearer_token(request)
    if not token:
        raise Unauthorized("请先登录")
    return auth.authenticate(rt, token)


OptionalStaff = Annotated[auth.StaffUser | None, Depends(optional_staff)]
CurrentStaff = Annotated[auth.StaffUser, Depends(current_staff)]


def require_admin(user: CurrentStaff) -> auth.StaffUser:
    if user.role is not Role.ADMIN:
        raise Forbidden("需要系统管理员权限")
    return user


AdminUser = Annotated[auth.StaffUser, Depends(require_admin)]


def actor_of(user: auth.StaffUser | None) -> Actor:
    return user.actor if user else Actor(role=Role.CITIZEN, name="市民")
