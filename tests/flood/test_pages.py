"""The flood pages and API over a real app: a warning from the season page opens an event at Ⅳ, the
command page shows the level history, deployments and tagged cases; errors come back as pages / 4xx."""

from __future__ import annotations

from citysteward.flood import services as fl
from tests.builders.cases import report
from tests.builders.http import assert_error
from tests.conftest import City


def test_season_page_warning_and_command_page(city: City, client_for, token, client) -> None:
    rt = city.rt
    fl.add_point(rt, city.actor("admin"), {"code": "YL-01", "name": "塔南路铁路桥下", "lon": 113.25, "lat": 35.21,
                                           "orange_cm": 15, "red_cm": 30, "unit_id": city.units["facility"]})
    web = client_for("leader")
    assert web.get("/console/flood").status_code == 200
    r = web.post("/console/flood/warnings", data={"colour": "yellow", "issuer": "焦作市气象台"})
    assert r.status_code == 303
    event_id = int(r.headers["location"].split("/")[-1].split("?")[0])
    page = web.get(f"/console/flood/events/{event_id}")
    assert page.status_code == 200 and "Ⅲ级响应" in page.text and "值班长张" in page.text
    assert web.post(f"/console/flood/events/{event_id}/deploy",
                    data={"unit_id": str(city.units["facility"]), "people": "30", "vehicles": "2", "pumps": "3"}
                    ).status_code == 303
    case_no = report(city)
    assert web.post(f"/console/flood/events/{event_id}/tag", data={"case_nos": case_no}).status_code == 303
    page = web.get(f"/console/flood/events/{event_id}")
    assert 'id="ev-people">30<' in page.text and 'id="ev-equipment">5<' in page.text and case_no in page.text
    bad = web.post(f"/console/flood/events/{event_id}/deploy", data={"unit_id": str(city.units["facility"])})
    assert bad.status_code == 422 and "至少填写一项" in bad.text
    headers = token("leader")
    view = client.get(f"/api/v1/flood/events/{event_id}", headers=headers).json()
    assert view["figures"]["person_times"] == 30 and view["figures"]["cases"] == 1
    assert client.get("/api/v1/flood/events/active", headers=headers).json()["id"] == event_id
    assert_error(client.post("/api/v1/flood/warnings", headers=headers, json={"colour": "purple"}), 422)
    assert_error(client.post(f"/api/v1/flood/events/{event_id}/level", headers=token("facility"),
                             json={"level": "i", "reason": "x"}), 403, "forbidden")
    assert_error(client.get("/api/v1/flood/events/99999", headers=headers), 404, "not_found")
    assert client.get(f"/api/v1/flood/events/{event_id}/report.docx", headers=headers).status_code == 200
    assert client.get("/api/v1/flood/season/report.xlsx?year=2026", headers=headers).status_code == 200
    assert web.get("/console/flood/flood-map.js").status_code == 200


def test_register_forms_on_the_season_page(city: City, client_for) -> None:
    web = client_for("leader")
    r = web.post("/console/flood/points", data={"code": "YL-9", "name": "建设路涵洞", "lon": "113.24", "lat": "35.245",
                                                "orange_cm": "15", "red_cm": "30", "unit_id": str(city.units["facility"])})
    assert r.status_code == 303
    assert fl.point(city.rt, "YL-9")["red_cm"] == 30
    bad = web.post("/console/flood/points", data={"code": "YL-10", "name": "x", "lon": "113.24", "lat": "35.245",
                                                  "orange_cm": "30", "red_cm": "15"})
    assert bad.status_code == 422 and "红色阈值须大于橙色阈值" in bad.text and fl.point(city.rt, "YL-10") is None
    assert web.post("/console/flood/materials", data={"name": "沙袋", "warehouse": "一号库", "qty": "100",
                                                      "min_qty": "50"}).status_code == 303
    assert web.post("/console/flood/duty", data={"starts_at": "2026-11-17T00:00", "ends_at": "2026-11-18T00:00",
                                                 "post": "值班员", "person": "李值班"}).status_code == 303
    page = web.get("/console/flood")
    assert "建设路涵洞" in page.text and "一号库" in page.text and "李值班" in page.text and "未覆盖时段" not in page.text
