"""Open311 GeoReport v2 under /open311/v2/ (JSON and XML), and the admin endpoints for client keys.

Handlers parse liberally (empty parameters count as absent, the key in the body or the query,
repeated parameters, `//` in paths, upper-case suffixes), call the GeoReport service and render; every
error is the spec's list of {code, description} with 400, 403 or 404.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import Scope

from citysteward.cases.domain.idempotency import HEADER as IDEMPOTENCY_HEADER
from citysteward.cases.domain.idempotency import KeyReused
from citysteward.kernel.errors import DomainError, Forbidden, InvalidInput, NotFound, Unauthorized
from citysteward.kernel.text import clean_text
from citysteward.open311 import xml as open311_xml
from citysteward.open311.domain import NewRequest
from citysteward.open311.services import GeoReport, check_jurisdiction
from citysteward.org.deps import AdminUser
from citysteward.platform.http.deps import RuntimeDep, get_runtime
from citysteward.platform.http.fastjson import FastJSON
from citysteward.platform.http.forms import FormRefused
from citysteward.platform.http.routing import RequestRoute, include_shared
from citysteward.platform.http.schemas import IDEMPOTENCY_KEY_PARAMETER, PathId, Text
from citysteward.platform.http.urls import public_base_url

log = logging.getLogger("citysteward.open311")

PREFIX = "/open311/v2"
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"


class Open311JSON(FastJSON):
    """orjson-encoded (docs/performance.md), the same JSON as before."""

    media_type = JSON_TYPE


# ------------------------------------------------------------------ paths, parameters, rendering
_SLASHES = re.compile(r"/{2,}")
_SUFFIX = re.compile(r"\.(json|xml)$", re.IGNORECASE)


def normalise_path(scope: Scope) -> Scope:
    """Real clients glue URLs together: collapse `//` and lower-case the format suffix on Open311 paths
    (a rewrite the HTTP edge applies, platform/http/edge.py)."""
    path = scope["path"]
    if "open311" not in path.lower():
        return scope
    fixed = _SUFFIX.sub(lambda m: m.group(0).lower(), _SLASHES.sub("/", path))
    if fixed == path:
        return scope
    scope = {**scope, "path": fixed}
    if scope.get("raw_path"):
        raw = re.sub(rb"/{2,}", b"/", scope["raw_path"])
        scope["raw_path"] = re.sub(rb"(?i)\.(json|xml)$", lambda m: m.group(0).lower(), raw)
    return scope


def render(fmt: str, document: str, data: Any, status: int = 200) -> Response:
    if fmt == "json":
        return Open311JSON(data, status_code=status)
    return Response(open311_xml.render(document, data), status_code=status, media_type=XML_TYPE)


def error(fmt: str, status: int, description: str) -> Response:
    return render(fmt, "errors", [{"code": status, "description": description}], status)


def _status_of(exc: DomainError) -> int:
    if isinstance(exc, KeyReused):
        return 422
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Forbidden | Unauthorized):
        return 403
    return 400


async def _items(request: Request) -> list[tuple[str, str]]:
    """Query parameters, then the body's fields (form-encoded, multipart or a JSON object)."""
    items = list(request.query_params.multi_items())
    ctype = request.headers.get("content-type", "").lower() if request.method == "POST" else ""
    try:
        if ctype.startswith("application/x-www-form-urlencoded"):  # what clients send: parsed once, here
            body = await request.body()  # checked on its way in (platform/http/forms.py): ASCII, UTF-8 escapes
            items += parse_qsl(body.decode("ascii"), keep_blank_values=True, errors="strict")
        elif ctype.startswith("multipart/form-data"):
            form = await request.form()
            items += [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        elif ctype.startswith("application/json"):
            body = await request.json()
            if isinstance(body, dict):
                for key, value in body.items():
                    for v in value if isinstance(value, list) else [value]:
                        if isinstance(v, str | int | float) and not isinstance(v, bool):
                            items.append((str(key), str(v)))
    except FormRefused as exc:  # not UTF-8, or a control character (platform/http/forms.py)
        raise InvalidInput(exc.message, {"field": exc.field}) from exc
    except Exception as exc:  # a malformed body is the client's problem, never a 500
        raise InvalidInput("请求体格式错误：请使用 application/x-www-form-urlencoded") from exc
    return [(_clean(k, "参数名"), _clean(v, k)) for k, v in items]


def _clean(text: str, name: str) -> str:
    """The shared text rule (kernel/text.py): a control character is refused (400), naming the parameter."""
    return clean_text(text, multiline=True, field=name)


def _path(request: Request, name: str) -> str:
    return _clean(str(request.path_params[name]), name)


def _flat(items: list[tuple[str, str]]) -> dict[str, str]:
    """One value per name; repeated parameters join with commas (`service_code=a&service_code=b`)."""
    out: dict[str, str] = {}
    for key, value in items:
        if value.strip() == "":
            continue  # an empty optional parameter means the same as one not sent
        out[key] = f"{out[key]},{value}" if key in out else value
    return out


View = Callable[[GeoReport, Request, list[tuple[str, str]], dict[str, str]], Any]


def _endpoint(fmt: str, document: str, view: View, inline: bool) -> Callable[..., Any]:
    """`inline`: the view runs on the event loop — one indexed read, or a report validated in memory
    and handed to the group commit (awaited, not blocking) — as a thread hop would cost more than the
    work (docs/performance.md, "Threads"); lists of up to 1,000 requests run in the thread pool."""

    async def endpoint(request: Request) -> Response:
        try:
            items = await _items(request)
            params = _flat(items)
            service = GeoReport(get_runtime(request))
            check_jurisdiction(service.rt, params.get("jurisdiction_id"))
            if inline:
                data = view(service, request, items, params)
            else:
                data = await run_in_threadpool(view, service, request, items, params)
            if isinstance(data, Future):
                data = await asyncio.wrap_future(data)
            return render(fmt, document, data)
        except DomainError as exc:
            return error(fmt, _status_of(exc), exc.message)
        except Exception:
            log.exception("Open311 %s %s failed", request.method, request.url.path)
            return error(fmt, 500, "服务器内部错误，请稍后重试")

    return endpoint


def _base(request: Request) -> str:
    """Absolute URLs in documents: the configured public address, never a Host header when one is set."""
    return public_base_url(request.scope, get_runtime(request).settings)


# ------------------------------------------------------------------ the views
def _discovery(s: GeoReport, request: Request, items: Any, params: dict[str, str]) -> Any:
    return s.discovery(_base(request))


def _services(s: GeoReport, request: Request, items: Any, params: dict[str, str]) -> Any:
    return s.services()


def _definition(s: GeoReport, request: Request, items: Any, params: dict[str, str]) -> Any:
    return s.service_definition(_path(request, "service_code"))


def _create(s: GeoReport, request: Request, items: list[tuple[str, str]], params: dict[str, str]) -> Any:
    key = next((v for k, v in reversed(items) if k == "api_key" and v.strip()), None)  # the body's wins
    content = sorted((k, v) for k, v in items if k != "api_key")  # what a retry must repeat
    return s.submit_request(key, NewRequest.from_items(items), request.headers.get(IDEMPOTENCY_HEADER), content)


def _requests(s: GeoReport, request: Request, items: Any, params: dict[str, str]) -> Any:
    return s.find_requests(params, _base(request))


def _request(s: GeoReport, request: Request, items: Any, params: dict[str, str]) -> Any:
    return s.get_request(_path(request, "service_request_id"), _base(request))


def _token(s: GeoReport, request: Request, items: Any, params: dict[str, str]) -> Any:
    return s.token(_path(request, "token"))


def _updates(s: GeoReport, request: Request, items: Any, params: dict[str, str]) -> Any:
    return s.updates(params, _base(request))


# ------------------------------------------------------------------ OpenAPI documentation
def _q(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def _p(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


JURISDICTION = _q("jurisdiction_id", "辖区编号（本系统只有一个辖区，可不填；填写时须为城市前缀小写，如 jz）")
DATE_PARAMS = [_q("start_date", "起始时间（ISO 8601，含时区）"),
               _q("end_date", "截止时间（ISO 8601，含时区；与起始相差不超过 90 天）")]
PAGING = [_q("page", "页码（从 1 开始）", {"type": "integer", "minimum": 1}),
          _q("page_size", "每页条数（默认且最多 1000）", {"type": "integer", "minimum": 1, "maximum": 1000})]
_FORM_FIELDS = ["api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id",
                "email", "device_id", "account_id", "first_name", "last_name", "phone", "description",
                "media_url"]
POST_BODY = {"requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "required": ["api_key", "service_code"],
    "properties": {name: {"type": "string"} for name in _FORM_FIELDS},
    "description": "附加信息按 attribute[编码]=值 提交，多选为 attribute[编码][]=值",
}}}}}
_ERRORS = {400: "请求参数错误", 403: "api_key 缺失、无效或已吊销", 404: "不存在（或未知的辖区）",
           422: "同一 Idempotency-Key 已用于内容不同的请求"}


