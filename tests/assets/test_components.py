"""The component registry (部件): identifiers, bulk import with rejected rows, nearest components of a
class, the map layer, and a case about a lamp that repairs it when closed."""

from __future__ import annotations

import math
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from citysteward.assets import tables as t
from citysteward.assets.domain.components import ComponentCode
from citysteward.assets.services import components as comp
from citysteward.cases.services import intake
from citysteward.kernel.errors import Forbidden, InvalidInput
from citysteward.kernel.geo import haversine_m
from tests.assets.conftest import ON_NANTONG
from tests.builders.cases import walk_to_close
from tests.conftest import City

LAMP = "01037"


def lamp_code(seq: int, division: str = "410802") -> str:
    return f"{division}{LAMP}{seq:06d}"


def lamp_row(seq: int, lon: float, lat: float, **extra: Any) -> dict[str, Any]:
    return {"code": lamp_code(seq), "name": f"路灯{seq}", "lon": lon, "lat": lat, "lamp_type": "LED",
            "power_w": "120", "circuit": "南通路1号箱变", "maintainer": "市市政设施所", **extra}


@pytest.mark.parametrize(("raw", "class_code", "legacy"), [
    ("41080201037000001", "01037", False), ("3205080101000001", "0101", True), (" 41080201004000123 ", "01004", False)])
def test_identifiers_17_digits_or_the_older_16(raw: str, class_code: str, legacy: bool) -> None:
    code = ComponentCode.parse(raw)
    assert (code.class_code, code.legacy, code.division) == (class_code, legacy, raw.strip()[:6])


@pytest.mark.parametrize("raw", ["4108020103700001", "410802010370000012", "41080201037A00001", "", None,
                                 "41080201037000000", "00080201037000001", "４１０８０２０１０３７０００００１"])
def test_bad_identifiers_are_refused_in_words(raw: Any) -> None:
    if raw == "4108020103700001":  # 16 digits is the legacy form: valid as an identifier
        assert ComponentCode.parse(raw).legacy
        return
    with pytest.raises(InvalidInput, match="标识码"):
        ComponentCode.parse(raw)


def test_import_writes_good_rows_and_lists_the_rejected_with_reasons(city: City) -> None:
    admin = city.actor("admin")
    rows = [lamp_row(1, 113.2052, 35.210), lamp_row(2, 113.2052, 35.211, state="破损"),
            lamp_row(3, 113.2052, 35.212, power_w="很亮"),            # not a number
            lamp_row(1, 113.2052, 35.213),                            # twice in the file
            {**lamp_row(4, 113.30, 35.30)},                           # outside every grid
            {**lamp_row(5, 113.21, 35.21), "code": "41080201004000005"},  # class 01004 but lamp attrs: fine
            {**lamp_row(6, 113.21, 35.21), "code": "4108020101000006"},  # legacy without class_code
            {**lamp_row(7, 113.21, 35.21), "code": "4108020101000007", "class_code": LAMP},
            {"code": lamp_code(8), "_geometry_error": "几何图形应为点（Point）"}]
    report = comp.import_components(city.rt, admin, rows)
    reasons = {r.row: r.reason for r in report.rejected}
    assert report.accepted == 4 and report.rows == 9
    assert set(reasons) == {3, 4, 5, 7, 9}
    assert "功率" in reasons[3] and "重复" in reasons[4] and "网格" in reasons[5] and "class_code" in reasons[7]
    assert "Point" in reasons[9]
    again = comp.import_components(city.rt, admin, [lamp_row(1, 113.2052, 35.210)], first_row=101)
    assert again.accepted == 0 and again.rejected[0].row == 101 and "已登记" in again.rejected[0].reason
    with city.rt.uow(readonly=True) as uow:  # recount from the table itself
        assert uow.conn.execute(select(func.count()).select_from(t.components)).scalar() == 4
        assert uow.conn.execute(select(func.count()).select_from(t.component_history)).scalar() == 4
    lamp = comp.component_by_code(city.rt, lamp_code(2))
    assert lamp.state.label == "破损" and lamp.attributes == {"lamp_type": "LED", "power_w": 120.0,
                                                              "circuit": "南通路1号箱变"}
    assert lamp.grid_code and lamp.grid_code.startswith("410802001")
    with pytest.raises(Forbidden):
        comp.import_components(city.rt, city.actor("dispatcher"), rows)


def test_csv_import_through_the_api(city: City, client: TestClient, token) -> None:
    text = ("code,name,lon,lat,state,lamp_type,power_w\n"
            f"{lamp_code(11)},路灯11,113.2052,35.214,完好,LED,90\n"
            f"{lamp_code(12)},路灯12,113.2052,35.215,坏了,LED,90\n")
    r = client.post("/api/v1/components/import", content=text.encode(), headers={**token("admin"),
                                                                                "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 1 and body["rejected"] == [{"row": 2, "code": lamp_code(12),
                                                           "reason": body["rejected"][0]["reason"]}]
    assert "部件状态" in body["rejected"][0]["reason"]
    bad = client.post("/api/v1/components/import", content=b"name\nx\n", headers={**token("admin"),
                                                                                 "Content-Type": "text/csv"})
    assert bad.status_code == 422 and "code" in bad.json()["message"]
    assert client.post("/api/v1/components/import", content=text.encode(),
                       headers={**token("dispatcher"), "Content-Type": "text/csv"}).status_code == 403


