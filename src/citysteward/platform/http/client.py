"""The client's address, for throttling and the access log: the connection's peer, or — only when
`CITYSTEWARD_TRUST_PROXY=1` says a reverse proxy in front sets it — the last address in
`X-Forwarded-For`, the one that proxy appended (addresses before it are whatever the client claimed).
`citysteward serve` turns uvicorn's own proxy-header handling off, so this is the one place deciding."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import Headers
from starlette.types import Scope

from citysteward.config import Settings

UNKNOWN = "unknown"


def _valid(text: str) -> str:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return ""


def client_ip(scope: Scope, settings: Settings) -> str:
    if settings.trust_proxy:
        hops = [h for h in Headers(scope=scope).get("x-forwarded-for", "").split(",") if h.strip()]
        if hops and (address := _valid(hops[-1])):
            return address
    peer = scope.get("client")
    return str(peer[0]) if peer else UNKNOWN


async def request_client_ip(request: Request) -> str:
    return client_ip(request.scope, request.app.state.settings)


ClientIP = Annotated[str, Depends(request_client_ip)]
