"""The HTTP edge, wired once by the composition root: what every request passes before any route.

One ASGI middleware (`Edge`), so that a request crosses one layer of ours instead of eight (each layer
is an `await` and, for some, a wrapped `send`: 16 µs of a 134 µs GET, docs/performance.md). In order:

1. path rewrites the contexts ask for (Open311 clients' `//` and `.JSON`);
2. the client's address, for throttling and the access log (platform/http/client.py);
3. security headers on every answer, the edge's own refusals and 500s included (headers.py);
4. the last-resort 500 that keeps the connection open (errors.py);
5. reads a replica may serve (replica.py), when one is configured;
6. for a request that may carry a body or changes something — anything but a GET, HEAD or OPTIONS
   without a body — the body limits (before a byte is read, limits.py), the same-origin check for
   cookie-carried writes (csrf.py) and the form checker (forms.py), in that order;
7. the application.

The OpenAPI document is generated with the one error schema. See docs/security.md, "HTTP edge".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citysteward.config import Settings
from citysteward.platform.caller import set_client_ip
from citysteward.platform.http import openapi
from citysteward.platform.http.client import client_ip
from citysteward.platform.http.csrf import OriginCheck
from citysteward.platform.http.errors import server_error
from citysteward.platform.http.forms import FormCheck
from citysteward.platform.http.headers import HeaderPolicy
from citysteward.platform.http.limits import READ_METHODS, BodyLimit, declares_body
from citysteward.platform.http.replica import ReplicaPaths
from citysteward.platform.http.urls import is_https
from citysteward.platform.replica import replica_reads

log = logging.getLogger("citysteward.api")

Rewrite = Callable[[Scope], Scope]


class Edge:
    def __init__(self, app: ASGIApp, settings: Settings, *, bulk_paths: tuple[str, ...] = (),
                 rewrites: Sequence[Rewrite] = (), replica_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.settings = settings
        self.headers = HeaderPolicy(settings)
        self.rewrites = tuple(rewrites)
        self.replica = ReplicaPaths(replica_paths) if replica_paths else None
        # Built once: requests with a body (or that change something) go through these before the app.
        self.checked: ASGIApp = BodyLimit(OriginCheck(FormCheck(app), settings=settings),
                                          max_body=settings.max_body_bytes, max_upload=settings.upload_limit,
                                          bulk_paths=bulk_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for rewrite in self.rewrites:
            scope = rewrite(scope)
        set_client_ip(client_ip(scope, self.settings))
        defaults = self.headers.defaults(str(scope["path"]), is_https(scope, self.settings))
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                message["headers"] = headers + [(name, value) for name, value in defaults if name not in present]
            await send(message)

        # A read without a body: nothing to limit, check or parse.
        inner = self.app if scope["method"] in READ_METHODS and not declares_body(scope) else self.checked
        try:
            if self.replica is not None and self.replica.covers(scope):
                with replica_reads():
                    await inner(scope, receive, sending)
            else:
                await inner(scope, receive, sending)
        except Exception:
            # The last resort: logged and answered with a 500 in the API's shape, not re-raised, so the
            # server keeps the connection open for the client's next request. If the response had
            # already started, nothing sensible can be sent: the server closes the connection.
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await server_error()(scope, receive, sending)


def install(app: FastAPI, settings: Settings, *, bulk_paths: tuple[str, ...] = (),
            rewrites: Sequence[Rewrite] = (), replica_paths: tuple[str, ...] = ()) -> None:
    """Call last in `create_app`: it wraps everything added before."""
    app.add_middleware(Edge, settings=settings, bulk_paths=bulk_paths, rewrites=rewrites,
                       replica_paths=replica_paths)
    openapi.install(app)