def test_nearest_components_of_a_class_nearest_first(city: City, client: TestClient, token) -> None:
    admin = city.actor("admin")
    comp.import_components(city.rt, admin, [lamp_row(i, 113.2052, 35.2150 + i * 0.0002) for i in range(1, 6)]
                           + [{"code": "41080201004000001", "name": "雨水箅子", "lon": 113.2052, "lat": 35.2150}])
    near = comp.nearest_components(city.rt, LAMP, *ON_NANTONG)
    assert [n.component.code for n in near] == [lamp_code(i) for i in range(1, 5)]  # the 5th is 111 m away
    for n in near:  # independent recount of every distance
        assert n.distance_m == pytest.approx(haversine_m(*ON_NANTONG, n.component.lon, n.component.lat))
    assert all(n.distance_m <= 100 for n in near)
    r = client.get("/api/v1/components/nearest", params={"lon": ON_NANTONG[0], "lat": ON_NANTONG[1],
                                                         "class_code": "BJ01004"})
    assert [c["name"] for c in r.json()] == ["雨水箅子"]
    assert client.get("/api/v1/components/nearest", params={"lon": 500, "lat": 1}).status_code == 422


def test_map_layer_points_then_server_side_squares(city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = city.actor("admin")
    rows = [lamp_row(i, 113.201 + (i % 30) * 0.001, 35.201 + (i // 30) * 0.001) for i in range(1, 301)]
    assert comp.import_components(city.rt, admin, rows).accepted == 300
    pts = comp.map_layer(city.rt, LAMP, None)
    assert pts["mode"] == "points" and pts["total"] == 300
    from citysteward.assets.services.components import reading as component_reading
    monkeypatch.setattr(component_reading, "MAP_POINT_LIMIT", 100)  # where the map layer reads it
    squares = comp.map_layer(city.rt, LAMP, (113.2, 35.2, 113.24, 35.24), zoom=14)
    assert squares["mode"] == "squares" and sum(s["count"] for s in squares["squares"]) == 300
    size = squares["size_deg"]
    # recount: every lamp falls in the square of its own floor(lon/size), floor(lat/size)
    keys = {(math.floor(r["lon"] / size), math.floor(r["lat"] / size)) for r in rows}
    assert len(squares["squares"]) == len(keys)
    w, so, e, n = 113.2005, 35.2005, 113.2105, 35.2015
    box = comp.map_layer(city.rt, LAMP, (w, so, e, n), zoom=17)
    assert box["mode"] == "points"
    assert box["total"] == sum(w <= r["lon"] <= e and so <= r["lat"] <= n for r in rows) == 9
    with pytest.raises(InvalidInput, match="bbox"):
        comp.map_layer(city.rt, LAMP, (113.3, 35.2, 113.2, 35.3))


def test_a_lamp_case_marks_it_damaged_and_closing_repairs_it(city: City, clock) -> None:
    comp.import_components(city.rt, city.actor("admin"), [lamp_row(1, 113.2052, 35.215)])
    lamp = comp.component_by_code(city.rt, lamp_code(1))
    assert lamp.id is not None
    data = intake.ReportInput(category_code=LAMP, description="南通路路灯不亮", lon=113.2052, lat=35.2151,
                              component_id=lamp.id)
    case_no = intake.report_case(city.rt, data, city.actor("inspector")).case_no
    assert comp.component_by_id(city.rt, lamp.id).state.label == "破损"
    with pytest.raises(InvalidInput, match="不符"):  # a manhole report cannot name a lamp
        intake.report_case(city.rt, intake.ReportInput(category_code="01002", description="井盖", lon=113.2052,
                                                       lat=35.2151, component_id=lamp.id), city.actor("inspector"))
    walk_to_close(city, clock, case_no, hours=3)
    page = comp.component_page(city.rt, lamp.id)
    assert page.component.state.label == "完好"
    assert [h["kind"] for h in page.history] == ["case_closed", "case_linked", "registered"]
    assert page.history[0]["case_no"] == case_no
    assert [(q.work_type.value, q.amount) for o in page.work for q in o.quantities] == [("lamp_repair", 1.0)]
    assert page.work[0].case_no == case_no and page.work[0].unit_id == city.units["facility"]


def test_state_changes_through_the_api_are_kept_in_the_history(city: City, client: TestClient, token) -> None:
    comp.import_components(city.rt, city.actor("admin"), [lamp_row(1, 113.2052, 35.215)])
    lamp = comp.component_by_code(city.rt, lamp_code(1))
    r = client.put(f"/api/v1/components/{lamp.id}/state", json={"state": "丢失", "note": "灯头被盗"},
                   headers=token("facility"))
    assert r.status_code == 200 and r.json()["state_label"] == "丢失"
    body = client.get(f"/api/v1/components/{lamp.id}", headers=token("dispatcher")).json()
    assert [h["kind"] for h in body["history"]] == ["state", "registered"] and body["history"][0]["note"] == "灯头被盗"
    assert client.put(f"/api/v1/components/{lamp.id}/state", json={"state": "丢失"},
                      headers=token("inspector")).status_code == 403
    bad = client.put(f"/api/v1/components/{lamp.id}/state", json={"state": "坏了"}, headers=token("facility"))
    assert bad.status_code == 422 and "部件状态" in bad.json()["message"]
    assert client.get("/api/v1/components/999999", headers=token("dispatcher")).status_code == 404
