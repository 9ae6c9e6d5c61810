"""Demo stage: sensor devices and their alarms (issue 17).

Devices stand where the demo's main roads cross: manhole-cover tilt sensors and streetlight controllers
of the 市市政设施所, water-level gauges at low crossings (thresholds 15 cm, FIELDWORK.md §2.3), and the
高新区's fire-safety IoT panels (消防物联网, seeds/003). Two weeks of messages are played through the
real ingestion (alarms, repeats folded into their case, recoveries, one storm day), and one lamp
controller has gone silent so the sweep raises a "device offline" case. Heartbeat periods are demo
configuration: no published figure was found (FIELDWORK.md marks device parameters unknown).

Idempotent: a device that exists is left alone, and only a device added now gets its history."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from shapely.geometry import LineString

from citysteward.demo.units import FACILITY
from citysteward.demo.world import DemoWorld
from citysteward.kernel.actor import Actor, Role
from citysteward.platform.runtime import Runtime
from citysteward.sensors.ports import unit_of_work
from citysteward.sensors.services import devices
from citysteward.sensors.services.ingest import Raw, ingest
from citysteward.sensors.services.sweep import sweep_offline

HIGH_TECH_CENTRE = "GXCGZX"  # 高新区城管中心
TILT = {"code": "tilt", "label": "井盖倾斜/移位", "metric": "tilt_deg", "op": ">=", "threshold": 15,
        "category_code": "01003", "urgency": "urgent"}
WATER = {"code": "water", "label": "积水超警戒（橙色 15 cm）", "metric": "depth_cm", "op": ">=", "threshold": 15,
         "category_code": "TF06", "urgency": "urgent", "flood": True}
FIRE = {"code": "fire", "label": "烟感/火警", "metric": "smoke", "op": ">=", "threshold": 1, "category_code": "01013",
        "urgency": "critical"}
LAMP = {"code": "lamp_fault", "label": "路灯故障", "metric": "fault", "op": ">=", "threshold": 1, "category_code": "01037"}
# kind, prefix, rule, heartbeat (s), owner, how many
FLEET = (
    ("manhole_tilt", "JG", TILT, 6 * 3600, FACILITY, 12),
    ("water_level", "SW", WATER, 3600, FACILITY, 6),
    ("fire_panel", "XF", FIRE, 1800, HIGH_TECH_CENTRE, 4),
    ("lamp_controller", "LD", LAMP, 3600, FACILITY, 6),
)


def _crossings(world: DemoWorld) -> list[tuple[str, float, float]]:
    roads = [(r["name"], LineString(r["coordinates"])) for r in world.areas.roads]
    out = []
    for i, (a, la) in enumerate(roads):
        for b, lb in roads[i + 1:]:
            p = la.intersection(lb)
            if p.geom_type == "Point":
                out.append((f"{a}与{b}交叉口", p.x, p.y))
    return out


def _at(rt: Runtime, moment: datetime) -> Runtime:
    """The same database seen at another moment (history is played through the real ingestion)."""
    return Runtime(uow=rt.uow, settings=rt.settings, clock=lambda: moment, cache=rt.cache, counters=rt.counters)


def seed(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    """Adds what is missing of this stage to the demo city."""
    places = _crossings(world)
    if not places:
        return
    rnd = random.Random(world.seed + 17)
    admin = Actor(role=Role.ADMIN, name="演示数据")
    now = rt.now()
    start = now - timedelta(days=14)
    added: list[tuple[str, str, dict[str, Any], int]] = []
    n = 0
    codes = [f"JZ-{prefix}-{i + 1:03d}" for _kind, prefix, _r, _h, _o, count in FLEET for i in range(count)]
    with unit_of_work(rt, readonly=True) as uow:
        existing = {code for code in codes if uow.sensors.device(code) is not None}
    for kind, prefix, rule, heartbeat, owner, count in FLEET:
        for i in range(count):
            code = f"JZ-{prefix}-{i + 1:03d}"
            name, lon, lat = places[n % len(places)]
            n += 1
            if code in existing or owner not in world.unit_ids:
                continue
            data = devices.DeviceInput(code=code, name=f"{name}{'井盖' if prefix == 'JG' else ''}", kind=kind,
                                       owner_unit_id=world.unit_ids[owner], alarm_rules=[rule], heartbeat_s=heartbeat,
                                       lon=lon + rnd.uniform(-0.0004, 0.0004), lat=lat + rnd.uniform(-0.0003, 0.0003),
                                       address=name)
            made = devices.register_device(_at(rt, start), admin, data)
            added.append((code, made.secret, rule, heartbeat))
    if not added:
        return
    _history(rt, rnd, start, now, added)
    result = sweep_offline(rt)
    say(f"物联设备 {len(added)} 台（报警历史两周，离线 {len(result.offline)} 台）")


def _history(rt: Runtime, rnd: random.Random, start: datetime, now: datetime,
             added: list[tuple[str, str, dict[str, Any], int]]) -> None:
    """Two weeks: a few alarms per kind with repeats and recoveries, a storm day for the gauges, a few
    alarms still open, and every device's heartbeat in the last hour but one silent lamp controller."""
    storm = start + timedelta(days=9, hours=16)
    plays: list[tuple[datetime, str, str, dict[str, float]]] = []
    for code, secret, rule, _heartbeat in added:
        metric, high = rule["metric"], float(rule["threshold"])
        episodes = 3 if rule["code"] == "water" else rnd.choice((0, 1, 1, 2))
        for e in range(episodes):
            t = storm + timedelta(minutes=rnd.randint(0, 90)) if rule["code"] == "water" and e == 0 else \
                start + timedelta(hours=rnd.randint(2, 13 * 24))
            for r in range(rnd.randint(1, 5)):
                plays.append((t + timedelta(minutes=10 * r), code, secret, {metric: high + rnd.randint(0, 20)}))
            plays.append((t + timedelta(hours=rnd.randint(1, 6)), code, secret, {metric: 0.0}))
    silent = next((code for code, _s, rule, _h in added if rule["code"] == "lamp_fault"), None)
    open_now = [code for code, _s, rule, _h in added if rule["code"] in ("tilt", "lamp_fault")][:3]
    for code, secret, rule, heartbeat in added:
        if code == silent:
            plays.append((now - timedelta(days=2), code, secret, {}))
            continue
        plays.append((now - timedelta(seconds=rnd.randint(60, min(heartbeat, 3000))), code, secret, {}))
        if code in open_now and code != silent:
            plays.append((now - timedelta(minutes=rnd.randint(20, 50)), code, secret,
                          {rule["metric"]: float(rule["threshold"]) + 5}))
    plays.sort(key=lambda p: p[0])
    for i, (t, code, secret, values) in enumerate(plays):
        if t > now:
            continue
        body: dict[str, Any] = {"id": f"demo-{i}", "secret": secret, "type": "reading" if values else "heartbeat",
                                "at": t.isoformat()}
        if values:
            body["values"] = values
        ingest(_at(rt, t), [Raw(code, body, "mqtt")])
