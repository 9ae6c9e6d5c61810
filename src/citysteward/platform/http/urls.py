"""The service's own address, as the outside world sees it: the one place absolute URLs (Open311
discovery, media links) and same-origin checks get their scheme and host from.

A configured `CITYSTEWARD_PUBLIC_BASE_URL` always wins; the Host header of a request is then never
echoed back. Without it the address is taken from the request itself (fine on a laptop, not behind a
proxy), and `X-Forwarded-Proto` / `X-Forwarded-Host` count only when `CITYSTEWARD_TRUST_PROXY=1` says a
reverse proxy in front sets them."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import Scope

from citysteward.config import Settings


def _first(value: str | None) -> str:
    """`X-Forwarded-*` may list every hop; the first is the client's view."""
    return (value or "").split(",")[0].strip()


def request_scheme(scope: Scope, settings: Settings) -> str:
    if settings.trust_proxy:
        forwarded = _first(Headers(scope=scope).get("x-forwarded-proto")).lower()
        if forwarded in ("http", "https"):
            return forwarded
    return str(scope.get("scheme") or "http")


def request_host(scope: Scope, settings: Settings) -> str:
    headers = Headers(scope=scope)
    host = _first(headers.get("x-forwarded-host")) if settings.trust_proxy else ""
    if not host:
        host = headers.get("host", "")
    if not host and scope.get("server"):
        name, port = scope["server"]
        host = f"{name}:{port}"
    return host.lower()


def public_base_url(scope: Scope, settings: Settings) -> str:
    """`https://cg.example.gov.cn` (no trailing slash): the configured address, or this request's."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    root = str(scope.get("root_path") or "").rstrip("/")
    return f"{request_scheme(scope, settings)}://{request_host(scope, settings)}{root}"


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL, lower-cased, default ports dropped; '' if it has none."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    try:
        port = parts.port
    except ValueError:
        return ""
    default = {"http": 80, "https": 443}[parts.scheme]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def own_origin(scope: Scope, settings: Settings) -> str:
    return origin_of(public_base_url(scope, settings))


def is_https(scope: Scope, settings: Settings) -> bool:
    """Browsers reach us over HTTPS: the configured address says so, or the (trusted) request does."""
    if settings.public_base_url:
        return settings.public_base_url.lower().startswith("https://")
    return request_scheme(scope, settings) == "https"
