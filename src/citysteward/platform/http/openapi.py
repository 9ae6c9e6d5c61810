"""The OpenAPI document says what the API really answers on errors: one `ErrorBody` schema.

FastAPI documents every 422 with its own `HTTPValidationError`, while `errors.py` answers every error
(422 included, and the 403/413 of the edge middleware) as `{error, message, detail}`. Generated once
here rather than per route: each operation's 422 is rewritten to `ErrorBody`, and each operation gets a
`4XX` response with `ErrorBody` (401, 403, 404, 409, 413, 415, 422, 429 all take this shape). Operations
that document their own error bodies (Open311's `[{code, description}]`) keep them for their codes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_REF = "#/components/schemas/ErrorBody"
ERROR_BODY: dict[str, Any] = {
    "title": "ErrorBody",
    "type": "object",
    "description": "统一错误格式：error 为机器可读的错误码，message 为中文说明，detail 为附加信息（字段错误列表等，可为空）",
    "required": ["error", "message", "detail"],
    "additionalProperties": False,
    "properties": {
        "error": {"type": "string", "description": "错误码，如 invalid_input、not_found、unauthorized"},
        "message": {"type": "string", "description": "给人看的中文说明"},
        "detail": {"description": "附加信息：字段错误列表、相关编号等；可为 null"},
    },
}
ERROR_RESPONSE = {"description": "请求错误（401 未登录、403 无权限或跨站请求、404 不存在、409 冲突、413 请求过大、"
                                 "415 文件类型不支持、422 参数错误、429 请求过于频繁）",
                  "content": {"application/json": {"schema": {"$ref": ERROR_REF}}}}
_FASTAPI_VALIDATION = ("#/components/schemas/HTTPValidationError",)
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    for item in schema.get("paths", {}).values():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            unprocessable = responses.get("422")
            if unprocessable is not None and _is_fastapi_validation(unprocessable):
                responses["422"] = {"description": "参数错误", "content": ERROR_RESPONSE["content"]}
            responses.setdefault("4XX", ERROR_RESPONSE)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorBody"] = ERROR_BODY
    fastapi_own = ("HTTPValidationError", "ValidationError")
    still_used = _refs([schema.get("paths", {}), {k: v for k, v in components.items() if k not in fastapi_own}])
    for name in fastapi_own:
        if f"#/components/schemas/{name}" not in still_used:
            components.pop(name, None)
    return schema


def _is_fastapi_validation(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref") in _FASTAPI_VALIDATION


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            found.update(v for k, v in current.items() if k == "$ref" and isinstance(v, str))
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return found


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes, openapi_version=app.openapi_version, tags=app.openapi_tags,
                                 servers=app.servers)
            app.openapi_schema = document_errors(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
