"""Cross-site request forgery (platform/http/csrf.py): a write carried by the session cookie, and every
sign-in through the login form, must come from our own origin; API clients with a bearer token and
cookie-less callers are not affected. Behind HTTPS the cookie is Secure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citysteward.bootstrap import create_app
from citysteward.platform.runtime import Runtime
from tests.builders.http import assert_error, stored
from tests.conftest import PASSWORD, City

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the edge, not the store
OURS = "http://testserver"
EVIL = "https://evil.example"
LOGIN = {"username": "admin", "password": PASSWORD, "next": "/console"}


def browser(rt: Runtime, origin: str | None = OURS) -> TestClient:
    headers = {"Origin": origin} if origin else {}
    return TestClient(create_app(runtime=rt), follow_redirects=False, headers=headers)


def signed_in(rt: Runtime) -> TestClient:
    c = browser(rt)
    assert c.post("/console/login", data=LOGIN).status_code == 303
    del c.headers["Origin"]
    return c


def test_a_cross_site_login_post_is_refused(rt: Runtime, city: City) -> None:
    r = browser(rt, EVIL).post("/console/login", data=LOGIN)
    body = assert_error(r, 403, "cross_site_request")
    assert "跨站" in body["message"] and "set-cookie" not in r.headers
    assert_error(browser(rt, "null").post("/console/login", data=LOGIN), 403, "cross_site_request")
    assert_error(browser(rt, None).post("/console/login", data=LOGIN), 403, "cross_site_request")  # no origin at all
    assert browser(rt, OURS).post("/console/login", data=LOGIN).status_code == 303


def test_the_referer_counts_where_a_browser_sent_no_origin(rt: Runtime, city: City) -> None:
    c = browser(rt, None)
    refused = c.post("/console/login", data=LOGIN, headers={"Referer": f"{EVIL}/phish"})
    assert_error(refused, 403, "cross_site_request")
    r = c.post("/console/login", data=LOGIN, headers={"Referer": f"{OURS}/console/login?next=/console"})
    assert r.status_code == 303


@pytest.mark.parametrize(("method", "path", "data"), [
    ("POST", "/console/admin/units", {"name": "伪造单位", "code": "evil", "kind": "other"}),
    ("POST", "/console/logout", {}),
    ("PATCH", "/api/v1/units/{street}", None),
])
def test_writes_carried_by_the_session_cookie_must_come_from_our_pages(rt: Runtime, city: City, method: str,
                                                                       path: str, data: dict[str, str] | None) -> None:
    c = signed_in(rt)
    url = path.format(street=city.units["street"])
    kw: dict[str, Any] = {"data": data} if data is not None else {"json": {"name": "伪造"}}
    before = stored(rt)
    for headers in ({"Origin": EVIL}, {"Origin": "null"}, {"Referer": f"{EVIL}/x"}, {}):
        assert_error(c.request(method, url, headers=headers, **kw), 403, "cross_site_request")
    assert stored(rt) == before
    assert c.get("/console").status_code == 200  # still signed in: the forged logout did nothing
    assert c.request(method, url, headers={"Origin": OURS}, **kw).status_code in (200, 303)


def test_a_cookie_read_is_not_a_write(rt: Runtime, city: City) -> None:
    c = signed_in(rt)
    assert c.get("/console/cases", headers={"Origin": EVIL}).status_code == 200


def test_bearer_clients_and_cookie_less_callers_are_not_affected(rt: Runtime, city: City,
                                                                 token: Callable[[str], dict[str, str]]) -> None:
    api = TestClient(create_app(runtime=rt), headers={"Origin": EVIL})
    r = api.post("/api/v1/units", json={"name": "新单位", "code": "new", "kind": "other"}, headers=token("admin"))
    assert r.status_code == 201, r.text
    r = api.post("/open311/v2/requests.json", data={"service_code": "01002"})  # no key: Open311's own 403
    assert r.status_code == 403 and isinstance(r.json(), list)


def test_our_origin_is_the_configured_public_address(rt: Runtime, city: City) -> None:
    public = replace(rt, settings=replace(rt.settings, public_base_url="https://cg.example.gov.cn"))
    assert_error(browser(public, OURS).post("/console/login", data=LOGIN), 403, "cross_site_request")
    assert browser(public, "https://cg.example.gov.cn").post("/console/login", data=LOGIN).status_code == 303


@pytest.mark.parametrize(("settings", "headers", "secure"), [
    ({}, {}, False),
    ({}, {"X-Forwarded-Proto": "https"}, False),  # not believed unless a proxy is trusted
    ({"trust_proxy": True}, {"X-Forwarded-Proto": "https"}, True),
    ({"public_base_url": "https://cg.example.gov.cn"}, {}, True),
])
def test_the_session_cookie_is_secure_behind_https(rt: Runtime, city: City, settings: dict[str, Any],
                                                   headers: dict[str, str], secure: bool) -> None:
    configured = replace(rt, settings=replace(rt.settings, **settings))
    origin = settings.get("public_base_url") or ("https://testserver" if settings.get("trust_proxy") else OURS)
    r = browser(configured, origin).post("/console/login", data=LOGIN, headers=headers)
    assert r.status_code == 303, r.text
    assert ("Secure" in r.headers["set-cookie"]) is secure
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=lax" in r.headers["set-cookie"]
