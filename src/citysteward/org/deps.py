"""Dependencies every router uses: the runtime, the current staff user, role checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden, Unauthorized
from citysteward.org.services import auth
from citysteward.platform.http.deps import RuntimeDep, bearer_token


# The sign-in check runs on the event loop, not in the thread pool: it is one primary-key read that never
# waits on a lock (SQLite in WAL mode, PostgreSQL's MVCC), cheaper than the thread hop it saves on every
# request (docs/performance.md). So do the role checks below: `async`, with no I/O.
async def optional_staff(request: Request, rt: RuntimeDep) -> auth.StaffUser | None:
    token = bearer_token(request)
    return auth.authenticate(rt, token) if token else None


async def current_staff(request: Request, rt: RuntimeDep) -> auth.StaffUser:
    token = bearer_token(request)
    if not token:
        raise Unauthorized("请先登录")
    return auth.authenticate(rt, token)


OptionalStaff = Annotated[auth.StaffUser | None, Depends(optional_staff)]
CurrentStaff = Annotated[auth.StaffUser, Depends(current_staff)]


async def require_admin(user: CurrentStaff) -> auth.StaffUser:
    if user.role is not Role.ADMIN:
        raise Forbidden("需要系统管理员权限")
    return user


AdminUser = Annotated[auth.StaffUser, Depends(require_admin)]


def actor_of(user: auth.StaffUser | None) -> Actor:
    return user.actor if user else Actor(role=Role.CITIZEN, name="市民")


# ------------------------------------------------------------------ who is signed in
# Pages authenticate exactly as the API does (the cookie is read by the same dependency); only the
# way an error is shown differs, and that is the page routes' error handler's job.
PageUser = CurrentStaff


async def admin_user(user: PageUser) -> auth.StaffUser:
    if user.role is not Role.ADMIN:
        raise Forbidden("此页面仅限系统管理员")
    return user


AdminPageUser = Annotated[auth.StaffUser, Depends(admin_user)]


# ------------------------------------------------------------------ the console's frame
@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    href: str


@dataclass(frozen=True)
class Shell:
    """The frame of every console page: who is signed in and the menu they get."""

    user: auth.StaffUser
    active: str
    nav: tuple[NavItem, ...]

    @classmethod
    def of(cls, user: auth.StaffUser, active: str) -> Shell:
        items = [NavItem(key, label, href) for key, label, href, roles in NAV if roles is None or user.role in roles]
        return cls(user, active, tuple(items))


_R = Role
_DESK = frozenset({_R.SUPERVISOR, _R.LEADER, _R.ADMIN, _R.SHIFT_LEADER, _R.DISPATCHER, _R.UNIT})
_LEADERS = frozenset({_R.SUPERVISOR, _R.LEADER, _R.ADMIN, _R.SHIFT_LEADER})
# The console's menu: key (the page's `active`), label, address, the roles that see it (None: all staff).
# A context's pages live at the address its entry names; org does not import the contexts.
NAV: tuple[tuple[str, str, str, frozenset[Role] | None], ...] = (
    ("workbench", "工作台", "/console", None),
    ("intake", "热线受理", "/console/intake", frozenset({_R.HOTLINE, _R.ACCEPTOR, _R.SHIFT_LEADER, _R.ADMIN})),
    ("cases", "案件台账", "/console/cases", None),
    ("map", "案件地图", "/console/map", None),
    ("supervision", "督办", "/console/supervision", _DESK),
    ("evaluation", "考评", "/console/evaluation", _LEADERS | {_R.DISPATCHER}),
    ("patrols", "巡查", "/console/patrols", _LEADERS | {_R.INSPECTOR}),
    ("assets", "道路部件", "/console/assets", None),
    ("subsurface", "塌陷隐患", "/console/subsurface", _DESK),
    ("flood", "防汛", "/console/flood", _DESK),
    ("campaigns", "专项行动", "/console/campaigns", _DESK | {_R.INSPECTOR}),
    ("sensors", "物联感知", "/console/sensors", _DESK),
    ("dashboard", "指挥大屏", "/dashboard", None),
    ("admin", "系统管理", "/console/admin", frozenset({_R.ADMIN})),
)
