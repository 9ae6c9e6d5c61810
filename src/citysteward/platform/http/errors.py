"""One error shape for the whole API: {error, message, detail} with the right 4xx."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from citysteward.kernel import errors as e
from citysteward.kernel.errors import DomainError
from citysteward.platform.http.forms import FormRefused

_FIELD_MESSAGES = {
    "missing": "缺少必填字段",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为布尔值",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "json_invalid": "JSON 格式错误",
    "model_attributes_type": "请求体格式错误",
    "dict_type": "请求体应为 JSON 对象",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "too_long": "项目过多",
    "extra_forbidden": "不允许的字段",
    "date_from_datetime_parsing": "日期格式错误",
    "datetime_from_date_parsing": "日期时间格式错误",
    "date_parsing": "日期格式错误",
    "list_type": "应为列表",
    "string_type": "应为文本",
    "string_pattern_mismatch": "格式不正确",
    "control_character": "含有不可见的控制字符，请删除后重新提交",  # schemas.Text / LongText
}


# The one mapping from domain errors to HTTP statuses; a subclass takes its nearest listed ancestor's.
STATUS: dict[type[DomainError], int] = {
    e.InvalidInput: 422, e.OutsideCity: 422, e.CalendarMissing: 422, e.NotFound: 404, e.Unauthorized: 401,
    e.Forbidden: 403, e.IllegalTransition: 409, e.StaleCase: 409, e.Conflict: 409, e.PayloadTooLarge: 413,
    e.UnsupportedMedia: 415, e.TooManyRequests: 429, DomainError: 400,
}


def headers_of(exc: DomainError) -> dict[str, str] | None:
    """Headers an error answer carries: a throttled client is told when to come back."""
    if isinstance(exc, e.TooManyRequests):
        return {"Retry-After": str(exc.retry_after)}
    return None


def status_of(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def describe_validation(errors: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    """Pydantic errors -> one Chinese sentence and a per-field list."""
    problems = []
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        problems.append({"field": loc, "message": _FIELD_MESSAGES.get(err.get("type", ""), "取值无效"),
                         "type": err.get("type")})
    first = problems[0] if problems else {"field": "", "message": "请求格式错误"}
    return f"参数错误：{first['field']} {first['message']}".strip(), problems


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"error": code, "message": message, "detail": jsonable_encoder(detail)}


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.detail), status_code=status_of(exc),
                            headers=headers_of(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, problems = describe_validation(list(exc.errors()))
        return JSONResponse(error_body("invalid_input", message, problems), status_code=422)

    @app.exception_handler(FormRefused)
    async def _form(request: Request, exc: FormRefused) -> JSONResponse:
        return JSONResponse(error_body("invalid_input", exc.message, {"field": exc.field}), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "请求的地址不存在", 405: "不支持该请求方法", 401: "请先登录", 403: "无权访问"}
        message = exc.detail if isinstance(exc.detail, str) and exc.status_code not in messages else messages.get(
            exc.status_code, str(exc.detail))
        return JSONResponse(error_body(f"http_{exc.status_code}", message), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    # Unexpected errors are answered by the edge (platform/http/edge.py, `server_error`), not by an
    # `Exception` handler: Starlette re-raises after such a handler and the server then drops the connection.


def server_error() -> JSONResponse:
    """The last resort's answer to an unexpected error, in the API's shape (sent by the edge,
    platform/http/edge.py, which logs the error and keeps the connection open)."""
    return JSONResponse(error_body("internal_error", "服务器内部错误，请稍后重试"), status_code=500)
