"""Pure rules: message checks, alarm types, what a reading means, credentials, heartbeat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citysteward.kernel.errors import InvalidInput
from citysteward.sensors.domain import (
    OFFLINE,
    AlarmRule,
    Device,
    DeviceKind,
    DeviceState,
    Episode,
    Malformed,
    Outcome,
    evaluate,
    hash_secret,
    new_secret,
    parse_message,
    parse_rules,
    secret_matches,
    state_after,
)

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
TILT = {"code": "tilt", "label": "井盖倾斜", "metric": "tilt_deg", "op": ">=", "threshold": 15, "category_code": "01003"}
LOW = {"code": "battery", "label": "电量低", "metric": "battery", "op": "<=", "threshold": 10, "category_code": "01003"}


def device(*rules: dict) -> Device:
    return Device("JG-1", "井盖", DeviceKind.MANHOLE_TILT, 1, parse_rules(list(rules)), 600, 113.2, 35.2,
                  created_at=NOW - timedelta(days=1), id=1)


@pytest.mark.parametrize(("body", "message"), [
    ([], "JSON 对象"),
    ({"secret": "s", "values": {"a": 1}}, "报文编号"),
    ({"id": "x" * 65, "secret": "s", "values": {"a": 1}}, "报文编号"),
    ({"id": "a b", "secret": "s", "values": {"a": 1}}, "报文编号"),
    ({"id": "1", "values": {"a": 1}}, "凭证"),
    ({"id": "1", "secret": "s", "type": "alarm", "values": {"a": 1}}, "type"),
    ({"id": "1", "secret": "s"}, "需要 values"),
    ({"id": "1", "secret": "s", "values": {"A-1": 1}}, "名称无效"),
    ({"id": "1", "secret": "s", "values": {"a": True}}, "有限数字"),
    ({"id": "1", "secret": "s", "values": {"a": float("nan")}}, "有限数字"),
    ({"id": "1", "secret": "s", "values": {f"m{i}": 1 for i in range(17)}}, "不超过 16"),
    ({"id": "1", "secret": "s", "values": {"a": 1}, "at": "yesterday"}, "ISO 8601"),
    ({"id": "1", "secret": "s", "values": {"a": 1}, "at": "2026-11-26T08:00:00"}, "时区"),
])
def test_malformed_messages_say_what_is_wrong(body, message):
    with pytest.raises(Malformed, match=message):
        parse_message("JG-1", body, NOW)


def test_device_time_is_kept_unless_it_is_in_the_future():
    past = parse_message("JG-1", {"id": "1", "secret": "s", "values": {"a": 1}, "at": "2026-11-26T08:30:00+08:00"}, NOW)
    assert past.at == datetime(2026, 11, 26, 0, 30, tzinfo=UTC)
    future = parse_message("JG-1", {"id": "1", "secret": "s", "values": {"a": 1}, "at": "2030-01-01T00:00:00Z"}, NOW)
    assert future.at == NOW
    assert parse_message("JG-1", {"id": "1", "secret": "s", "type": "heartbeat"}, NOW).kind == "heartbeat"


@pytest.mark.parametrize(("change", "message"), [
    ({"code": "Tilt!"}, "编码无效"), ({"code": OFFLINE}, "编码无效"), ({"metric": ""}, "监测量"),
    ({"op": ">"}, "比较方式"), ({"threshold": "high"}, "数字"), ({"threshold": True}, "数字"),
    ({"threshold": float("inf")}, "有限"), ({"category_code": ""}, "类别"),
])
def test_bad_alarm_types_are_refused(change, message):
    with pytest.raises(InvalidInput, match=message):
        parse_rules([{**TILT, **change}])


def test_alarm_types_must_exist_and_be_unique():
    with pytest.raises(InvalidInput, match="至少"):
        parse_rules([])
    with pytest.raises(InvalidInput, match="重复"):
        parse_rules([TILT, TILT])


# (open alarm codes, values) -> outcomes per alarm type, in rule order
@pytest.mark.parametrize(("open_codes", "values", "outcomes"), [
    ((), {"tilt_deg": 15}, [Outcome.OPENED]),
    ((), {"tilt_deg": 14.9}, [Outcome.NORMAL]),
    (("tilt",), {"tilt_deg": 40}, [Outcome.REPEATED]),
    (("tilt",), {"tilt_deg": 1}, [Outcome.RECOVERED]),
    ((), {"battery": 5}, [Outcome.OPENED]),
    ((), {"tilt_deg": 20, "battery": 50}, [Outcome.OPENED, Outcome.NORMAL]),
    (("battery",), {"tilt_deg": 1, "battery": 50}, [Outcome.NORMAL, Outcome.RECOVERED]),
    ((), {"other": 99}, []),
])
def test_what_a_reading_means(open_codes, values, outcomes):
    d = device(TILT, LOW)
    message = parse_message("JG-1", {"id": "1", "secret": "s", "values": values}, NOW)
    assert [x.outcome for x in evaluate(d, message, frozenset(open_codes))] == outcomes


@given(st.floats(min_value=-1000, max_value=1000), st.booleans())
def test_a_value_either_breaches_or_recovers_never_both(value, open_):
    d = device(TILT)
    message = parse_message("JG-1", {"id": "1", "secret": "s", "values": {"tilt_deg": value}}, NOW)
    [decision] = evaluate(d, message, frozenset({"tilt"} if open_ else set()))
    breached = value >= 15
    expected = {(True, True): Outcome.REPEATED, (True, False): Outcome.OPENED,
                (False, True): Outcome.RECOVERED, (False, False): Outcome.NORMAL}[(breached, open_)]
    assert decision.outcome is expected


def test_peak_follows_the_direction_of_the_alarm():
    up = Episode(1, "tilt", NOW, NOW, 1, 20.0)
    for v in (18.0, 31.0, 25.0):
        up.add_reading(v, NOW, ">=")
    down = Episode(1, "battery", NOW, NOW, 1, 9.0)
    for v in (8.0, 9.5):
        down.add_reading(v, NOW, "<=")
    assert (up.readings, up.peak, down.peak) == (4, 31.0, 8.0)


def test_state_follows_open_alarms_and_offline_wins():
    assert state_after(frozenset()) is DeviceState.NORMAL
    assert state_after(frozenset({"tilt"})) is DeviceState.ALARM
    assert state_after(frozenset({"tilt", OFFLINE})) is DeviceState.OFFLINE


def test_offline_after_two_missed_heartbeats_not_before():
    d = device(TILT)
    d.last_seen_at = NOW
    assert d.offline_since(NOW + timedelta(seconds=1200)) is None
    assert d.offline_since(NOW + timedelta(seconds=1201)) == NOW
    d.active = False
    assert d.offline_since(NOW + timedelta(days=5)) is None


def test_secrets_are_random_and_only_their_hash_matches():
    a, b = new_secret(), new_secret()
    assert a != b and a.startswith("dev_") and len(a) > 30
    assert secret_matches(a, hash_secret(a)) and not secret_matches(b, hash_secret(a))
    assert not secret_matches(a, None)


def test_rule_describes_itself():
    rule = AlarmRule.parse(TILT)
    assert rule.describe(23.5) == "井盖倾斜：tilt_deg = 23.5（阈值 >= 15）"
