"""The road register and the pin → road lookup: a report placed by a pin on 南通路, with no road typed,
routes by 南通路's rule whichever way it came in (citizen page, Open311), and the case page says so."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from citysteward.assets.domain.roads import RoadIndex, length_m, parse_line, road_class
from citysteward.assets.services import roads as road_services
from citysteward.cases.domain.model import Action
from citysteward.cases.services import actions as case_service
from citysteward.kernel.errors import Conflict, Forbidden, InvalidInput
from citysteward.kernel.geo import haversine_m
from tests.assets.conftest import FAR_FROM_ROADS, NANTONG, ON_NANTONG, road_feature, roads_collection
from tests.builders.cases import step
from tests.builders.open311 import V2, new_key
from tests.conftest import City

GARBAGE = "06010"  # 暴露垃圾: class 06


def test_nearest_road_within_the_distance_and_its_metres() -> None:
    index = RoadIndex([(1, "南通路", {"type": "LineString", "coordinates": NANTONG}),
                       (2, "站前路", {"type": "LineString", "coordinates": [[113.201, 35.225], [113.239, 35.225]]})])
    match = index.nearest(*ON_NANTONG, within_m=30)
    assert match is not None and match.name == "南通路"
    # independent: the great-circle distance to the foot of the perpendicular on the line
    assert match.distance_m == pytest.approx(haversine_m(ON_NANTONG[0], ON_NANTONG[1], 113.205, ON_NANTONG[1]), rel=0.01)
    assert index.nearest(*ON_NANTONG, within_m=10) is None
    assert index.nearest(*FAR_FROM_ROADS, within_m=30) is None
    assert index.nearest(113.2051, 35.2251, within_m=30).name in ("南通路", "站前路")  # at the crossing
    assert RoadIndex([]).nearest(113.2, 35.2, 30) is None


@pytest.mark.parametrize(("text", "value"), [("主干路", "arterial"), ("主干道", "arterial"), ("支路", "branch"),
                                             ("alley", "alley"), ("次干道", "secondary")])
def test_road_classes_by_code_or_chinese_name(text: str, value: str) -> None:
    assert road_class(text).value == value


def test_bad_road_input_is_refused_in_words() -> None:
    with pytest.raises(InvalidInput, match="道路等级"):
        road_class("高速")
    with pytest.raises(InvalidInput, match="必须是线"):
        parse_line({"type": "Point", "coordinates": [113.2, 35.2]}, "道路")
    with pytest.raises(InvalidInput, match="经纬度"):
        parse_line({"type": "LineString", "coordinates": [[213.2, 35.2], [113.3, 35.2]]}, "道路")
    # 0.034° of latitude is about 3.78 km
    assert length_m(parse_line({"type": "LineString", "coordinates": NANTONG}, "道路")) == pytest.approx(
        haversine_m(*NANTONG[0], *NANTONG[1]), rel=0.002)


def test_import_roads_all_or_nothing_and_replace_by_name(city: City) -> None:
    admin = city.actor("admin")
    assert road_services.import_roads(city.rt, admin, roads_collection()) == {"added": 2, "updated": 0}
    roads = {r.name: r for r in road_services.list_roads(city.rt)}
    assert roads["站前路"].handed_over is False and roads["站前路"].interim_body == "王褚街道"
    assert roads["南通路"].road_class.label == "次干路" and roads["南通路"].length_m == pytest.approx(3781, rel=0.01)
    bad = roads_collection()
    bad["features"].append(road_feature("新路", [[113.21, 35.21]]))  # one point is not a line
    with pytest.raises(InvalidInput, match="第 3 个要素"):
        road_services.import_roads(city.rt, admin, bad)
    untransferred = roads_collection()
    untransferred["features"][0]["properties"].update(handed_over=False)  # no interim body named
    with pytest.raises(InvalidInput, match="临时管理主体"):
        road_services.import_roads(city.rt, admin, untransferred)
    assert road_services.import_roads(city.rt, admin, roads_collection()) == {"added": 0, "updated": 2}
    assert len(road_services.list_roads(city.rt)) == 2
    with pytest.raises(Forbidden):
        road_services.import_roads(city.rt, city.actor("dispatcher"), roads_collection())
    with pytest.raises(Conflict):
        road_services.save_road(city.rt, admin, road_services.RoadInput("南通路", "支路", {
            "type": "LineString", "coordinates": [[113.21, 35.21], [113.22, 35.21]]}))


def _registered(city: City, case_no: str) -> None:
    state = case_service.case_detail(city.rt, case_no, city.actor("acceptor")).state.value
    if state == "pending_verify":
        step(city, "inspector", case_no, Action.VERIFY)
    step(city, "acceptor", case_no, Action.REGISTER)


def _assert_routed_by_road(city: City, client: TestClient, case_no: str, rule_id: int) -> None:
    _registered(city, case_no)
    detail = case_service.case_detail(city.rt, case_no, city.actor("dispatcher"))
    assert detail.road == "南通路"
    assert detail.routing.suggested_unit_id == city.units["chengtou"]
    assert f"#{rule_id}" in detail.routing.reason and "道路「南通路」" in detail.routing.reason
    login = client.post("/console/login", data={"username": "dispatcher", "password": "Passw0rd!", "next": "/console"},
                        headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert login.status_code == 303
    page = client.get(f"/console/cases/{case_no}")
    assert page.status_code == 200
    assert "道路「南通路」" in page.text and "市城投" in page.text
    assert "按定位识别，距道路中心线 18" in page.text  # ≈ 18.2 m, as the test above recounts


def test_a_pin_on_nantong_road_routes_by_its_rule_from_the_citizen_page(city: City, road_rule: int,
                                                                       client: TestClient) -> None:
    r = client.post("/api/v1/reports", json={"category_code": GARBAGE, "description": "南通路南端堆积建筑垃圾",
                                             "lon": ON_NANTONG[0], "lat": ON_NANTONG[1]})
    assert r.status_code == 201, r.text
    _assert_routed_by_road(city, client, r.json()["case_no"], road_rule)


def test_a_pin_on_nantong_road_routes_by_its_rule_from_open311(city: City, road_rule: int,
                                                              client: TestClient) -> None:
    key = new_key(city.rt, city)
    r = client.post(f"{V2}/requests.json", data={"api_key": key["api_key"], "service_code": GARBAGE,
                                                 "long": str(ON_NANTONG[0]), "lat": str(ON_NANTONG[1]),
                                                 "description": "南通路路边垃圾无人清理"})
    assert r.status_code == 200, r.text
    _assert_routed_by_road(city, client, r.json()[0]["service_request_id"], road_rule)


def test_a_typed_road_wins_and_a_pin_far_from_roads_gets_none(city: City, road_rule: int,
                                                             client: TestClient) -> None:
    typed = client.post("/api/v1/reports", json={"category_code": GARBAGE, "description": "垃圾", "road": "塔南路",
                                                 "lon": ON_NANTONG[0], "lat": ON_NANTONG[1]}).json()["case_no"]
    far = client.post("/api/v1/reports", json={"category_code": GARBAGE, "description": "垃圾",
                                               "lon": FAR_FROM_ROADS[0], "lat": FAR_FROM_ROADS[1]}).json()["case_no"]
    admin = city.actor("admin")
    assert case_service.case_detail(city.rt, typed, admin).road == "塔南路"
    assert case_service.case_detail(city.rt, far, admin).road is None
    # the distance is configuration: 10 m no longer reaches 南通路 from the pin
    road_services.replace_config(city.rt, admin, {"road_snap_m": 10})
    near = client.post("/api/v1/reports", json={"category_code": GARBAGE, "description": "垃圾",
                                                "lon": ON_NANTONG[0], "lat": ON_NANTONG[1]}).json()["case_no"]
    assert case_service.case_detail(city.rt, near, admin).road is None


def test_roads_api_public_layer_and_admin_edits(city: City, roads: dict[str, int], client: TestClient,
                                                token) -> None:
    layer = client.get("/api/v1/roads").json()
    assert {f["properties"]["name"] for f in layer["features"]} == {"南通路", "站前路"}
    at = client.get("/api/v1/roads/at", params={"lon": ON_NANTONG[0], "lat": ON_NANTONG[1]}).json()
    assert at["road"]["name"] == "南通路" and at["snap_m"] == 30
    body = {"name": "南通路", "road_class": "branch", "geometry": {"type": "LineString", "coordinates": NANTONG},
            "handed_over": False, "interim_body": "解放区环卫中心"}
    r = client.put(f"/api/v1/roads/{roads['南通路']}", json=body, headers=token("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["status_label"] == "新建未移交"
    assert client.put(f"/api/v1/roads/{roads['南通路']}", json=body, headers=token("dispatcher")).status_code == 403
    bad = client.put(f"/api/v1/roads/{roads['南通路']}", json={**body, "road_class": "高速"}, headers=token("admin"))
    assert bad.status_code == 422 and "道路等级" in bad.json()["message"]
    assert client.get("/api/v1/roads/9999", headers=token("admin")).status_code == 404
