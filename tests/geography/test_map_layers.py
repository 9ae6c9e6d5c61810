"""Map layers per zoom (issue 16): outlines simplified to what a pixel can show at that zoom, the same
grids and properties, gzip-compressed for clients that accept it; on both databases."""

from __future__ import annotations

import gzip
import json

import shapely
from fastapi.testclient import TestClient
from shapely.geometry import mapping, shape

from citysteward.geography.domain.simplify import decimals, simplify_geometry, tolerance
from citysteward.platform.runtime import Runtime


def _raw(client: TestClient, url: str, gz: bool) -> tuple[bytes, dict[str, str]]:
    """The body as sent (still compressed) and the headers."""
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip" if gz else "identity"}) as r:
        assert r.status_code == 200, r.read()
        return b"".join(r.iter_raw()), dict(r.headers)


def test_grids_come_simplified_per_zoom_and_compressed(client: TestClient) -> None:
    full_body, full_headers = _raw(client, "/api/v1/grids", gz=False)
    assert "content-encoding" not in full_headers
    full = json.loads(full_body)
    packed, headers = _raw(client, "/api/v1/grids?zoom=13", gz=True)
    assert headers["content-encoding"] == "gzip" and "accept-encoding" in headers["vary"].lower()
    small = json.loads(gzip.decompress(packed))
    assert len(packed) * 5 < len(full_body), (len(packed), len(full_body))
    by_code = {f["properties"]["code"]: f for f in full["features"]}
    assert sorted(by_code) == sorted(f["properties"]["code"] for f in small["features"])
    places = decimals(13)
    for f in small["features"]:
        original = by_code[f["properties"]["code"]]
        assert f["properties"] == original["properties"]
        a, b = shape(original["geometry"]), shape(f["geometry"])
        # within a pixel of the original outline (plus the rounding), never more vertices
        assert shapely.hausdorff_distance(a, b) <= tolerance(13) + 10 ** -places
        assert shapely.get_num_coordinates(b) <= shapely.get_num_coordinates(a)
        assert all(len(repr(x).split(".")[-1]) <= places for x in shapely.get_coordinates(b).ravel())


def test_a_coarser_zoom_sends_fewer_points_and_a_bad_zoom_is_refused(client: TestClient) -> None:
    ring = shapely.Point(113.24, 35.21).buffer(0.05, quad_segs=256)  # a district-sized round outline
    points = {z: int(shapely.get_num_coordinates(shape(simplify_geometry(mapping(ring), z)))) for z in (9, 12, 16)}
    assert points[9] < points[12] < points[16] <= shapely.get_num_coordinates(ring)
    r = client.get("/api/v1/grids?zoom=40")
    assert r.status_code in (400, 422) and "zoom" in r.text


def test_an_import_is_seen_at_once_by_the_cached_layer(client: TestClient, rt: Runtime) -> None:
    before = client.get("/api/v1/grids?zoom=12").json()
    first = before["features"][0]
    renamed = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": first["geometry"],
        "properties": {"code": first["properties"]["code"], "name": "改名后的网格", "level": "grid"}}]}
    from citysteward.geography import services as areas
    from citysteward.kernel.actor import Actor

    areas.import_areas(rt, Actor.system("测试"), renamed)
    after = client.get("/api/v1/grids?zoom=12").json()
    names = {f["properties"]["code"]: f["properties"]["name"] for f in after["features"]}
    assert names[first["properties"]["code"]] == "改名后的网格"
