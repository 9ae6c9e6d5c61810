"""Cross-site request forgery: a state-changing request that a browser sends with the session cookie
(`cs_token`) must come from one of our own pages.

Every unsafe method (POST, PUT, PATCH, DELETE) carrying the cookie, and every sign-in through the login
form (login CSRF: signing a victim into the attacker's account), is checked against the `Origin` header,
or `Referer` where a browser sent no Origin. Both missing, or `Origin: null`, is refused too: every
browser we serve sends one of them on such requests, so a request with neither is no page of ours.
Requests authenticated by an `Authorization: Bearer` header (API clients; the token is never ambient)
and requests with no cookie (the citizen pages, Open311 with its api_key) are not affected.

Our origin is `CITYSTEWARD_PUBLIC_BASE_URL` when configured, otherwise the request's own scheme and Host
(see `urls.py`). The cookie is still SameSite=Lax; this check does not rely on it.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from citysteward.config import Settings
from citysteward.platform.http.urls import origin_of, own_origin

COOKIE = "cs_token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOGIN_FORMS = frozenset({"/console/login"})


def sender_origin(headers: Headers) -> str:
    """The origin the browser says the request came from: `Origin`, else the `Referer`'s; '' if none."""
    origin = headers.get("origin")
    if origin is not None:
        return origin_of(origin) if origin.strip().lower() != "null" else "null"
    referer = headers.get("referer")
    return origin_of(referer) if referer else ""


def needs_check(scope: Scope, headers: Headers) -> bool:
    if scope["method"] not in UNSAFE:
        return False
    if headers.get("authorization", "").lower().startswith("bearer "):
        return False
    if scope["path"] in LOGIN_FORMS:
        return True
    return bool(cookie_parser(headers.get("cookie", "")).get(COOKIE))


class OriginCheck:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE:
            headers = Headers(scope=scope)
            if needs_check(scope, headers):
                sent = sender_origin(headers)
                if sent != own_origin(scope, self.settings):
                    await _refuse(send, sent)
                    return
        await self.app(scope, receive, send)


async def _refuse(send: Send, sent: str) -> None:
    message = "跨站请求已被拒绝：请从本系统的页面提交" if sent else "请求缺少来源信息（Origin / Referer），已被拒绝：请从本系统的页面提交"
    body = json.dumps({"error": "cross_site_request", "message": message, "detail": {"origin": sent or None}},
                      ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
