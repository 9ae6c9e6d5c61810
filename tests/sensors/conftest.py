"""Sensors fixtures: a registered manhole-tilt sensor and a water-level gauge in the synthetic city."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from citysteward.sensors.services import devices
from citysteward.sensors.services.ingest import Raw
from tests.conftest import City, grid_point

TILT_RULES = [{"code": "tilt", "label": "井盖倾斜", "metric": "tilt_deg", "op": ">=", "threshold": 15,
               "category_code": "01003"}]
WATER_RULES = [{"code": "water", "label": "积水超警戒", "metric": "depth_cm", "op": ">=", "threshold": 15,
                "category_code": "TF06", "flood": True}]


@dataclass
class Sensor:
    code: str
    secret: str

    def raw(self, values: dict[str, float] | None = None, *, kind: str = "reading", msg_id: str | None = None,
            secret: str | None = None, channel: str = "mqtt") -> Raw:
        return Raw(self.code, json.dumps(self.body(values, kind=kind, msg_id=msg_id, secret=secret)).encode(), channel)

    def body(self, values: dict[str, float] | None = None, *, kind: str = "reading", msg_id: str | None = None,
             secret: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"id": msg_id or uuid.uuid4().hex, "secret": secret or self.secret, "type": kind}
        if values is not None:
            body["values"] = values
        return body


def register(city: City, code: str, kind: str = "manhole_tilt", rules: list[dict[str, Any]] | None = None,
             heartbeat_s: int = 600, seq: int = 1) -> Sensor:
    lon, lat = grid_point(1, seq)
    data = devices.DeviceInput(code=code, name=f"{code} 传感器", kind=kind, owner_unit_id=city.units["facility"],
                               alarm_rules=rules or TILT_RULES, heartbeat_s=heartbeat_s, lon=lon, lat=lat,
                               address="塔南路与解放路交叉口")
    made = devices.register_device(city.rt, city.actor("admin"), data)
    return Sensor(made.device.code, made.secret)


@pytest.fixture
def tilt(city: City) -> Sensor:
    return register(city, "JG-0001")


@pytest.fixture
def gauge(city: City) -> Sensor:
    return register(city, "SW-0001", kind="water_level", rules=WATER_RULES, seq=3)
