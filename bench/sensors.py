"""Sensors benchmark: messages per second through the MQTT subscriber to cases.

A burst of N QoS 1 messages (default 5,000) from D devices (default 500: per device one alarm that opens
a case, repeats folded into it, and a recovery) is published as fast as a separate process can; one
subscriber (the `citysteward sensors subscribe` worker, in process) applies them. Timed from the first
publish to the last commit; then everything is recounted from the database.

    .venv/bin/python bench/sensors.py --db sqlite,postgresql --messages 5000 --devices 500

Without --broker a private Mosquitto is started on a free loopback port (unbounded queue, 1,000 in
flight); with --broker host:port the given one is used. Prints figures; not a pass/fail test."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _city import database, drop_database, machine, peak_mb, prepare  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from citysteward.cases.tables import cases  # noqa: E402
from citysteward.kernel.actor import Actor, Role  # noqa: E402
from citysteward.sensors.mqtt import Subscriber  # noqa: E402
from citysteward.sensors.services import devices  # noqa: E402
from citysteward.sensors.tables import sensor_alarms, sensor_messages  # noqa: E402

PREFIX = "bench/sensors"
RULES = [{"code": "tilt", "label": "井盖倾斜", "metric": "tilt_deg", "op": ">=", "threshold": 15,
          "category_code": "01003"}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_broker(tmp: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = Path(tmp) / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
                    "max_inflight_messages 1000\npersistence false\n")
    proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        time.sleep(0.1)
    raise SystemExit("mosquitto did not start")


def publish(host: str, port: int, messages: list[tuple[str, bytes]], done: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-publisher", protocol=mqtt.MQTTv311)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    t0 = time.perf_counter()
    infos = [client.publish(f"{PREFIX}/{code}/up", body, qos=1) for code, body in messages]
    for info in infos:
        info.wait_for_publish(120)
    done.put(time.perf_counter() - t0)
    client.disconnect()
    client.loop_stop()


def forget_session(host: str, port: int, client_id: str) -> None:
    """A clean connect drops the persistent session the run left on the broker."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True, protocol=mqtt.MQTTv311)
    client.connect(host, port)
    client.loop_start()
    time.sleep(0.3)
    client.disconnect()
    client.loop_stop()


def burst(secrets: dict[str, str], n: int) -> list[tuple[str, bytes]]:
    """Per device: an alarm, repeats, and (as its last message) a recovery; devices interleaved."""
    codes = list(secrets)
    per = max(n // len(codes), 2)
    out = []
    for k in range(per):
        for code in codes:
            if len(out) == n:
                break
            value = 2.0 if k == per - 1 else 20.0 + k
            out.append((code, json.dumps({"id": f"b{k}", "secret": secrets[code], "values": {"tilt_deg": value}}).encode()))
    return out


def run(kind: str, args: argparse.Namespace, host: str, port: int) -> None:
    tmp = tempfile.mkdtemp(prefix="cs-bench-sensors-")
    url = database(kind, tmp)
    try:
        rt, points = prepare(url, 0, tmp + "/media")
        admin = Actor(role=Role.ADMIN, user_id=None, name="bench")
        with rt.uow(readonly=True) as uow:
            unit_id = uow.org.units()[0]["id"]
        secrets = {}
        for i in range(args.devices):
            lon, lat = points[i % len(points)]
            made = devices.register_device(rt, admin, devices.DeviceInput(
                code=f"JG-{i:05d}", name=f"井盖 {i}", kind="manhole_tilt", owner_unit_id=unit_id, alarm_rules=RULES,
                heartbeat_s=3600, lon=lon, lat=lat))
            secrets[made.device.code] = made.secret
        messages = burst(secrets, args.messages)
        sub = Subscriber(rt, host, port, prefix=PREFIX, client_id=f"bench-{kind}", batch=args.batch, sweep_every=0)
        stop = threading.Event()
        worker = threading.Thread(target=sub.run, args=(stop,), daemon=True)
        worker.start()
        if not sub.stats.connected.wait(10):
            raise SystemExit("subscriber did not connect")
        time.sleep(0.5)
        done: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        pub = multiprocessing.Process(target=publish, args=(host, port, messages, done))
        t0 = time.perf_counter()
        pub.start()
        last, last_change = 0, time.perf_counter()
        while sub.stats.applied < len(messages) and time.perf_counter() - t0 < args.timeout:
            time.sleep(0.01)
            if sub.stats.applied != last:
                last, last_change = sub.stats.applied, time.perf_counter()
            elif time.perf_counter() - last_change > 20:  # nothing more is coming
                break
        wall = last_change - t0
        publish_s = done.get(timeout=60)
        pub.join(10)
        stop.set()
        worker.join(10)
        forget_session(host, port, f"bench-{kind}")
        with rt.uow(readonly=True) as uow:
            c = uow.conn
            stored = c.execute(select(func.count()).select_from(sensor_messages)).scalar_one()
            distinct = c.execute(select(func.count()).select_from(
                select(sensor_messages.c.device_id, sensor_messages.c.msg_id).distinct().subquery())).scalar_one()
            n_cases = c.execute(select(func.count()).select_from(cases)).scalar_one()
            readings = c.execute(select(func.sum(sensor_alarms.c.readings))).scalar_one() or 0
            recovered = c.execute(select(func.count()).select_from(sensor_alarms)
                                  .where(sensor_alarms.c.recovered_at.is_not(None))).scalar_one()
        s = sub.stats
        expected_alarms = sum(1 for _, b in messages if json.loads(b)["values"]["tilt_deg"] >= 15)
        print(f"\n== {kind}: {len(messages)} messages from {len(secrets)} devices, batch ≤ {args.batch}")
        print(f"  published in {publish_s:.2f} s ({len(messages) / publish_s:,.0f} msg/s offered)")
        print(f"  applied in   {wall:.2f} s  →  {s.applied / wall:,.0f} messages/s through the subscriber to cases")
        print(f"  batches {s.batches} (mean {s.applied / max(s.batches, 1):.1f} messages), retries {s.retries}, "
              f"duplicates {s.duplicates}, rejected {s.rejected}")
        print(f"  recount: stored {stored} (distinct {distinct}) of {len(messages)}; cases {n_cases} "
              f"(expected {len(secrets)}); alarm readings {readings} (expected {expected_alarms}); "
              f"recovered {recovered}")
        if stored < len(messages):
            print(f"  !! {len(messages) - stored} messages never reached the subscriber: the broker dropped them "
                  "(Mosquitto's max_queued_messages defaults to 1,000 per client; set it to 0, docs/sensors.md)")
        print(f"  peak RSS {peak_mb():.0f} MB")
    finally:
        drop_database(url)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--db", default="sqlite")
    p.add_argument("--messages", type=int, default=5000)
    p.add_argument("--devices", type=int, default=500)
    p.add_argument("--batch", type=int, default=200)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--broker", default="", help="host:port of a running broker (default: a private one)")
    args = p.parse_args()
    print(f"machine: {machine()}")
    broker = None
    tmp = tempfile.mkdtemp(prefix="cs-bench-mqtt-")
    if args.broker:
        host, _, port_s = args.broker.partition(":")
        port = int(port_s or 1883)
    else:
        broker, port = start_broker(tmp)
        host = "127.0.0.1"
    try:
        for kind in args.db.split(","):
            run(kind.strip(), args, host, port)
    finally:
        if broker:
            broker.terminate()
            broker.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
