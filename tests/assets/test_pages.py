"""The assets pages: the road register with its map, a road's editor, components, a component's page,
the import page and bad input on the forms."""

from __future__ import annotations

import json

import pytest

from citysteward.assets.services import components as comp
from citysteward.assets.services import roads as road_services
from tests.assets.conftest import NANTONG
from tests.conftest import City

# pages: SQLite is enough here, the store is exercised on PostgreSQL by the other assets tests
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_console_pages_render_for_staff(city: City, roads: dict[str, int], client_for) -> None:
    comp.import_components(city.rt, city.actor("admin"), [
        {"code": "41080201037000001", "name": "南通路路灯1号", "lon": 113.2052, "lat": 35.215, "power_w": 120}])
    lamp = comp.component_by_code(city.rt, "41080201037000001")
    dispatcher = client_for("dispatcher")
    home = dispatcher.get("/console/assets")
    assert home.status_code == 200
    assert "南通路" in home.text and "新建未移交" in home.text and "临时：王褚街道" in home.text
    assert 'data-assets-map="city"' in home.text and "路灯" in home.text
    road = dispatcher.get(f"/console/assets/roads/{roads['南通路']}")
    assert road.status_code == 200 and "南通路路灯1号" in road.text and 'id="road-form"' not in road.text
    page = dispatcher.get(f"/console/assets/components/{lamp.id}")
    assert page.status_code == 200 and "120W" in page.text and "登记" in page.text and "41080201037000001" in page.text
    listing = dispatcher.get("/console/assets/components", params={"class_code": "01037"})
    assert "南通路路灯1号" in listing.text
    assert dispatcher.get("/console/assets/components/999999").status_code == 404
    assert dispatcher.get("/console/assets/maintenance").status_code == 200


def test_admin_edits_a_road_on_its_page_and_bad_input_comes_back(city: City, roads: dict[str, int],
                                                                 client_for) -> None:
    admin = client_for("admin")
    page = admin.get(f"/console/assets/roads/{roads['南通路']}")
    assert 'id="road-form"' in page.text and 'data-edit="road-geometry"' in page.text
    form = {"name": "南通路", "road_class": "arterial", "geometry": json.dumps({"type": "LineString", "coordinates": NANTONG}),
            "handed_over": "0", "interim_body": "市城投", "managing_unit_id": str(city.units["facility"])}
    r = admin.post(f"/console/assets/roads/{roads['南通路']}", data=form)
    assert r.status_code == 303
    saved = road_services.get_road(city.rt, roads["南通路"])
    assert saved.road_class.value == "arterial" and not saved.handed_over and saved.managing_unit_id == city.units["facility"]
    bad = admin.post(f"/console/assets/roads/{roads['南通路']}", data={**form, "geometry": "not json"})
    assert bad.status_code == 422 and "GeoJSON" in bad.text
    bad = admin.post(f"/console/assets/roads/{roads['南通路']}", data={**form, "interim_body": ""})
    assert bad.status_code == 422 and "临时管理主体" in bad.text
    new = admin.post("/console/assets/roads/0", data={**form, "name": "龙源路", "handed_over": "1"})
    assert new.status_code == 303 and road_services.road_at(city.rt, 113.205, 35.22) is not None
    assert admin.get("/console/assets/import").status_code == 200
    unit = client_for("facility")
    refused = unit.post(f"/console/assets/roads/{roads['南通路']}", data=form)
    assert refused.status_code == 403


def test_maintenance_form_records_work_and_refuses_bad_numbers(city: City, roads: dict[str, int],
                                                               client_for) -> None:
    unit = client_for("facility")
    month = city.rt.now().astimezone(city.rt.settings.tz).strftime("%Y-%m")
    r = unit.post("/console/assets/maintenance/work", data={"title": "南通路路灯维修", "q_lamp_repair": "12",
                                                            "q_cable": "35.5", "road_id": str(roads["南通路"]),
                                                            "crew": "3", "month": month})
    assert r.status_code == 303, r.text
    page = unit.get(r.headers["location"])
    assert "维修路灯 12 盏次，更换电缆 35.5 米" in page.text
    bad = unit.post("/console/assets/maintenance/work", data={"title": "x", "q_cable": "-3", "month": month})
    assert bad.status_code == 422 and "数量" in bad.text
    bad = unit.post("/console/assets/maintenance/work", data={"title": "x", "q_cable": "3", "crew": "三",
                                                              "month": month})
    assert bad.status_code == 422 and "出动人数" in bad.text
