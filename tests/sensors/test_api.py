"""The REST API and the webhook: the registry (admin only, the secret shown once), every refusal a 4xx
in the one error shape, and the webhook taking the same messages as MQTT."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from citysteward.cases.tables import cases
from citysteward.sensors.tables import sensor_devices, sensor_messages, sensor_rejects
from tests.builders.http import assert_error
from tests.conftest import grid_point
from tests.sensors.conftest import TILT_RULES

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)


def _device_body(code: str = "JG-0100", **changes):
    lon, lat = grid_point(1, 2)
    return {"code": code, "name": "塔南路井盖", "kind": "manhole_tilt", "owner_unit_id": 1,
            "alarm_rules": TILT_RULES, "heartbeat_s": 3600, "lon": lon, "lat": lat, "address": "塔南路 12 号",
            **changes}


def _count(rt, table, *where) -> int:
    with rt.uow(readonly=True) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _register(client, token, city, **changes):
    body = _device_body(owner_unit_id=city.units["facility"], **changes)
    r = client.post("/api/v1/sensors/devices", json=body, headers=token("admin"))
    assert r.status_code == 201, r.text
    return r.json()


def test_admin_registers_a_device_and_gets_its_secret_once(client, token, city, rt):
    made = _register(client, token, city)
    assert made["secret"].startswith("dev_") and made["state"] == "normal"
    with rt.uow(readonly=True) as uow:
        stored = uow.conn.execute(select(sensor_devices.c.secret_hash)).scalar_one()
    assert made["secret"] not in stored and len(stored) == 64
    detail = client.get(f"/api/v1/sensors/devices/{made['code']}", headers=token("dispatcher")).json()
    assert "secret" not in detail and detail["has_secret"] is True
    listed = client.get("/api/v1/sensors/devices?kind=manhole_tilt", headers=token("supervisor")).json()
    assert listed["total"] == 1 and listed["items"][0]["owner_name"] == "市市政设施所"


BAD_REGISTRATIONS = [
    {"code": "a b"}, {"kind": "toaster"}, {"heartbeat_s": 10}, {"lon": 120.0, "lat": 30.0},
    {"alarm_rules": [{**TILT_RULES[0], "category_code": "99999"}]}, {"alarm_rules": [{**TILT_RULES[0], "op": ">"}]},
    {"alarm_rules": []}, {"owner_unit_id": 9999}, {"lon": None, "lat": None}, {"component_id": 424242, "lon": None},
]


def test_bad_registrations_are_refused_and_nothing_is_stored(client, token, city, rt):
    for changes in BAD_REGISTRATIONS:
        body = {**_device_body(owner_unit_id=city.units["facility"]), **changes}
        assert_error(client.post("/api/v1/sensors/devices", json=body, headers=token("admin")), 422)
    assert _count(rt, sensor_devices) == 0


def test_only_admins_register_and_only_desk_roles_read(client, token, city):
    assert_error(client.post("/api/v1/sensors/devices", json=_device_body(), headers=token("dispatcher")), 403)
    assert_error(client.get("/api/v1/sensors/devices", headers=token("inspector")), 403)
    assert_error(client.get("/api/v1/sensors/devices"), 401)
    _register(client, token, city)
    assert_error(client.post("/api/v1/sensors/devices", json=_device_body(owner_unit_id=city.units["facility"]),
                             headers=token("admin")), 409)
    assert_error(client.get("/api/v1/sensors/devices/NOPE", headers=token("admin")), 404)


def test_webhook_alarm_repeat_and_refusals(client, token, city, rt):
    made = _register(client, token, city)
    msg = {"device": made["code"], "id": "w-1", "secret": made["secret"], "values": {"tilt_deg": 33}}
    first = client.post("/api/v1/sensors/messages", json=msg)
    assert first.status_code == 202 and first.json()["outcome"] == "opened"
    again = client.post("/api/v1/sensors/messages", json=msg)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    repeat = client.post("/api/v1/sensors/messages", json={**msg, "id": "w-2"})
    assert repeat.json()["case_nos"] == first.json()["case_nos"] and repeat.json()["outcome"] == "repeated"
    assert_error(client.post("/api/v1/sensors/messages", json={**msg, "id": "w-3", "secret": "dev_forged"}), 401)
    assert_error(client.post("/api/v1/sensors/messages", json={**msg, "id": "w-4", "device": "GHOST"}), 401)
    assert_error(client.post("/api/v1/sensors/messages", content=b"[1, 2]",
                             headers={"Content-Type": "application/json"}), 422)
    assert_error(client.post("/api/v1/sensors/messages", json={**msg, "id": "w-5", "values": {"tilt_deg": "x"}}), 422)
    assert _count(rt, cases) == 1 and _count(rt, sensor_messages) == 2
    with rt.uow(readonly=True) as uow:
        assert uow.conn.execute(select(func.sum(sensor_rejects.c.count))).scalar_one() == 4
    # Revoked: refused at once.
    client.delete(f"/api/v1/sensors/devices/{made['code']}/secret", headers=token("admin"))
    body = assert_error(client.post("/api/v1/sensors/messages", json={**msg, "id": "w-6"}), 401)
    assert body["detail"]["reason"] == "revoked"


def test_stats_recount(client, token, city, rt):
    made = _register(client, token, city)
    for i, value in enumerate((30, 31, 32, 2, 40)):
        client.post("/api/v1/sensors/messages", json={"device": made["code"], "id": f"s-{i}",
                                                      "secret": made["secret"], "values": {"tilt_deg": value}})
    client.post("/api/v1/sensors/messages", json={"device": made["code"], "id": "bad", "secret": "nope",
                                                  "values": {"tilt_deg": 50}})
    s = client.get("/api/v1/sensors/stats?days=7", headers=token("leader")).json()
    # Recount: 30/31/32 are one alarm (3 readings), 2 recovers, 40 opens a second (1 reading).
    assert s["alarms"] == 2 and s["readings"] == 4 and s["by_type"][0]["open"] == 1
    assert sum(d["alarms"] for d in s["by_day"]) == 2 and len(s["by_day"]) == 7
    assert {r["reason"]: r["count"] for r in s["rejects"]}["bad_credential"] == 1
    assert {st["state"]: st["count"] for st in s["states"]} == {"normal": 0, "alarm": 1, "offline": 0}


def test_admin_changes_a_threshold_and_the_next_reading_follows_it(client, token, city, rt):
    made = _register(client, token, city)
    url = f"/api/v1/sensors/devices/{made['code']}"
    send = lambda i, v: client.post("/api/v1/sensors/messages", json={  # noqa: E731
        "device": made["code"], "id": f"t-{i}", "secret": made["secret"], "values": {"tilt_deg": v}}).json()
    assert send(1, 20)["outcome"] == "opened"
    lowered = [{**TILT_RULES[0], "code": "tilt2", "threshold": 25}]
    assert_error(client.patch(url, json={"alarm_rules": lowered}, headers=token("admin")), 409)  # "tilt" is open
    assert send(2, 1)["outcome"] == "recovered"
    r = client.patch(url, json={"alarm_rules": [{**TILT_RULES[0], "threshold": 25}], "heartbeat_s": 7200},
                     headers=token("admin"))
    assert r.status_code == 200 and r.json()["alarm_rules"][0]["threshold"] == 25 and r.json()["heartbeat_s"] == 7200
    assert send(3, 20)["outcome"] == "normal"  # below the new threshold
    assert send(4, 26)["outcome"] == "opened"
    assert_error(client.patch(url, json={"kind": "other"}, headers=token("admin")), 422)
    assert_error(client.patch(url, json={"name": "x"}, headers=token("dispatcher")), 403)
    assert_error(client.patch("/api/v1/sensors/devices/NOPE", json={"name": "x"}, headers=token("admin")), 404)
