"""Security headers on every response, set in one place.

- `Content-Security-Policy`: scripts, styles, fonts and requests from our own origin only (Leaflet,
  ECharts and htmx are vendored under /static; page scripts are static files, configured by `data-*`
  attributes, never inline). Two allowances, each as narrow as the pages need: `style-src-attr
  'unsafe-inline'` for the `style="--c: …"` colour of badges and map pins (a style attribute cannot run
  script; `<style>` elements stay forbidden), and images from `data:`/`blob:` (photo previews) plus the
  map tile server when `CITYSTEWARD_TILE_URL` names one. `frame-ancestors 'none'`, `form-action 'self'`,
  `base-uri 'none'`, `object-src 'none'`. The interactive API docs (/docs) load the vendored Swagger UI
  from /static with an inline start-up script, and get a policy that allows exactly that.
- `X-Frame-Options: DENY` (older browsers), `X-Content-Type-Options: nosniff`,
  `Referrer-Policy: strict-origin-when-cross-origin`.
- `Strict-Transport-Security` only when browsers reach us over HTTPS (see `urls.is_https`).
- `Cache-Control: no-store` on everything but /static: pages and API answers carry personal data
  (reporters' phones, case addresses, users), and no shared or browser cache should keep them. A
  response that sets its own Cache-Control keeps it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from citysteward.config import Settings

STATIC_PREFIX = "/static/"
DOCS_PATHS = frozenset({"/docs"})
HSTS = "max-age=31536000"


def tile_source(tile_url: str) -> str:
    """The CSP source for a Leaflet tile URL template: `https://t{s}.tianditu.gov.cn/…` → `https://*.tianditu.gov.cn`."""
    if not tile_url.strip():
        return ""
    parts = urlsplit(tile_url.strip())
    if parts.scheme not in ("http", "https"):
        return ""
    host = parts.netloc.rsplit("@", 1)[-1]
    if "{" in host:
        first, _, rest = host.partition(".")
        if "{" in rest or not rest:
            return f"{parts.scheme}:"  # placeholders deep in the host name: the scheme is all we can say
        host = f"*.{rest}"
    return f"{parts.scheme}://{host}"


def content_security_policy(settings: Settings) -> str:
    images = " ".join(filter(None, ["'self'", "data:", "blob:", tile_source(settings.tile_url)]))
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "style-src-elem 'self'",
        "style-src-attr 'unsafe-inline'", f"img-src {images}", "font-src 'self'", "connect-src 'self'",
        "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ])


DOCS_POLICY = "; ".join([
    # Swagger UI is vendored under /static; its page starts it with one inline script.
    "default-src 'self'", "script-src 'self' 'unsafe-inline'", "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:", "font-src 'self' data:",
    "worker-src 'self' blob:", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
])
_SAFE_TOKEN = re.compile(r"^[\x20-\x7e]*$")


class HeaderPolicy:
    """The headers every answer gets unless it sets its own (added by the edge, platform/http/edge.py)."""

    def __init__(self, settings: Settings) -> None:
        policy = content_security_policy(settings)
        if not _SAFE_TOKEN.match(policy):
            raise ValueError("CITYSTEWARD_TILE_URL makes an invalid Content-Security-Policy")
        self.policy = policy
        # Encoded once; a response's own value of any of these wins (set-if-absent).
        common = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
                  (b"referrer-policy", b"strict-origin-when-cross-origin")]
        self._pages = [(b"content-security-policy", policy.encode()), *common]
        self._docs = [(b"content-security-policy", DOCS_POLICY.encode()), *common]

    def defaults(self, path: str, https: bool) -> list[tuple[bytes, bytes]]:
        out = list(self._docs if path in DOCS_PATHS else self._pages)
        if https:
            out.append((b"strict-transport-security", HSTS.encode()))
        if not path.startswith(STATIC_PREFIX):
            out.append((b"cache-control", b"no-store"))
        return out
