"""Against the real Mosquitto on loopback (127.0.0.1:1883, or CITYSTEWARD_TEST_MQTT=host:port): the
subscriber turns QoS 1 messages into cases, and a subscriber killed in the middle of a burst and
restarted accounts for every message exactly once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select

from citysteward.cases.tables import cases
from citysteward.sensors.mqtt import Subscriber, device_of
from citysteward.sensors.tables import sensor_alarms, sensor_messages, sensor_rejects
from tests.builders.polling import wait_until
from tests.conftest import require
from tests.sensors.conftest import Sensor, register

HOST, _, PORT = os.environ.get("CITYSTEWARD_TEST_MQTT", "127.0.0.1:1883").partition(":")
PORT_N = int(PORT or 1883)


def _broker_up() -> bool:
    try:
        with socket.create_connection((HOST, PORT_N), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def prefix() -> Iterator[str]:
    require(_broker_up(), f"Mosquitto is not reachable at {HOST}:{PORT_N}")
    yield f"cs-test-{uuid.uuid4().hex[:10]}/sensors"


class Publisher:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv311)
        self.client.max_queued_messages_set(0)
        self.client.max_inflight_messages_set(100)
        self.client.connect(HOST, PORT_N)
        self.client.loop_start()

    def send(self, device: str, body: dict | bytes, wait: bool = True) -> mqtt.MQTTMessageInfo:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        info = self.client.publish(f"{self.prefix}/{device}/up", payload, qos=1)
        if wait:
            info.wait_for_publish(10)
        return info

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _forget_session(client_id: str) -> None:
    """A clean connect with the same id drops the broker's persistent session of a test."""
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True, protocol=mqtt.MQTTv311)
    c.connect(HOST, PORT_N)
    c.loop_start()
    time.sleep(0.2)
    c.disconnect()
    c.loop_stop()


def _count(rt, stmt) -> int:
    with rt.uow(readonly=True) as uow:
        return int(uow.conn.execute(stmt).scalar_one() or 0)


def test_topic_names_the_device():
    assert device_of("cs/sensors/JG-1/up", "cs/sensors") == "JG-1"
    assert device_of("cs/sensors/a/b/up", "cs/sensors") == ""
    assert device_of("other/JG-1/up", "cs/sensors") == ""


def test_tilt_repeats_recovery_and_forgery_over_mqtt(rt, tilt: Sensor, prefix: str):
    client_id = f"sub-{uuid.uuid4().hex[:8]}"
    sub = Subscriber(rt, HOST, PORT_N, prefix=prefix, client_id=client_id, sweep_every=0)
    stop = threading.Event()
    worker = threading.Thread(target=sub.run, args=(stop,), daemon=True)
    worker.start()
    pub = Publisher(prefix)
    try:
        assert sub.stats.connected.wait(10)
        time.sleep(0.3)  # the SUBACK
        for i in range(10):
            pub.send(tilt.code, tilt.body({"tilt_deg": 25 + i}))
        pub.send(tilt.code, tilt.body({"tilt_deg": 60}, secret="dev_forged"))
        pub.send(tilt.code, b"\xff not json")
        pub.send(tilt.code, tilt.body({"tilt_deg": 3}))
        assert wait_until(lambda: sub.stats.applied == 13), sub.stats
    finally:
        stop.set()
        worker.join(10)
        pub.close()
        _forget_session(client_id)
    assert _count(rt, select(func.count()).select_from(cases)) == 1
    assert _count(rt, select(sensor_alarms.c.readings)) == 10
    assert _count(rt, select(func.count()).select_from(sensor_alarms).where(sensor_alarms.c.recovered_at.is_not(None))) == 1
    assert _count(rt, select(func.count()).select_from(sensor_messages)) == 11
    assert _count(rt, select(func.sum(sensor_rejects.c.count))) == 2
    assert (sub.stats.accepted, sub.stats.rejected, sub.stats.duplicates) == (11, 2, 0)


