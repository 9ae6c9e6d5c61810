"""An Open311 request's document is kept by each worker with the stamp it was built from (open311/services.py
`get_request`, platform/stamped.py): whatever another worker changes — a step, a citizen's later photo, a
unit's name — the next GET shows it, on both databases."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from citysteward.bootstrap import create_app
from citysteward.org.services import accounts
from citysteward.platform.db import make_engine
from citysteward.platform.runtime import Runtime
from citysteward.platform.stamped import StampedCache
from citysteward.unit_of_work import SqlUnitOfWorkFactory
from tests.builders.open311 import GARBAGE, V2, act, json_body, login
from tests.conftest import City, grid_point


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 200)).save(buf, format="PNG")
    return buf.getvalue()


def _document(client: TestClient, case_no: str) -> dict[str, Any]:
    found = json_body(client.get(f"{V2}/requests/{case_no}.json"))
    assert len(found) == 1
    doc: dict[str, Any] = found[0]
    return doc


def test_each_get_shows_what_another_worker_changed(rt: Runtime, city: City, client: TestClient) -> None:
    other_engine = make_engine(rt.settings.database_url)
    other = Runtime(uow=SqlUnitOfWorkFactory(other_engine), settings=rt.settings, clock=rt.clock)
    try:
        second = TestClient(create_app(runtime=other))  # another worker: its own caches, the same database
        lon, lat = grid_point(2, 1)
        r = client.post("/api/v1/reports", data={"category_code": GARBAGE, "description": "路边垃圾堆积",
                                                 "lon": str(lon), "lat": str(lat)})
        assert r.status_code == 201, r.text
        case_no, token = r.json()["case_no"], r.json()["public_token"]

        first = _document(client, case_no)
        assert _document(client, case_no) == first  # the second GET is served from this worker's copy
        views: StampedCache = rt.singleton("open311.request_views", StampedCache)
        assert len(views) == 1
        assert (first["status"], first["status_notes"], first["media_url"]) == ("open", "待受理", "")

        # A step taken by the other worker (the case's version moves on).
        act(second, login(second, "acceptor"), case_no, "register")
        registered = _document(client, case_no)
        assert registered["status_notes"] == "待派遣" and registered["agency_responsible"] != ""
        assert registered["updated_datetime"] >= first["updated_datetime"]

        # A photo the reporter adds later through the other worker: no step, no new version.
        r = second.post(f"/track/{case_no}/photos", data={"t": token},
                        files={"photos": ("later.png", _png(), "image/png")}, follow_redirects=False)
        assert r.status_code == 303, r.text
        with_photo = _document(client, case_no)
        assert with_photo["media_url"].startswith("http://testserver/api/v1/photos/")
        assert {**with_photo, "media_url": ""} == registered

        # A unit renamed: each worker's unit names are reloaded (after their time to live; here at once).
        responsible = registered["agency_responsible"]
        renamed_id = next(i for i, name in accounts.unit_names(rt).items() if name == responsible)
        accounts.update_unit(other, city.actor("admin"), renamed_id, {"name": "市城市环境卫生服务中心"})
        rt.cache.drop("unit_names")
        assert _document(client, case_no)["agency_responsible"] == "市城市环境卫生服务中心"

        # The address a document names its photo with is part of what it was built from.
        elsewhere = TestClient(client.app, base_url="http://other.example")
        assert _document(elsewhere, case_no)["media_url"].startswith("http://other.example/api/v1/photos/")
        assert _document(client, case_no)["media_url"].startswith("http://testserver/")
    finally:
        other_engine.dispose()


def test_an_unknown_request_is_a_404_and_nothing_is_kept(rt: Runtime, city: City, client: TestClient) -> None:
    r = client.get(f"{V2}/requests/JZ20991231-999999.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    assert len(rt.singleton("open311.request_views", StampedCache)) == 0


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    views = StampedCache(size=2)
    views.put("a", 1, "A")
    views.put("b", 1, "B")
    assert views.get("a", 1) == "A"  # a is now the most recent
    views.put("c", 1, "C")
    assert views.get("b", 1) is None and views.get("a", 1) == "A" and views.get("c", 1) == "C"
    assert views.get("a", 2) is None  # another stamp: not this value
    assert len(views) == 2
