"""Sensors (物联感知): the MQTT subscriber that turns device messages into cases, and the heartbeat sweep."""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Annotated

import typer

from citysteward.cli.app import app, console, fail, runtime

sensors_app = typer.Typer(help="Sensor devices: MQTT subscriber and offline sweep.", no_args_is_help=True)
app.add_typer(sensors_app, name="sensors")


@sensors_app.command("subscribe")
def subscribe(
    host: Annotated[str, typer.Option(envvar="CITYSTEWARD_MQTT_HOST", help="MQTT broker")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="CITYSTEWARD_MQTT_PORT")] = 1883,
    prefix: Annotated[str, typer.Option(envvar="CITYSTEWARD_MQTT_PREFIX", help="topics <prefix>/<device>/up")] = "cs/sensors",
    client_id: Annotated[str, typer.Option(envvar="CITYSTEWARD_MQTT_CLIENT_ID",
                                           help="fixed: the broker keeps this session while we are down")] = "citysteward-sensors",
    batch: Annotated[int, typer.Option(min=1, max=5000, help="messages per transaction at most")] = 200,
    sweep_every: Annotated[float, typer.Option(help="seconds between offline sweeps (0: never)")] = 60.0,
    tls: Annotated[bool, typer.Option("--tls/--no-tls", envvar="CITYSTEWARD_MQTT_TLS")] = False,
) -> None:
    """Subscribe to the devices' topics (QoS 1, persistent session) until interrupted."""
    from citysteward.sensors.mqtt import Subscriber

    if not prefix.strip("/") or "+" in prefix or "#" in prefix:
        fail(f"主题前缀无效：{prefix}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sub = Subscriber(runtime(), host, port, prefix=prefix, client_id=client_id, batch=batch, sweep_every=sweep_every,
                     username=os.environ.get("CITYSTEWARD_MQTT_USERNAME"),
                     password=os.environ.get("CITYSTEWARD_MQTT_PASSWORD"), tls=tls)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    console.print(f"订阅 mqtt://{host}:{port}/{prefix}/+/up（QoS 1，持久会话 {client_id}）")
    sub.run(stop)
    s = sub.stats
    console.print(f"已处理 {s.applied} 条：接收 {s.accepted}，重复 {s.duplicates}，拒收 {s.rejected}")


@sensors_app.command("sweep")
def sweep(every: Annotated[float, typer.Option(
        help="repeat every N seconds until interrupted (a city on the webhook alone runs no subscriber)")] = 0.0) -> None:
    """Mark devices that missed two heartbeats offline and open a "device offline" case for each."""
    from citysteward.sensors.services.sweep import sweep_offline

    rt = runtime()
    stop = threading.Event()
    if every > 0:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    while True:
        result = sweep_offline(rt)
        console.print(f"检查 {result.checked} 台，新离线 {len(result.offline)} 台：{'、'.join(result.offline) or '无'}")
        if result.failed:
            message = f"{len(result.failed)} 台设备无法立案：{'、'.join(result.failed)}"
            if every <= 0:
                fail(message)
            console.print(f"错误：{message}")
        if every <= 0 or stop.wait(every):
            return