def _subscriber(db_url: str, prefix: str, client_id: str, tmp: Path) -> subprocess.Popen:
    env = {**os.environ, "CITYSTEWARD_DATABASE_URL": db_url, "CITYSTEWARD_MEDIA_DIR": str(tmp / "media")}
    return subprocess.Popen(
        [sys.executable, "-c", "from citysteward.cli import main; main()", "sensors", "subscribe", "--host", HOST, "--port", str(PORT_N),
         "--prefix", prefix, "--client-id", client_id, "--batch", "20", "--sweep-every", "0"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(tmp / f"sub-{time.monotonic_ns()}.log", "w"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_killed_mid_burst_and_restarted_every_message_counts_once(rt, city, db_url, prefix, tmp_path):
    """400 QoS 1 messages from 8 devices (alarms, repeats, heartbeats); the subscriber is killed with
    SIGKILL (no goodbye, unacknowledged messages stay with the broker) after about a quarter of them."""
    sensors = [register(city, f"JG-{i:04d}", seq=1 + i % 8) for i in range(8)]
    client_id = f"sub-{uuid.uuid4().hex[:8]}"
    proc = _subscriber(db_url, prefix, client_id, tmp_path)
    pub = Publisher(prefix)
    sent: list[str] = []
    try:
        ready = sensors[0].body(kind="heartbeat", msg_id="ready")
        assert wait_until(lambda: (pub.send(sensors[0].code, ready), _count(rt, select(func.count()).select_from(
            sensor_messages)) > 0)[1], timeout=60), "subscriber did not start"
        infos = []
        for n in range(400):
            s = sensors[n % 8]
            msg_id = f"burst-{n}"
            body = s.body(kind="heartbeat", msg_id=msg_id) if n % 5 == 4 else s.body({"tilt_deg": 20 + n % 7},
                                                                                       msg_id=msg_id)
            infos.append(pub.send(s.code, body, wait=False))
            sent.append(msg_id)
            if n == 100:
                assert wait_until(lambda: _count(rt, select(func.count()).select_from(sensor_messages)) > 40, 30)
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
                at_kill = _count(rt, select(func.count()).select_from(sensor_messages))
        for info in infos:
            info.wait_for_publish(30)  # the broker has every message (QoS 1 PUBACK to the publisher)
        proc = _subscriber(db_url, prefix, client_id, tmp_path)
        done = wait_until(lambda: _count(rt, select(func.count()).select_from(sensor_messages)) >= 401, timeout=90)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        pub.close()
        _forget_session(client_id)
    assert done, _count(rt, select(func.count()).select_from(sensor_messages))
    assert at_kill < 401  # it really died in the middle: the rest came from the broker's session
    with rt.uow(readonly=True) as uow:
        stored = [m for (m,) in uow.conn.execute(select(sensor_messages.c.msg_id))]
    burst = [m for m in stored if m.startswith("burst-")]
    assert sorted(burst) == sorted(sent) and len(set(burst)) == len(burst) == 400  # each exactly once
    alarms = sum(1 for n in range(400) if n % 5 != 4)
    assert _count(rt, select(func.sum(sensor_alarms.c.readings))) == alarms  # every reading counted once
    assert _count(rt, select(func.count()).select_from(cases)) == 8  # one case per device, never two


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_poison_message_is_set_aside_and_does_not_block_the_queue(rt, tilt: Sensor, prefix: str, monkeypatch):
    from citysteward.sensors import mqtt as subscriber_module

    real = subscriber_module.ingest

    def failing(rt_, raws):
        if any(r.device_code == "POISON" for r in raws):
            raise RuntimeError("a bug this message triggers")
        return real(rt_, raws)

    monkeypatch.setattr(subscriber_module, "ingest", failing)
    monkeypatch.setattr(subscriber_module, "POISON_AFTER", 2)
    client_id = f"sub-{uuid.uuid4().hex[:8]}"
    sub = Subscriber(rt, HOST, PORT_N, prefix=prefix, client_id=client_id, batch=1, sweep_every=0)
    stop = threading.Event()
    worker = threading.Thread(target=sub.run, args=(stop,), daemon=True)
    worker.start()
    pub = Publisher(prefix)
    try:
        assert sub.stats.connected.wait(10)
        time.sleep(0.3)
        pub.send("POISON", tilt.body({"tilt_deg": 30}))
        pub.send(tilt.code, tilt.body({"tilt_deg": 30}))
        assert wait_until(lambda: sub.stats.applied == 2, timeout=30), sub.stats
    finally:
        stop.set()
        worker.join(10)
        pub.close()
        _forget_session(client_id)
    assert sub.stats.rejected == 1 and sub.stats.accepted == 1
    assert _count(rt, select(func.count()).select_from(cases)) == 1
    assert _count(rt, select(sensor_rejects.c.count).where(sensor_rejects.c.reason == "unroutable")) == 1
