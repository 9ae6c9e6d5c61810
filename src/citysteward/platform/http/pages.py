"""What every page shares: the Jinja environment (with the local-time filter), rendering a page
context, the signed-in user from the `cs_token` cookie, and the error pages.

Pages use `PageRoute`: a domain error raised anywhere in a page handler becomes an HTML page with
the right status (401 sends the browser to the login page), while the JSON API keeps its own
error shape."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from citysteward.config import Settings
from citysteward.kernel.errors import DomainError, NotFound
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.forms import FormRefused

WEB_DIR = Path(__file__).parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
COOKIE = "cs_token"


def make_templates(settings: Settings, directories: Sequence[Path] = (TEMPLATE_DIR,),
                   extra_globals: Mapping[str, Any] | None = None) -> Jinja2Templates:
    """One Jinja environment over every context's template folder; contexts add their globals."""
    templates = Jinja2Templates(directory=list(directories))
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
        **(extra_globals or {}),
    )
    return templates


def templates_of(request: Request) -> Jinja2Templates:
    return request.app.state.web_templates


def render(request: Request, name: str, page: Any, status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    """One context per page: the template sees `page` (a dataclass) and nothing else of ours."""
    return templates_of(request).TemplateResponse(request, name, {"page": page}, status_code=status_code,
                                                  headers=headers)


def is_htmx(request: Request, target: str | None = None) -> bool:
    if request.headers.get("hx-request") != "true":
        return False
    return target is None or request.headers.get("hx-target") == target


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
                return error_page(request, status_of(exc), exc.message)
            except FormRefused as exc:  # a form field that cannot be stored as sent (platform/http/forms.py)
                return error_page(request, 422, exc.message)
            except RequestValidationError:
                return error_page(request, 422, "请求参数有误，请检查后重试")

        return handler
