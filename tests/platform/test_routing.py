"""Route matching by prefix (platform/http/routing.py): every route of the application, and paths that are
none, are matched to exactly what FastAPI's own matching picks, with the prefix checks and without."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.testclient import TestClient
from starlette.routing import Match

from citysteward.bootstrap import create_app
from citysteward.config import Settings
from citysteward.platform.http.routing import RequestRoute, guard_routers
from tests.conftest import PASSWORD, database_url

SAMPLE = {"int": "7", "path": "a/b.png", "str": "JZ20261126-00001"}


def _paths(app: FastAPI) -> list[tuple[str, str]]:
    """A concrete request (method, path) for every route the application serves."""
    out = []
    for route in app.router.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for context in contexts() if contexts else []:
            starlette_route = getattr(context, "starlette_route", None)
            fmt = getattr(starlette_route, "path_format", None) or getattr(context, "path_format", "")
            convertors = getattr(starlette_route, "param_convertors", None) or getattr(context, "param_convertors", {})
            path = re.sub(r"{(\w+)}", lambda m, c=convertors: SAMPLE.get(type(c.get(m.group(1))).__name__.removesuffix(
                "Convertor").lower(), "x"), fmt)
            methods = getattr(starlette_route, "methods", None) or getattr(context, "methods", None) or {"GET"}
            out += [(method, path) for method in sorted(methods)]
    return out


def _first_match(app: FastAPI, method: str, path: str, unguarded: bool) -> tuple[int, Any]:
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": b""}
    for index, route in enumerate(app.router.routes):
        matches = getattr(route.matches, "__wrapped__", route.matches) if unguarded else route.matches
        match, _ = matches(scope)
        if match is not Match.NONE:
            return index, match
    return -1, Match.NONE


def test_every_route_and_every_stranger_is_matched_as_without_the_prefix_checks(tmp_path: Any) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/routing.db", media_dir=tmp_path / "media"))
    assert guard_routers(app) == 0  # create_app guarded them already: a second call changes nothing
    guarded = sum(hasattr(r.matches, "__wrapped__") for r in app.router.routes)
    assert guarded >= 30
    requests = _paths(app)
    assert len(requests) > 300
    strangers = [("GET", "/nope"), ("GET", "/api/v1/nope"), ("POST", "/open311/v2/nope.json"), ("GET", "/"),
                 ("DELETE", "/api/v1/cases"), ("GET", "/api/v1/cases/"), ("GET", "/static/app.js"),
                 ("PUT", "/open311/v2/requests.json"), ("GET", "/open311/v2/requests/JZ1/x.json")]
    found = 0
    for method, path in requests + strangers:
        expected = _first_match(app, method, path, unguarded=True)
        assert _first_match(app, method, path, unguarded=False) == expected, (method, path)
        found += expected[1] is Match.FULL
    assert found >= len(requests) * 0.9  # the sample paths really reach their routes


def test_open311_strays_still_get_its_own_404_with_one_router_per_operation(tmp_path: Any) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/routing.db", media_dir=tmp_path / "media"))
    with TestClient(app) as client:
        for method, path in (("PUT", "/open311/v2/requests.json"), ("GET", "/open311/v2/nope.xml"),
                             ("DELETE", "/open311/v2/services.json")):
            r = client.request(method, path)
            assert r.status_code == 404 and "Open311 接口不存在" in r.text, (method, path, r.text)


def test_fastapi_telemetry_is_off_unless_the_setting_asks_for_it(tmp_path: Any, monkeypatch: Any) -> None:
    """Looking for an OpenTelemetry provider on every request cost 5 % of a short GET; CITYSTEWARD_OTEL=1
    hands the decision back to FastAPI (spans and metrics when a provider is configured)."""
    base = {"database_url": f"sqlite:///{tmp_path}/routing.db", "media_dir": tmp_path / "media"}
    off = create_app(Settings(**base))._telemetry  # type: ignore[arg-type]
    assert not (off["tracing"] or off["metrics"] or off["logs"])
    monkeypatch.setenv("CITYSTEWARD_OTEL", "1")
    on = create_app(Settings.from_env(**base))._telemetry
    assert on["tracing"] and on["metrics"] and on["logs"]


def test_a_request_route_takes_the_request_alone_and_answers_through_the_usual_edge() -> None:
    async def echo(request: Request) -> Response:
        if request.query_params.get("fail"):
            raise ValueError("boom")
        return JSONResponse({"path": request.url.path, "id": request.path_params["item"]})

    router = APIRouter(route_class=RequestRoute)
    router.add_api_route("/items/{item}", echo, methods=["GET"], summary="一项")
    app = FastAPI()
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/items/7").json() == {"path": "/items/7", "id": "7"}
        assert client.post("/items/7").status_code == 405
        assert client.get("/items/7?fail=1").status_code == 500
    assert "/items/{item}" in app.openapi()["paths"]

    async def two(request: Request, other: int) -> Response:
        return Response()

    def blocking(request: Request) -> Response:
        return Response()

    for endpoint in (two, blocking):
        with pytest.raises(TypeError, match="RequestRoute"):
            APIRouter(route_class=RequestRoute).add_api_route("/x", endpoint, methods=["GET"])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_applications_of_one_process_share_their_routes_and_each_keeps_its_runtime(
        rt: Any, city: Any, request: pytest.FixtureRequest, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    first = create_app(runtime=rt)
    (tmp_path / "other").mkdir()
    empty = database_url(request, tmp_path / "other", "sqlite")  # the reference data, no users
    second = create_app(Settings(database_url=empty, media_dir=tmp_path / "media"))
    shared = [r for r in second.router.routes if any(r is mine for mine in first.router.routes)]
    assert len(shared) >= 40  # every included router: made once, in both applications
    login = {"username": "admin", "password": PASSWORD}
    with TestClient(first) as a, TestClient(second) as b:
        assert a.post("/api/v1/auth/login", json=login).status_code == 200
        assert b.post("/api/v1/auth/login", json=login).status_code == 401  # its own database answers
        assert a.get("/open311/v2/requests/JZ20261117-00001.json").status_code == 404
    # the same document as FastAPI's own include_router gives
    for module in ("citysteward.bootstrap", "citysteward.open311.api"):
        monkeypatch.setattr(f"{module}.include_shared", lambda app, router: app.include_router(router))
    plain = create_app(runtime=rt)
    assert not any(r is mine for r in plain.router.routes for mine in first.router.routes)
    assert plain.openapi() == first.openapi()
