"""Query-string values read straight from the request, for the hot list endpoints.

FastAPI's per-parameter validation (a dependency per declared parameter, Pydantic per value) cost a
fifth of a ledger page (docs/performance.md, "Fourth round"). Endpoints that read their query with a
domain parser take the few scalars they need from here instead, and document the parameters with
`openapi_extra` (see `parameter`). A bad value is an `InvalidInput` (422) naming the parameter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from starlette.datastructures import QueryParams

from citysteward.kernel.errors import InvalidInput

_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")


def last(params: QueryParams, name: str) -> str | None:
    """The last non-blank value given for `name`, stripped (an empty parameter is one not sent)."""
    values = [v.strip() for v in params.getlist(name)]
    values = [v for v in values if v]
    return values[-1] if values else None


def integer(params: QueryParams, name: str, default: int, low: int, high: int) -> int:
    text = last(params, name)
    if text is None:
        return default
    if not _INTEGER.fullmatch(text) or not low <= int(text) <= high:
        raise InvalidInput(f"参数 {name} 应为 {low}–{high} 之间的整数", {"field": name})
    return int(text)


def choice(params: QueryParams, name: str, default: str, allowed: Sequence[str]) -> str:
    text = last(params, name)
    if text is None:
        return default
    if text not in allowed:
        raise InvalidInput(f"参数 {name} 只能是 {' / '.join(allowed)}", {"field": name})
    return text


def parameter(name: str, description: str, schema: dict[str, Any] | None = None, *,
              many: bool = False) -> dict[str, Any]:
    """An OpenAPI query parameter (for `openapi_extra`): a string, or a list of them with `many`."""
    item = schema or {"type": "string"}
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "array", "items": item} if many else item,
            **({"style": "form", "explode": True} if many else {})}
