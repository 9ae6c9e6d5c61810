"""Dependencies every router uses: the runtime, the current staff user, role checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from citysteward.platform.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get("cs_token") or None
