"""A real third-party client against a running server: the PyPI `georeport` 0.3.1 package reads the
services, a service definition, the request list with each filter and a single request, in JSON and in
XML, from uvicorn on a loopback port; requests are filed as a client would (form-encoded over HTTP)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from georeport import GeoReport as GeoReportClient

from citysteward.bootstrap import create_app
from citysteward.platform.runtime import Runtime
from tests.builders.open311 import ATTRIBUTES, GARBAGE, HAWKER, MANHOLE, act, edited_category, form, login, new_key
from tests.conftest import City


@pytest.fixture
def api_key(rt: Runtime, city: City) -> str:
    return str(new_key(rt, city)["api_key"])


@pytest.fixture
def manhole_attributes(rt: Runtime, city: City) -> Iterator[None]:
    with edited_category(rt, city, MANHOLE, attributes=ATTRIBUTES):
        yield


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(rt: Runtime, city: City) -> Iterator[str]:
    """The app on uvicorn in a background thread, on the test database; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(create_app(runtime=rt), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def as_list(value: Any) -> list[Any]:
    """xmltodict gives a dict for a one-element list."""
    return value if isinstance(value, list) else [value]


def ids(requests: Any) -> list[str]:
    return [r["service_request_id"] for r in as_list(requests)]


@pytest.fixture
def filed(server: str, api_key: str, manhole_attributes: None, clock: Any) -> dict[str, str]:
    """Three requests filed over HTTP, a day apart, as a client application would."""
    out: dict[str, str] = {}
    with httpx.Client(base_url=server, timeout=60) as http:
        for code, extra in ((MANHOLE, {"attribute[hazards][]": ["traffic", "school"], "media_url":
                                       "https://img.example.com/a.jpg"}),
                            (GARBAGE, {"description": "小区门口垃圾堆积，气味很大"}),
                            (HAWKER, {"description": "游商占道经营", "first_name": "小明", "last_name": "李"})):
            r = http.post("/open311/v2/requests.xml", data=form(api_key, code, **extra))
            assert r.status_code == 200, r.text
            r = http.get("/open311/v2/requests.json", params={"service_code": code})
            out[code] = r.json()[0]["service_request_id"]
            clock.advance(days=1)
        assert http.post(f"{server}//open311//v2//requests.json", data=form(api_key, MANHOLE)).status_code == 200
        out["void"] = http.get("/open311/v2/requests.json").json()[0]["service_request_id"]
    return out


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_services_and_definitions(server: str, manhole_attributes: None, fmt: str) -> None:
    client = GeoReportClient(f"{server}/open311/v2/", jurisdiction="jz", output_format=fmt)
    services = as_list(client.get_service_list())
    manhole = next(s for s in services if s["service_code"] == MANHOLE)
    assert manhole["service_name"] == "污水井盖" and manhole["group"] == "市政公用设施"
    assert str(manhole["metadata"]).lower() == "true" and str(manhole["type"]) == "realtime"
    assert len(services) > 100 and {s["service_code"] for s in services} >= {GARBAGE, HAWKER}

    definition = client.get_service_definition(MANHOLE)
    assert definition["service_code"] == MANHOLE
    attributes = definition["attributes"] if fmt == "json" else as_list(definition["attributes"]["attribute"])
    assert [a["code"] for a in attributes] == [a["code"] for a in ATTRIBUTES]
    damage = attributes[1]
    values = damage["values"] if fmt == "json" else as_list(damage["values"]["value"])
    assert [(v["key"], v["name"]) for v in values] == [("missing", "缺失"), ("broken", "破损"), ("loose", "松动")]
    assert str(damage["required"]).lower() == "true" and damage["datatype"] == "singlevaluelist"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_requests_with_every_filter(
    server: str, filed: dict[str, str], fmt: str, clock: Any
) -> None:
    with httpx.Client(base_url=server, timeout=60) as http:  # the acceptor voids one over REST: closed from then on
        act(http, login(http, "acceptor"), filed["void"], "void", note="重复上报")  # type: ignore[arg-type]

    client = GeoReportClient(f"{server}/open311/v2", output_format=fmt)
    everything = [filed["void"], filed[HAWKER], filed[GARBAGE], filed[MANHOLE]]
    assert ids(client.get_service_requests()) == everything
    assert ids(client.get_service_requests(service_code=f"{MANHOLE},{GARBAGE}")) == [
        filed["void"], filed[GARBAGE], filed[MANHOLE]]
    assert ids(client.get_service_requests(status="open")) == everything[1:]
    assert ids(client.get_service_requests(status="closed")) == [filed["void"]]
    assert ids(client.get_service_requests(status="open,closed", service_code=HAWKER)) == [filed[HAWKER]]
    assert ids(client.get_service_requests(start_date="2026-11-18T00:00:00+08:00",
                                           end_date="2026-11-19T23:59:59+08:00")) == [filed[HAWKER], filed[GARBAGE]]
    assert ids(client.get_service_requests(start_date="2026-11-17T02:00:00Z",
                                           end_date="2026-11-17T02:00:00Z")) == [filed[MANHOLE]]
    assert ids(client.get_service_requests(service_request_id=f"{filed[MANHOLE]},{filed[HAWKER]}",
                                           status="closed")) == [filed[HAWKER], filed[MANHOLE]]

    one = client.get_service_request(filed[MANHOLE])
    assert one["service_request_id"] == filed[MANHOLE] and one["status"] == "open"
    assert one["service_code"] == MANHOLE and one["service_name"] == "污水井盖"
    assert one["media_url"] == "https://img.example.com/a.jpg"
    assert one["requested_datetime"] == "2026-11-17T10:00:00+08:00"
    assert float(one["lat"]) == pytest.approx(float(form(None)["lat"]))
    garbage = client.get_service_request(filed[GARBAGE])
    assert garbage["description"] == "小区门口垃圾堆积，气味很大"

    closed = client.get_service_request(filed["void"])
    assert (closed["status"], closed["status_notes"]) == ("closed", "重复上报")

    clock.advance(days=120)  # the default window is the last 90 days
    assert client.get_service_requests(service_code=GARBAGE, start_date="2026-11-17T00:00:00+08:00")
    if fmt == "json":
        assert client.get_service_requests() == []


def test_errors_reach_a_client_as_http_errors(server: str, api_key: str) -> None:
    import requests

    client = GeoReportClient(f"{server}/open311/v2", jurisdiction="elsewhere")
    with pytest.raises(requests.HTTPError) as err:
        client.get_service_list()
    assert err.value.response.status_code == 404
    assert err.value.response.json()[0]["code"] == 404
    client = GeoReportClient(f"{server}/open311/v2", output_format="xml")
    with pytest.raises(requests.HTTPError) as err:
        client.get_service_requests(start_date="2026-01-01T00:00:00Z", end_date="2026-12-31T00:00:00Z")
    assert err.value.response.status_code == 400 and b"<errors>" in err.value.response.content  # > 90 days
