"""JSON answers for the hot paths, encoded by orjson in one C call.

FastAPI's default path validates and serialises a `dict[str, Any]` answer through pydantic, which
inspects every value (and every key: SQLAlchemy's row keys are a `str` subclass with a slow
`__getattr__`, 45 % of a ledger page's time under load, docs/performance.md). These answers are built
by our own services from plain values, so they need no second validation. The output is the same
JSON the default gives: UTF-8, datetimes in ISO 8601 with `Z` for UTC, enums by value."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse

from citysteward.platform.stamped import SharedAnswer

OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _default(value: Any) -> Any:
    """What orjson does not know natively (Decimal, sets, Path-like values): as pydantic would write it."""
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, default=_default, option=OPTIONS)


class FastJSON(JSONResponse):
    """A JSONResponse (same media type and headers) whose body orjson writes."""

    def render(self, content: Any) -> bytes:
        if isinstance(content, SharedAnswer):  # served many times as it is: written once (two racing
            if content.rendered is None:  # threads would write the same bytes)
                content.rendered = dumps(content)
            return content.rendered
        return dumps(content)
