"""The HTTP edge, wired once by the composition root: what every request passes before any route.

Outermost first: security headers (on every answer, the edge's own refusals and 500s included) →
the last-resort 500 that keeps the connection open → the body limits (before a byte is read) → the
same-origin check for cookie-carried writes → the application. The OpenAPI document is generated
with the one error schema. See docs/security.md, "HTTP edge".
"""

from __future__ import annotations

from fastapi import FastAPI

from citysteward.config import Settings
from citysteward.platform.http import openapi
from citysteward.platform.http.csrf import OriginCheck
from citysteward.platform.http.errors import ServerErrors
from citysteward.platform.http.headers import SecurityHeaders
from citysteward.platform.http.limits import BodyLimit


def install(app: FastAPI, settings: Settings, *, bulk_paths: tuple[str, ...] = ()) -> None:
    """Call last in `create_app`: middleware added later wraps what was added before."""
    app.add_middleware(OriginCheck, settings=settings)
    app.add_middleware(BodyLimit, max_body=settings.max_body_bytes, max_upload=settings.upload_limit,
                       bulk_paths=bulk_paths)
    app.add_middleware(ServerErrors)
    app.add_middleware(SecurityHeaders, settings=settings)
    openapi.install(app)