@dataclass(frozen=True)
class Operation:
    """One GeoReport call, served as `{path}.json` and `{path}.xml`."""

    method: str
    path: str
    document: str
    view: View
    summary: str
    parameters: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    errors: tuple[int, ...] = (404,)
    inline: bool = True  # see `_endpoint`

    def operation_id(self, fmt: str) -> str:
        return f"open311_{self.method.lower()}_{re.sub(r'[^a-z_]', '', self.path.strip('/').replace('/', '_'))}_{fmt}"

    def openapi_extra(self) -> dict[str, Any]:
        return {**self.extra, "parameters": self.parameters} if self.parameters else dict(self.extra)


OPERATIONS = [
    Operation("GET", "/discovery", "discovery", _discovery, "服务发现", errors=()),
    Operation("GET", "/services", "services", _services, "服务（问题类别）列表", [JURISDICTION]),
    Operation("GET", "/services/{service_code}", "service_definition", _definition, "服务定义（附加信息项）",
              [_p("service_code", "服务编码（问题类别编码）"), JURISDICTION]),
    Operation("POST", "/requests", "service_requests", _create, "提交服务请求（需 api_key）",
              [IDEMPOTENCY_KEY_PARAMETER], extra=POST_BODY, errors=(400, 403, 404, 422)),
    Operation("GET", "/requests", "service_requests", _requests, "查询服务请求", [
        _q("service_request_id", "请求编号（案件编号），逗号分隔；填写时忽略其他筛选条件"),
        _q("service_code", "服务编码，逗号分隔"), *DATE_PARAMS, _q("status", "open / closed，逗号分隔"),
        *PAGING, JURISDICTION], errors=(400, 404), inline=False),
    Operation("GET", "/requests/{service_request_id}", "service_requests", _request, "查询单个服务请求",
              [_p("service_request_id", "请求编号（案件编号）"), JURISDICTION]),
    Operation("GET", "/tokens/{token}", "service_requests", _token, "由令牌查询请求编号",
              [_p("token", "提交时返回的令牌"), JURISDICTION]),
    Operation("GET", "/servicerequestupdates", "service_request_updates", _updates,
              "服务请求进展（mySociety 扩展）", [*DATE_PARAMS, *PAGING, JURISDICTION], errors=(400, 404), inline=False),
]


