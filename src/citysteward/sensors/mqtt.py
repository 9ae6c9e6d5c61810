"""The MQTT subscriber (an entry point, like the API): devices publish to `<prefix>/<device>/up` with
QoS 1; the subscriber keeps a persistent session (clean_session=False and a fixed client id), so the
broker holds what arrives while it is down, and acknowledges each message (PUBACK) only after the
transaction that applied it has committed. A crash between commit and acknowledgement means
redelivery, which the message ledger turns into a no-op: exactly once in effect.

Messages are applied in batches (what arrived together, up to `batch`) in one transaction each, in
arrival order; a failed batch is retried until the database answers, never acknowledged unapplied."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from citysteward.platform.runtime import Runtime
from citysteward.sensors.domain import RejectReason
from citysteward.sensors.services.ingest import Raw, Verdict, count_rejected, ingest
from citysteward.sensors.services.sweep import sweep_offline

log = logging.getLogger("citysteward.sensors.mqtt")
DEFAULT_PREFIX = "cs/sensors"
POISON_AFTER = 5  # failed attempts of a batch before its messages are tried one by one


@dataclass
class SubscriberStats:
    received: int = 0
    applied: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    retries: int = 0
    connected: threading.Event = field(default_factory=threading.Event)


def device_of(topic: str, prefix: str) -> str:
    """`<prefix>/<device>/up` → device code ("" when the topic is not one of ours: counted malformed)."""
    head = prefix.rstrip("/") + "/"
    if not topic.startswith(head) or not topic.endswith("/up"):
        return ""
    code = topic[len(head):-3]
    return "" if "/" in code else code


class Subscriber:
    def __init__(self, rt: Runtime, host: str = "127.0.0.1", port: int = 1883, *, prefix: str = DEFAULT_PREFIX,
                 client_id: str = "citysteward-sensors", batch: int = 200, sweep_every: float = 60.0,
                 username: str | None = None, password: str | None = None, tls: bool = False) -> None:
        self.rt, self.host, self.port, self.prefix = rt, host, port, prefix.rstrip("/")
        self.batch, self.sweep_every = batch, sweep_every
        self.stats = SubscriberStats()
        self._inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
                                  protocol=mqtt.MQTTv311, manual_ack=True)
        if username:
            self.client.username_pw_set(username, password)
        if tls:
            self.client.tls_set()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(1, 30)

    # -- network thread
    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.error("MQTT connection refused: %s", reason)
            return
        client.subscribe(f"{self.prefix}/+/up", qos=1)
        self.stats.connected.set()
        log.info("subscribed to %s/+/up (session present: %s)", self.prefix, flags.session_present)

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self.stats.connected.clear()
        log.warning("MQTT disconnected: %s", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.stats.received += 1
        self._inbox.put(message)

    # -- the worker
    def _take(self, timeout: float) -> list[mqtt.MQTTMessage]:
        try:
            first = self._inbox.get(timeout=timeout)
        except queue.Empty:
            return []
        items = [first]
        while len(items) < self.batch:
            try:
                items.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        return items

    def _apply(self, items: list[mqtt.MQTTMessage], stop: threading.Event) -> None:
        raws = [Raw(device_of(m.topic, self.prefix), bytes(m.payload), "mqtt") for m in items]
        failures = 0
        while not stop.is_set():
            try:
                verdicts = ingest(self.rt, raws) if failures < POISON_AFTER else [self._one(raw) for raw in raws]
                break
            except Exception:  # the database is away: keep the batch, acknowledge nothing, try again
                failures += 1
                self.stats.retries += 1
                log.exception("applying %d messages failed; retrying", len(raws))
                stop.wait(min(failures, 10))
        else:
            return
        for m in items:  # after the commit, in arrival order
            if m.qos > 0:
                self.client.ack(m.mid, m.qos)
        self.stats.batches += 1
        self.stats.applied += len(items)
        for v in verdicts:
            if v.status == "accepted":
                self.stats.accepted += 1
            elif v.status == "duplicate":
                self.stats.duplicates += 1
            else:
                self.stats.rejected += 1

    def _one(self, raw: Raw) -> Verdict:
        """After repeated failures, message by message: one that still fails while the database answers
        (its rejection is counted) is a poison message, set aside so it cannot block the queue."""
        try:
            return ingest(self.rt, [raw])[0]
        except Exception:
            log.exception("message from %r cannot be applied: counted as rejected", raw.device_code)
            return count_rejected(self.rt, RejectReason.UNROUTABLE, raw.device_code, "处理失败")

    def run(self, stop: threading.Event, on_batch: Callable[[SubscriberStats], None] | None = None) -> None:
        self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_start()
        next_sweep = time.monotonic() + self.sweep_every
        try:
            while not stop.is_set():
                items = self._take(0.2)
                if items:
                    self._apply(items, stop)
                    if on_batch:
                        on_batch(self.stats)
                if self.sweep_every > 0 and time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.sweep_every
                    try:
                        sweep_offline(self.rt)
                    except Exception:
                        log.exception("offline sweep failed")
        finally:
            self.client.disconnect()
            self.client.loop_stop()
