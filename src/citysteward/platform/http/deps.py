"""Dependencies every router uses: the runtime, the current staff user, role checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from citysteward.platform.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def runtime_of(request: Request) -> Runtime:
    """The dependency form: `async`, so FastAPI calls it on the event loop instead of handing it to
    the thread pool (a thread hop per dependency per request, docs/performance.md)."""
    return get_runtime(request)


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get("cs_token") or None
