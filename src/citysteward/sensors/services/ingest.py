"""Ingestion (物联感知接入): messages from the MQTT subscriber or the webhook become readings, and alarms
become cases, in one transaction per batch. The caller acknowledges a message only after `ingest`
returns (the commit), so a crash before it means redelivery, and redelivery is harmless: (device,
message id) is recorded in the same transaction as its effects, and a recorded message is skipped.

An alarm opens a case through the ordinary intake (category and place from the device, routed like any
report); repeats while its case is open are appended to that case's timeline (de-duplication); recovery
annotates it. Unknown devices, bad credentials and malformed bodies are counted, never a case."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from citysteward.assets.services import components
from citysteward.cases.domain.case import Event
from citysteward.cases.domain.model import Action, CaseState
from citysteward.cases.services.intake import ReportInput, report_within
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import DomainError
from citysteward.platform.runtime import Runtime
from citysteward.sensors.domain import (
    OFFLINE,
    AlarmRule,
    Decision,
    Device,
    DeviceState,
    Episode,
    Malformed,
    Message,
    Outcome,
    RejectReason,
    evaluate,
    parse_message,
    secret_matches,
    state_after,
)
from citysteward.sensors.ports import SensorsUnitOfWork, unit_of_work
from citysteward.sensors.services.storm import active_flood_event

SENSOR = Actor.system("物联感知")
MAX_BODY = 8 * 1024


@dataclass(frozen=True, slots=True)
class Raw:
    """A message as it arrived: the device code (from the topic or the body) and the raw body."""

    device_code: str
    body: bytes | dict[str, Any]
    channel: str = "mqtt"


@dataclass(frozen=True, slots=True)
class Verdict:
    status: str  # accepted | duplicate | rejected
    reason: RejectReason | None = None
    message: str = ""
    outcome: Outcome | None = None
    case_nos: tuple[str, ...] = ()


@dataclass(slots=True)
class _Batch:
    """What one transaction knows: the devices, their open episodes, what it has decided so far."""

    devices: dict[str, Device]
    episodes: dict[tuple[int, str], Episode]
    seen: set[tuple[int, str]]
    rows: list[dict[str, Any]] = field(default_factory=list)
    touched: dict[int, datetime] = field(default_factory=dict)
    states: dict[int, CaseState | None] = field(default_factory=dict)  # case id → state (None: gone)
    events: list[Event] = field(default_factory=list)  # written together at the end of the batch
    dirty: dict[int, Episode] = field(default_factory=dict)

    def case_state(self, uow: SensorsUnitOfWork, case_id: int | None) -> CaseState | None:
        if case_id is None:
            return None
        if case_id not in self.states:
            case = uow.cases.get_by_id(case_id)
            self.states[case_id] = case.state if case else None
        return self.states[case_id]

    def save(self, episode: Episode) -> None:
        assert episode.id is not None
        self.dirty[episode.id] = episode


def decode(raw: Raw, now: datetime) -> Message:
    body: Any = raw.body
    if isinstance(body, bytes):
        if len(body) > MAX_BODY:
            raise Malformed(f"报文超过 {MAX_BODY // 1024} KB")
        try:
            body = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise Malformed("报文不是 UTF-8 JSON") from exc
    return parse_message(raw.device_code, body, now, raw.channel)


def ingest(rt: Runtime, raws: Sequence[Raw]) -> list[Verdict]:
    """Apply a batch in one transaction; if it fails as a whole (a message raced in by another
    worker), each message is tried on its own."""
    try:
        return _ingest(rt, raws)
    except DomainError:
        raise
    except Exception:
        if len(raws) == 1:
            return _after_failure(rt, raws[0])
        return [v for raw in raws for v in ingest(rt, [raw])]


def _after_failure(rt: Runtime, raw: Raw) -> list[Verdict]:
    """A single message whose transaction failed: recorded meanwhile by another worker (a duplicate),
    or a real fault, which propagates (the message stays unacknowledged and comes again)."""
    message = decode(raw, rt.now())
    with unit_of_work(rt, readonly=True) as uow:
        device = uow.sensors.device(message.device_code)
        if device is not None and device.id is not None and uow.sensors.seen([(device.id, message.msg_id)]):
            return [Verdict("duplicate", message="重复报文，已忽略")]
    return _ingest(rt, [raw])


def _ingest(rt: Runtime, raws: Sequence[Raw]) -> list[Verdict]:
    now = rt.now()
    decoded: list[Message | Malformed] = []
    for raw in raws:
        try:
            decoded.append(decode(raw, now))
        except Malformed as exc:
            decoded.append(exc)
    verdicts: list[Verdict] = []
    with unit_of_work(rt) as uow:
        codes = [m.device_code for m in decoded if isinstance(m, Message)]
        devices = uow.sensors.devices_for_update(codes) if codes else {}
        ids = [d.id for d in devices.values() if d.id is not None]
        keys = [(devices[m.device_code].id or 0, m.msg_id) for m in decoded
                if isinstance(m, Message) and m.device_code in devices]
        batch = _Batch(devices, {(e.device_id, e.alarm_code): e for e in uow.sensors.open_episodes(ids)},
                       uow.sensors.seen(keys))
        for raw, item in zip(raws, decoded, strict=True):
            verdicts.append(_one(rt, uow, batch, raw, item, now))
        uow.sensors.add_messages(batch.rows)
        if batch.events:
            uow.cases.append_notes(batch.events)
        uow.sensors.save_episodes(list(batch.dirty.values()))
        uow.sensors.touch([(device_id, seen, _state(batch, device_id).value)
                           for device_id, seen in batch.touched.items()])
        uow.commit()
    return verdicts


def _state(batch: _Batch, device_id: int) -> DeviceState:
    return state_after(frozenset(code for (d, code) in batch.episodes if d == device_id))


def _reject(rt: Runtime, uow: SensorsUnitOfWork, reason: RejectReason, device: str, detail: str) -> Verdict:
    day = rt.now().astimezone(rt.settings.tz).strftime("%Y%m%d")
    uow.sensors.count_reject(day, reason.value, rt.now(), device, detail)
    return Verdict("rejected", reason, f"{reason.label}：{detail}" if detail else reason.label)


def _one(rt: Runtime, uow: SensorsUnitOfWork, batch: _Batch, raw: Raw, item: Message | Malformed,
         now: datetime) -> Verdict:
    if isinstance(item, Malformed):
        return _reject(rt, uow, RejectReason.MALFORMED, raw.device_code[:64], item.message)
    device = batch.devices.get(item.device_code)
    if device is None or device.id is None:
        return _reject(rt, uow, RejectReason.UNKNOWN_DEVICE, item.device_code, "")
    if not device.active or device.secret_hash is None:
        return _reject(rt, uow, RejectReason.REVOKED, item.device_code, "")
    if not secret_matches(item.secret, device.secret_hash):
        return _reject(rt, uow, RejectReason.BAD_CREDENTIAL, item.device_code, "")
    key = (device.id, item.msg_id)
    if key in batch.seen:
        return Verdict("duplicate", message="重复报文，已忽略")
    batch.seen.add(key)
    batch.touched[device.id] = now
    case_nos = list(_back_online(rt, uow, batch, device, item))
    outcome, alarm_code, case_id = Outcome.HEARTBEAT, None, None
    if item.kind == "reading":
        open_codes = frozenset(code for (d, code) in batch.episodes if d == device.id)
        outcome = Outcome.NORMAL
        for decision in evaluate(device, item, open_codes):
            done, episode = _apply(rt, uow, batch, device, item, decision)
            if _RANK[done] > _RANK[outcome]:
                outcome, alarm_code = done, decision.rule.code
                case_id = episode.case_id if episode else None
            if episode and episode.case_no:
                case_nos.append(episode.case_no)
    batch.rows.append({"device_id": device.id, "msg_id": item.msg_id, "kind": item.kind, "channel": item.channel,
                       "at": item.at, "received_at": now, "values": dict(item.values), "outcome": outcome.value,
                       "alarm_code": alarm_code, "case_id": case_id})
    return Verdict("accepted", outcome=outcome, case_nos=tuple(dict.fromkeys(case_nos)))


_RANK = {Outcome.HEARTBEAT: 0, Outcome.NORMAL: 1, Outcome.RECOVERED: 2, Outcome.REPEATED: 3, Outcome.OPENED: 4}


def _apply(rt: Runtime, uow: SensorsUnitOfWork, batch: _Batch, device: Device, message: Message,
           decision: Decision) -> tuple[Outcome, Episode | None]:
    assert device.id is not None
    rule, key = decision.rule, (device.id, decision.rule.code)
    episode = batch.episodes.get(key)
    if decision.outcome is Outcome.REPEATED and episode is not None:
        if (state := batch.case_state(uow, episode.case_id)) is not None and not state.is_final:
            episode.add_reading(decision.value, message.at, rule.op)
            batch.save(episode)
            _annotate(uow, batch, episode, message, f"重复报警（第 {episode.readings} 次读数）：{rule.describe(decision.value)}",
                      {"device": device.code, "alarm": rule.code, "value": decision.value, "msg_id": message.msg_id})
            return Outcome.REPEATED, episode
        # The case was closed while the device still reports the fault: the problem is back.
        episode.recovered_at = message.at
        batch.save(episode)
        del batch.episodes[key]
        return Outcome.OPENED, _open(rt, uow, batch, device, message, rule, decision.value)
    if decision.outcome is Outcome.OPENED:
        return Outcome.OPENED, _open(rt, uow, batch, device, message, rule, decision.value)
    if decision.outcome is Outcome.RECOVERED and episode is not None:
        episode.recovered_at = message.at
        batch.save(episode)
        del batch.episodes[key]
        _annotate(uow, batch, episode, message, f"设备报警已恢复正常：{rule.describe(decision.value)}",
                  {"device": device.code, "alarm": rule.code, "value": decision.value, "msg_id": message.msg_id,
                   "recovered": True})
        return Outcome.RECOVERED, episode
    return Outcome.NORMAL, None


def _open(rt: Runtime, uow: SensorsUnitOfWork, batch: _Batch, device: Device, message: Message, rule: AlarmRule,
          value: float) -> Episode | None:
    assert device.id is not None
    flood = active_flood_event(rt) if rule.flood else None
    prefix = f"【{flood.name}】" if flood else ""
    attributes: dict[str, Any] = {"sensor_device": device.code, "alarm": rule.code, "value": value,
                                  "msg_id": message.msg_id, "owner_unit_id": device.owner_unit_id}
    if flood:
        attributes["flood_event_id"] = flood.id
    data = ReportInput(
        category_code=rule.category_code, lon=device.lon or 0.0, lat=device.lat or 0.0, address=device.address,
        description=f"{prefix}{device.kind.label}「{device.name}」（{device.code}）报警：{rule.describe(value)}",
        urgency=rule.urgency, source="sensor", attributes=attributes)
    try:
        result = report_within(rt, uow, data, SENSOR)
    except DomainError as exc:  # validation only: nothing was written (a retired category, a moved grid)
        _reject(rt, uow, RejectReason.UNROUTABLE, device.code, exc.message)
        return None
    episode = Episode(device.id, rule.code, message.at, message.at, 1, value, result.id, result.case_no,
                      flood_event_id=flood.id if flood else None)
    uow.sensors.add_episode(episode)
    if flood:
        uow.flood.tag_cases(flood.id, [result.id], rt.now())
    if device.component_id is not None:
        try:  # the component is marked damaged (破损) until the case is closed, as for any report about it
            components.link_case(uow, device.component_id, result.id, result.case_no, message.at, SENSOR.name)
        except DomainError:
            pass  # the component has left the register since the device was installed: the case stands
    batch.episodes[(device.id, rule.code)] = episode
    batch.states[result.id] = CaseState(result.state)
    return episode


def _annotate(uow: SensorsUnitOfWork, batch: _Batch, episode: Episode, message: Message, note: str,
              reading: dict[str, Any]) -> None:
    """A reading on the case's timeline: a note by the sensor system, which never changes the state."""
    state = batch.case_state(uow, episode.case_id)
    if state is None:
        return
    batch.events.append(Event(action=Action.COMMENT, from_state=state, to_state=state, actor=SENSOR, at=message.at,
                              note=note, payload={"sensor_reading": reading}, case_id=episode.case_id))


def _back_online(rt: Runtime, uow: SensorsUnitOfWork, batch: _Batch, device: Device, message: Message) -> list[str]:
    """Any message from a device marked offline ends its offline episode and says so on the case."""
    assert device.id is not None
    episode = batch.episodes.pop((device.id, OFFLINE), None)
    if episode is None:
        return []
    episode.recovered_at = message.at
    batch.save(episode)
    _annotate(uow, batch, episode, message, "设备已恢复在线", {"device": device.code, "alarm": OFFLINE, "msg_id": message.msg_id,
                                                 "recovered": True})
    return [episode.case_no] if episode.case_no else []


def count_rejected(rt: Runtime, reason: RejectReason, device: str, detail: str) -> Verdict:
    """A rejection found before ingestion (the webhook's own checks), counted like the others."""
    with unit_of_work(rt) as uow:
        verdict = _reject(rt, uow, reason, device, detail)
        uow.commit()
    return verdict
