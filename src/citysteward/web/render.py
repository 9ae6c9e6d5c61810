"""What every page shares: the Jinja environment (with the local-time filter), rendering a page
context, the signed-in user from the `cs_token` cookie, and the error pages.

Pages use `PageRoute`: a domain error raised anywhere in a page handler becomes an HTML page with
the right status (401 sends the browser to the login page), while the JSON API keeps its own
error shape."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from citysteward.api.deps import CurrentStaff
from citysteward.config import Settings
from citysteward.domain.catalogue import Urgency
from citysteward.domain.deadlines import Light
from citysteward.domain.errors import DomainError, Forbidden, NotFound
from citysteward.domain.model import Action, CaseState, Role, Satisfaction, Source
from citysteward.services import auth

WEB_DIR = Path(__file__).parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
COOKIE = "cs_token"
# States whose timer light means something: the clock runs, or is paused by 挂账.
TIMED_STATES = frozenset({CaseState.DISPATCHED, CaseState.IN_PROGRESS, CaseState.SUSPENDED})


def make_templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATE_DIR)
    env = templates.env
    tz = settings.tz

    def local(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """Times are stored in UTC; people read them in the city's time zone (Asia/Shanghai)."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.astimezone(tz).strftime(fmt)

    env.filters["local"] = local
    env.globals.update(
        city_name=settings.city_name, tile_url=settings.tile_url, timezone=settings.timezone,
        # Enums, for labels and colours: templates never spell them.
        state_of=CaseState, source_of=Source, urgency_of=Urgency, action_of=Action, satisfaction_of=Satisfaction,
        light_of=lambda v: Light(v) if v else None,
    )
    return templates


def templates_of(request: Request) -> Jinja2Templates:
    return request.app.state.web_templates  # type: ignore[no-any-return]


def render(request: Request, name: str, page: Any, status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    """One context per page: the template sees `page` (a dataclass) and nothing else of ours."""
    return templates_of(request).TemplateResponse(request, name, {"page": page}, status_code=status_code,
                                                  headers=headers)


def is_htmx(request: Request, target: str | None = None) -> bool:
    if request.headers.get("hx-request") != "true":
        return False
    return target is None or request.headers.get("hx-target") == target


# ------------------------------------------------------------------ who is signed in
# Pages authenticate exactly as the API does (the cookie is read by the same dependency); only the
# way an error is shown differs, and that is the page routes' error handler's job.
PageUser = CurrentStaff


def admin_user(user: PageUser) -> auth.StaffUser:
    if user.role is not Role.ADMIN:
        raise Forbidden("此页面仅限系统管理员")
    return user


AdminPageUser = Annotated[auth.StaffUser, Depends(admin_user)]


# ------------------------------------------------------------------ error pages
@dataclass(frozen=True)
class ErrorPage:
    title: str
    message: str
    status: int
_TITLES = {401: "请先登录", 403: "无权访问", 404: "页面不存在", 409: "操作冲突", 413: "文件过大",
           415: "文件类型不支持", 422: "输入有误"}


def error_page(request: Request, status: int, message: str) -> Response:
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = f"/console/login?next={quote(target)}"
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)
    page = ErrorPage(_TITLES.get(status, "出错了"), message, status)
    return render(request, "_error.html" if is_htmx(request) else "error.html", page, status_code=status)


class PageRoute(APIRoute):
    """An APIRoute whose errors render as pages instead of JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except NotFound as exc:
                return error_page(request, 404, exc.message)
            except DomainError as exc:
                return error_page(request, exc.status, exc.message)
            except RequestValidationError:
                return error_page(request, 422, "请求参数有误，请检查后重试")

        return handler


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
        items = [NavItem("workbench", "工作台", "/console"), NavItem("cases", "案件台账", "/console/cases"),
                 NavItem("map", "案件地图", "/console/map"), NavItem("dashboard", "指挥大屏", "/dashboard")]
        if user.role is Role.ADMIN:
            items.append(NavItem("admin", "系统管理", "/console/admin"))
        return cls(user, active, tuple(items))
