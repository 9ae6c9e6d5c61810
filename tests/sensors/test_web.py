"""Console pages: the list with states and map data, a device's history, statistics, and the admin's
registration form that shows the credential once."""

from __future__ import annotations

import re

from citysteward.sensors.services.ingest import ingest
from tests.conftest import grid_point
from tests.sensors.conftest import Sensor


def test_list_map_data_device_history_and_stats(client_for, rt, tilt: Sensor, gauge: Sensor):
    ingest(rt, [tilt.raw({"tilt_deg": 30}), tilt.raw({"tilt_deg": 31}), gauge.raw(kind="heartbeat")])
    web = client_for("dispatcher")
    page = web.get("/console/sensors")
    assert page.status_code == 200
    assert re.search(r'data-state="alarm">1<', page.text) and re.search(r'data-state="normal">1<', page.text)
    assert "JG-0001" in page.text and "SW-0001" in page.text and "登记设备" not in page.text
    points = web.get("/console/sensors/devices.json?state=alarm").json()["devices"]
    assert [p["code"] for p in points] == ["JG-0001"] and points[0]["colour"] == "#c62828"
    device = web.get("/console/sensors/devices/JG-0001")
    assert device.status_code == 200 and "重复报警（并入已有案件）" in device.text
    assert re.search(r"<td>2</td>", device.text)  # two readings in the one episode
    assert web.get("/console/sensors/devices/NOPE").status_code == 404
    stats = web.get("/console/sensors/stats?days=7")
    assert stats.status_code == 200 and '<strong id="alarm-total">1</strong>' in stats.text


def test_inspectors_do_not_see_the_sensor_pages(client_for, city):
    assert client_for("inspector").get("/console/sensors").status_code == 403
    assert client_for().get("/console/sensors").status_code == 303  # to the login page


def test_admin_registers_a_device_sees_the_secret_once_then_revokes(client_for, rt, city):
    web = client_for("admin")
    assert web.get("/console/sensors/new").status_code == 200
    lon, lat = grid_point(2, 4)
    form = {"code": "LD-0100", "name": "民主路单灯控制器", "kind": "lamp_controller",
            "owner_unit_id": str(city.units["facility"]), "heartbeat_min": "30", "lon": str(lon), "lat": str(lat),
            "address": "民主路", "rule_code": "lamp_fault", "rule_label": "路灯故障", "metric": "fault", "op": ">=",
            "threshold": "1", "category_code": "01037"}
    bad = web.post("/console/sensors/new", data={**form, "threshold": "高"})
    assert bad.status_code == 422 and "阈值必须是数字" in bad.text and 'value="民主路单灯控制器"' in bad.text
    made = web.post("/console/sensors/new", data=form)
    assert made.status_code == 200
    secret = re.search(r'<code id="device-secret">(dev_[^<]+)</code>', made.text).group(1)
    assert ingest(rt, [Sensor("LD-0100", secret).raw({"fault": 1})])[0].case_nos
    gone = web.post("/console/sensors/devices/LD-0100/revoke")
    assert gone.status_code == 303
    assert ingest(rt, [Sensor("LD-0100", secret).raw({"fault": 1})])[0].status == "rejected"
    assert client_for("dispatcher").post("/console/sensors/devices/LD-0100/rotate").status_code == 403
