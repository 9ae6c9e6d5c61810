"""The absolute URLs Open311 hands out (discovery, media) use the configured public address
(`CITYSTEWARD_PUBLIC_BASE_URL`); a Host header is never echoed back when one is set, and forwarded
headers count only from a trusted proxy (platform/http/urls.py)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citysteward.bootstrap import create_app
from citysteward.platform.runtime import Runtime
from tests.builders.http import png
from tests.builders.open311 import GARBAGE, V2, json_body, xml_root
from tests.conftest import City, grid_point

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the edge, not the store
PUBLIC = "https://cg.example.gov.cn"
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}


def app_with(rt: Runtime, **settings: Any) -> TestClient:
    return TestClient(create_app(runtime=replace(rt, settings=replace(rt.settings, **settings))))


def discovered(client: TestClient, headers: dict[str, str]) -> str:
    return str(json_body(client.get(f"{V2}/discovery.json", headers=headers))["endpoints"][0]["url"])


def test_the_configured_public_address_wins_over_the_host_header(rt: Runtime, city: City) -> None:
    client = app_with(rt, public_base_url=PUBLIC)
    assert discovered(client, FORGED) == f"{PUBLIC}/open311/v2"
    root = xml_root(client.get(f"{V2}/discovery.xml", headers=FORGED), "discovery")
    assert root.findtext("endpoints/endpoint/url") == f"{PUBLIC}/open311/v2"
    assert "evil.example" not in client.get(f"{V2}/discovery.xml", headers=FORGED).text


def test_media_urls_use_the_public_address(rt: Runtime, city: City) -> None:
    client = app_with(rt, public_base_url=PUBLIC + "/")  # a trailing slash is forgiven
    lon, lat = grid_point(2, 1)
    r = client.post("/api/v1/reports", data={"category_code": GARBAGE, "description": "垃圾堆积", "lon": str(lon),
                                             "lat": str(lat)}, files={"photos": ("before.png", png(), "image/png")})
    assert r.status_code == 201, r.text
    req = json_body(client.get(f"{V2}/requests/{r.json()['case_no']}.json", headers=FORGED))[0]
    assert re.fullmatch(rf"{re.escape(PUBLIC)}/api/v1/photos/\d+", req["media_url"])


def test_without_a_configured_address_forwarded_headers_count_only_from_a_trusted_proxy(rt: Runtime,
                                                                                       city: City) -> None:
    proxy = {"X-Forwarded-Host": "cg.example.gov.cn", "X-Forwarded-Proto": "https"}
    assert discovered(app_with(rt), proxy) == "http://testserver/open311/v2"
    assert discovered(app_with(rt, trust_proxy=True), proxy) == f"{PUBLIC}/open311/v2"
