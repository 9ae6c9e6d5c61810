"""The demo stage: devices at road crossings with two weeks of alarms played through the real
ingestion; a second run adds nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from citysteward.cases.tables import cases
from citysteward.demo import sensors as demo_sensors
from citysteward.demo.units import FACILITY
from citysteward.demo.world import DemoWorld
from citysteward.sensors.tables import sensor_alarms, sensor_devices, sensor_messages

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _count(rt, table) -> int:
    with rt.uow(readonly=True) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_demo_devices_have_history_and_a_second_run_adds_nothing(rt, city):
    # Roads across the synthetic district (its grids span 113.20–113.24, 35.20–35.24).
    roads = [{"name": f"东西{i}路", "coordinates": [[113.201, 35.205 + 0.01 * i], [113.239, 35.205 + 0.01 * i]]}
             for i in range(4)]
    roads += [{"name": f"南北{i}路", "coordinates": [[113.205 + 0.01 * i, 35.201], [113.205 + 0.01 * i, 35.239]]}
              for i in range(4)]
    world = DemoWorld(areas=SimpleNamespace(roads=roads), unit_defs=(), seed=1,  # type: ignore[arg-type]
                      unit_ids={FACILITY: city.units["facility"], demo_sensors.HIGH_TECH_CENTRE: city.units["street"]})
    said: list[str] = []
    demo_sensors.seed(rt, world, said.append)
    devices = _count(rt, sensor_devices)
    assert devices == sum(f[-1] for f in demo_sensors.FLEET)
    with rt.uow(readonly=True) as uow:
        states = dict(uow.conn.execute(select(sensor_devices.c.state, func.count()).group_by(sensor_devices.c.state)).all())
        linked = uow.conn.execute(select(func.count()).select_from(sensor_alarms)
                                  .where(sensor_alarms.c.case_id.is_(None))).scalar_one()
    assert states.get("offline") == 1 and states.get("alarm", 0) >= 1
    assert linked == 0 and _count(rt, cases) == _count(rt, sensor_alarms) > devices // 2
    before = (_count(rt, sensor_messages), _count(rt, cases))
    demo_sensors.seed(rt, world, said.append)
    assert (_count(rt, sensor_messages), _count(rt, cases)) == before and len(said) == 1
