"""Alarm → case on both databases: one case per alarm, repeats appended, recovery annotated, forgeries
rejected and counted, redelivery harmless, offline devices raise a case for their owner."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from citysteward.assets.services import components
from citysteward.cases.domain.model import Action, CaseState, Source
from citysteward.cases.tables import cases
from citysteward.flood import services as flood_services
from citysteward.kernel.errors import InvalidInput
from citysteward.sensors.domain import Outcome, RejectReason
from citysteward.sensors.services import devices
from citysteward.sensors.services.ingest import Raw, ingest
from citysteward.sensors.services.storm import use_flood_event_source
from citysteward.sensors.services.sweep import sweep_offline
from citysteward.sensors.tables import sensor_alarms, sensor_messages, sensor_rejects
from tests.conftest import grid_point
from tests.sensors.conftest import TILT_RULES, WATER_RULES, Sensor, register


def _scalar(rt, stmt):
    with rt.uow(readonly=True) as uow:
        return uow.conn.execute(stmt).scalar_one()


def _events(rt, case_id):
    with rt.uow(readonly=True) as uow:
        return uow.cases.events(case_id)


def test_tilt_alarm_opens_one_sensor_case_at_the_device(rt, tilt: Sensor):
    [v] = ingest(rt, [tilt.raw({"tilt_deg": 32.5})])
    assert v.status == "accepted" and v.outcome is Outcome.OPENED and len(v.case_nos) == 1
    with rt.uow(readonly=True) as uow:
        case = uow.cases.get(v.case_nos[0])
        device = uow.sensors.device(tilt.code)
    assert case is not None and case.source is Source.SENSOR and case.category_code == "01003"
    assert case.state is CaseState.REPORTED and (case.lon, case.lat) == (device.lon, device.lat)
    assert "32.5" in case.description and device.state.value == "alarm"


def test_ten_repeats_are_one_case_with_ten_readings(rt, tilt: Sensor):
    verdicts = [v for i in range(10) for v in ingest(rt, [tilt.raw({"tilt_deg": 20 + i})])]
    assert [v.outcome for v in verdicts] == [Outcome.OPENED] + [Outcome.REPEATED] * 9
    case_nos = {n for v in verdicts for n in v.case_nos}
    assert len(case_nos) == 1
    assert _scalar(rt, select(func.count()).select_from(cases)) == 1
    case_id = _scalar(rt, select(cases.c.id))
    # Independent recount: readings on the timeline (the report and nine notes) and in the ledger.
    events = _events(rt, case_id)
    readings = [e for e in events if e.action is Action.REPORT or "sensor_reading" in e.payload]
    assert len(readings) == 10
    assert _scalar(rt, select(func.count()).select_from(sensor_messages).where(sensor_messages.c.case_id == case_id)) == 10
    assert _scalar(rt, select(sensor_alarms.c.readings)) == 10
    assert _scalar(rt, select(sensor_alarms.c.peak)) == 29


def test_recovery_annotates_the_case_and_a_new_breach_after_recovery_is_a_new_case(rt, tilt: Sensor):
    [first] = ingest(rt, [tilt.raw({"tilt_deg": 40})])
    [rec] = ingest(rt, [tilt.raw({"tilt_deg": 2})])
    assert rec.outcome is Outcome.RECOVERED and rec.case_nos == first.case_nos
    case_id = _scalar(rt, select(cases.c.id))
    notes = [e.note for e in _events(rt, case_id) if e.action is Action.COMMENT]
    assert any("恢复正常" in n for n in notes)
    with rt.uow(readonly=True) as uow:
        assert uow.sensors.device(tilt.code).state.value == "normal"
    [again] = ingest(rt, [tilt.raw({"tilt_deg": 41})])
    assert again.outcome is Outcome.OPENED and again.case_nos != first.case_nos
    [normal] = ingest(rt, [tilt.raw({"tilt_deg": 1})])
    assert normal.outcome is Outcome.RECOVERED


def test_forged_unknown_and_malformed_messages_are_rejected_counted_and_never_cases(rt, tilt: Sensor):
    bad = [
        tilt.raw({"tilt_deg": 90}, secret="dev_forged"),
        Raw("JG-9999", tilt.raw({"tilt_deg": 90}).body),
        Raw(tilt.code, b"{not json"),
        Raw(tilt.code, b'{"id": "x1", "secret": "s", "values": {"tilt_deg": "high"}}'),
    ]
    verdicts = ingest(rt, bad)
    assert [v.reason for v in verdicts] == [RejectReason.BAD_CREDENTIAL, RejectReason.UNKNOWN_DEVICE,
                                            RejectReason.MALFORMED, RejectReason.MALFORMED]
    assert _scalar(rt, select(func.count()).select_from(cases)) == 0
    assert _scalar(rt, select(func.count()).select_from(sensor_messages)) == 0
    assert _scalar(rt, select(func.sum(sensor_rejects.c.count))) == 4


def test_revoked_credential_is_refused_and_a_rotated_one_works(rt, city, tilt: Sensor):
    devices.revoke(rt, city.actor("admin"), tilt.code)
    assert ingest(rt, [tilt.raw({"tilt_deg": 30})])[0].reason is RejectReason.REVOKED
    fresh = devices.rotate_secret(rt, city.actor("admin"), tilt.code)
    assert ingest(rt, [tilt.raw({"tilt_deg": 30})])[0].reason is RejectReason.BAD_CREDENTIAL
    assert ingest(rt, [Sensor(tilt.code, fresh.secret).raw({"tilt_deg": 30})])[0].outcome is Outcome.OPENED


def test_a_redelivered_message_is_applied_once(rt, tilt: Sensor):
    raw = tilt.raw({"tilt_deg": 30}, msg_id="m-1")
    first, again = ingest(rt, [raw, raw])
    [later] = ingest(rt, [raw])
    assert first.status == "accepted" and again.status == later.status == "duplicate"
    assert _scalar(rt, select(func.count()).select_from(sensor_messages)) == 1
    assert _scalar(rt, select(sensor_alarms.c.readings)) == 1


def test_a_closed_case_does_not_swallow_a_persisting_alarm(rt, tilt: Sensor):
    [first] = ingest(rt, [tilt.raw({"tilt_deg": 30})])
    with rt.uow() as uow:
        uow.conn.execute(cases.update().values(state="voided"))
        uow.commit()
    [again] = ingest(rt, [tilt.raw({"tilt_deg": 31})])
    assert again.outcome is Outcome.OPENED and again.case_nos != first.case_nos


def test_missed_heartbeats_raise_one_offline_case_and_the_next_message_ends_it(rt, clock, city):
    quiet = register(city, "LD-0001", kind="lamp_controller", heartbeat_s=600,
                     rules=[{"code": "lamp_fault", "label": "路灯故障", "metric": "fault", "op": ">=",
                             "threshold": 1, "category_code": "01037"}])
    ingest(rt, [quiet.raw(kind="heartbeat")])
    clock.advance(minutes=19)
    assert sweep_offline(rt).offline == ()
    clock.advance(minutes=2)
    result = sweep_offline(rt)
    assert len(result.offline) == 1
    assert sweep_offline(rt).offline == ()  # already offline: no second case
    with rt.uow(readonly=True) as uow:
        case = uow.cases.get(result.offline[0])
        assert uow.sensors.device("LD-0001").state.value == "offline"
    assert "设备离线" in case.description and "市市政设施所" in case.description
    [back] = ingest(rt, [quiet.raw(kind="heartbeat")])
    assert back.case_nos == result.offline
    with rt.uow(readonly=True) as uow:
        assert uow.sensors.device("LD-0001").state.value == "normal"


def test_water_alarms_in_a_storm_are_grouped_under_the_active_flood_event(rt, city, clock, gauge: Sensor):
    other = register(city, "SW-0002", kind="water_level", rules=WATER_RULES, seq=5)
    tilt = register(city, "JG-0009", seq=6)
    ingest(rt, [gauge.raw({"depth_cm": 18})])  # before the event: not grouped
    ingest(rt, [gauge.raw({"depth_cm": 2})])
    clock.advance(minutes=5)
    event = flood_services.open_event(rt, city.actor("leader"), {"name": "11·17 暴雨"})
    clock.advance(minutes=5)
    verdicts = ingest(rt, [gauge.raw({"depth_cm": 22}), other.raw({"depth_cm": 35}), tilt.raw({"tilt_deg": 30})])
    assert all(v.outcome is Outcome.OPENED for v in verdicts)
    by_device = dict(_rows(rt, select(sensor_alarms.c.case_no, sensor_alarms.c.flood_event_id)))
    grouped = sorted(n for n, e in by_device.items() if e == event["id"])
    assert grouped == sorted(verdicts[0].case_nos + verdicts[1].case_nos)  # the tilt alarm is not a flood alarm
    with rt.uow(readonly=True) as uow:
        tagged = uow.flood.event_cases(event["id"], 100)
        descriptions = [uow.cases.get(n).description for n in grouped]
    assert sorted(t["case_no"] for t in tagged) == grouped
    assert all(d.startswith("【11·17 暴雨】") for d in descriptions)
    use_flood_event_source(rt, lambda _rt: None)  # a city whose flood events live elsewhere, none running
    third = register(city, "SW-0003", kind="water_level", rules=WATER_RULES, seq=7)
    [v] = ingest(rt, [third.raw({"depth_cm": 30})])
    assert by_device.get(v.case_nos[0]) is None and len(_rows(rt, select(sensor_alarms.c.id).where(
        sensor_alarms.c.flood_event_id.is_not(None)))) == 2


def _rows(rt, stmt):
    with rt.uow(readonly=True) as uow:
        return list(uow.conn.execute(stmt))


def test_heartbeat_only_refreshes_and_time_is_arrival(rt, clock, tilt: Sensor):
    [v] = ingest(rt, [tilt.raw(kind="heartbeat")])
    assert v.outcome is Outcome.HEARTBEAT
    with rt.uow(readonly=True) as uow:
        assert uow.sensors.device(tilt.code).last_seen_at == clock.now


def test_a_device_on_a_component_takes_its_place_and_its_alarm_marks_it_damaged(rt, city):
    lon, lat = grid_point(2, 4)
    report = components.import_components(rt, city.actor("admin"), [
        {"code": "41080201003000001", "name": "雨水井盖", "lon": lon, "lat": lat}])
    assert not report.rejected, report
    cover = components.component_by_code(rt, "41080201003000001")
    made = devices.register_device(rt, city.actor("admin"), devices.DeviceInput(
        code="JG-0500", name="井盖", kind="manhole_tilt", owner_unit_id=city.units["facility"],
        alarm_rules=TILT_RULES, heartbeat_s=3600, component_id=cover.id))
    assert (made.device.lon, made.device.lat) == (cover.lon, cover.lat)
    [v] = ingest(rt, [Sensor("JG-0500", made.secret).raw({"tilt_deg": 45})])
    with rt.uow(readonly=True) as uow:
        case = uow.cases.get(v.case_nos[0])
    assert [c.code for c in components.case_components(rt, case.id)] == ["41080201003000001"]
    assert components.component_by_id(rt, cover.id).state.value == "damaged"
    with pytest.raises(InvalidInput, match="关联部件 99999 不存在"):
        devices.register_device(rt, city.actor("admin"), devices.DeviceInput(
            code="JG-0501", name="井盖", kind="manhole_tilt", owner_unit_id=city.units["facility"],
            alarm_rules=TILT_RULES, heartbeat_s=3600, component_id=99999))
