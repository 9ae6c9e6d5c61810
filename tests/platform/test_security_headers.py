"""Security headers on every response (platform/http/headers.py): a Content-Security-Policy of our own
origin, no framing, nosniff, a referrer policy, HSTS behind HTTPS only, and no-store wherever personal
data may be. The pages keep to the policy: no inline script, handler or javascript: URL in a template."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from citysteward.bootstrap import TEMPLATE_DIRS, create_app
from citysteward.config import Settings
from citysteward.platform.http.headers import content_security_policy, tile_source
from citysteward.platform.http.pages import STATIC_DIR
from citysteward.platform.runtime import Runtime
from tests.builders.cases import report
from tests.conftest import City

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the edge is tested, not the store


def directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


@SQLITE
def test_pages_api_answers_and_errors_all_carry_the_headers(client_for, city: City, rt: Runtime) -> None:
    case_no = report(city)
    c = client_for("leader")
    for response in (c.get("/console"), c.get(f"/console/cases/{case_no}"), c.get(f"/api/v1/cases/{case_no}"),
                     c.get("/api/v1/nowhere"), c.post("/api/v1/units", json={}, headers={"Origin": "https://x.example"}),
                     c.get("/track"), c.get("/openapi.json")):
        h = response.headers
        csp = directives(h["content-security-policy"])
        assert csp["script-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"], response.url
        assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"] and csp["form-action"] == ["'self'"]
        assert "'unsafe-inline'" not in csp["style-src"] + csp["style-src-elem"]
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "strict-origin-when-cross-origin"
        assert h["cache-control"] == "no-store", response.url  # personal data: no cache keeps it
        assert "strict-transport-security" not in h  # plain HTTP: HSTS would be ignored or wrong


@SQLITE
def test_static_files_may_be_cached(client: TestClient) -> None:
    r = client.get("/static/app.js")
    assert r.status_code == 200 and "no-store" not in r.headers.get("cache-control", "")
    assert r.headers["x-content-type-options"] == "nosniff"


@SQLITE
def test_hsts_only_behind_https(rt: Runtime, city: City) -> None:
    public = replace(rt, settings=replace(rt.settings, public_base_url="https://cg.example.gov.cn"))
    assert TestClient(create_app(runtime=public)).get("/healthz").headers["strict-transport-security"].startswith("max-age=")
    proxied = replace(rt, settings=replace(rt.settings, trust_proxy=True))
    behind = TestClient(create_app(runtime=proxied))
    assert "strict-transport-security" in behind.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers
    assert "strict-transport-security" not in behind.get("/healthz", headers={"X-Forwarded-Proto": "http"}).headers


@pytest.mark.parametrize(("tile_url", "source"), [
    ("", ""),
    ("https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=k&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}", "https://*.tianditu.gov.cn"),
    ("http://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}", "http://*.is.autonavi.com"),
    ("https://tiles.example.org:8443/{z}/{x}/{y}.png", "https://tiles.example.org:8443"),
])
def test_map_tiles_may_come_from_the_configured_tile_server_only(tile_url: str, source: str) -> None:
    assert tile_source(tile_url) == source
    images = directives(content_security_policy(Settings(tile_url=tile_url)))["img-src"]
    assert images == ["'self'", "data:", "blob:", *([source] if source else [])]


@SQLITE
def test_the_api_docs_run_offline_with_the_policy_swagger_needs(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    scripts_and_styles = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert scripts_and_styles and all(u.startswith("/static/vendor/swagger-ui/") or u == "/openapi.json"
                                      for u in scripts_and_styles), scripts_and_styles
    for url in scripts_and_styles:
        assert client.get(url).status_code == 200, url
    docs = directives(page.headers["content-security-policy"])
    assert docs["script-src"] == ["'self'", "'unsafe-inline'"] and docs["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in directives(client.get("/console/login").headers["content-security-policy"])["script-src"]


# The policy forbids inline script: none may creep back into a template or be written by a script.
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)


def test_no_template_or_script_has_inline_code() -> None:
    templates = [p for d in TEMPLATE_DIRS for p in Path(d).rglob("*.html")]
    assert len(templates) > 20
    for path in templates:
        text = path.read_text(encoding="utf-8")
        assert not _INLINE_SCRIPT.search(text), f"inline <script> in {path}"
        assert not _HANDLER.search(text), f"inline event handler in {path}"
        assert "javascript:" not in text and "<style" not in text and "hx-on" not in text, path
    for path in STATIC_DIR.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert "eval(" not in text and "new Function" not in text and "<script" not in text, path