# Every call checks its parameters (control characters: 400) and the jurisdiction (unknown: 404).
ANY_OPERATION_ERRORS = (400, 404)
ERRORS_SCHEMA = {"type": "array", "description": "GeoReport v2 错误列表", "items": {
    "type": "object", "required": ["code", "description"],
    "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}}


def _error_doc(status: int, fmt: str) -> dict[str, Any]:
    """GeoReport errors are the spec's list (`[{code, description}]`), in JSON or XML."""
    content = {"application/json": {"schema": ERRORS_SCHEMA}} if fmt == "json" else {"text/xml": {}}
    return {"description": _ERRORS[status], "content": content}


@functools.cache  # the same routers for every application of the process (include_shared keeps their entries)
def _routers() -> tuple[APIRouter, ...]:
    """One router per operation (its `.json` and `.xml` routes), then the catch-all 404: the application
    checks each router's literal path prefix before walking its routes (platform/http/routing.py), so a
    GET of one request no longer tries the twenty routes declared before it (docs/performance.md)."""
    routers = []
    for op in OPERATIONS:
        router = APIRouter(prefix=PREFIX, tags=["Open311 GeoReport v2"], route_class=RequestRoute)
        for fmt, ctype in (("json", "application/json"), ("xml", "text/xml")):
            router.add_api_route(
                f"{op.path}.{fmt}", _endpoint(fmt, op.document, op.view, op.inline), methods=[op.method],
                summary=f"{op.summary}（{fmt.upper()}）", operation_id=op.operation_id(fmt),
                response_class=Open311JSON if fmt == "json" else Response, openapi_extra=op.openapi_extra(),
                responses={200: {"content": {ctype: {}}, "description": "成功"},
                           **{s: _error_doc(s, fmt) for s in sorted({*ANY_OPERATION_ERRORS, *op.errors})}},
            )
        routers.append(router)

    async def not_found(request: Request) -> Response:
        fmt = "json" if request.url.path.endswith(".json") else "xml"
        return error(fmt, 404, f"Open311 接口不存在：{request.url.path}")

    fallback = APIRouter(prefix=PREFIX, tags=["Open311 GeoReport v2"], route_class=RequestRoute)
    fallback.add_api_route("/{rest:path}", not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                           include_in_schema=False)
    return (*routers, fallback)


# ------------------------------------------------------------------ admin: client applications and keys
class ClientBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text = Field(min_length=1, max_length=64, description="客户端应用名称，例如“数字城管 App”")


clients = APIRouter(prefix="/api/v1/open311/clients", tags=["open311 clients"])


@clients.get("", summary="Open311 客户端及其密钥（只显示前缀）")
def list_clients(rt: RuntimeDep, user: AdminUser) -> list[dict[str, Any]]:
    return GeoReport(rt).list_keys()


@clients.post("", status_code=201, summary="为客户端应用发放 API 密钥（密钥只显示这一次）")
def issue_client_key(body: ClientBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return GeoReport(rt).issue_key(user.actor, body.name)


@clients.post("/{client_id}/revoke", summary="吊销客户端的 API 密钥")
def revoke_client_key(client_id: PathId, rt: RuntimeDep,
                      user: AdminUser) -> dict[str, Any]:
    return GeoReport(rt).revoke_key(user.actor, client_id)


def mount(app: FastAPI) -> None:
    for router in (*_routers(), clients):
        include_shared(app, router)
