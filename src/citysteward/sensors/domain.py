"""Sensor devices and their alarms (物联感知): manhole-cover tilt sensors (井盖倾斜), water-level gauges at
waterlogging points (积水监测), smoke/fire panels of the fire-safety IoT platform (消防物联网) and
streetlight controllers (单灯控制器). Pure rules: what a device is, what a message must look like, and
what a reading means (alarm, repeat, recovery) — the services write the consequences.

Sources: issue 17; FIELDWORK.md §2.3 (per-point orange/red depth thresholds, e.g. 15 cm / 30 cm) and §7.2
(a streetlight fault keeps the lamp counted as not lit). Thresholds are each device's configuration."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.labels import Labelled

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{1,63}$")
METRIC = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MSG_ID = re.compile(r"^[\x21-\x7e]{1,64}$")
MAX_VALUES = 16
MISSED_BEATS = 2  # offline after two missed heartbeats: one late beat is network jitter, not a dead device
OFFLINE = "offline"  # the alarm code of a "device offline" episode
SECRET_PREFIX = "dev_"


class DeviceKind(Labelled):
    MANHOLE_TILT = "manhole_tilt"
    WATER_LEVEL = "water_level"
    FIRE_PANEL = "fire_panel"
    LAMP_CONTROLLER = "lamp_controller"
    OTHER = "other"


DeviceKind.set_labels({
    "manhole_tilt": ("井盖倾斜监测", "#6610f2"),
    "water_level": ("积水水位监测", "#0d6efd"),
    "fire_panel": ("消防物联网（烟感/火警）", "#dc3545"),
    "lamp_controller": ("路灯单灯控制器", "#f9a825"),
    "other": ("其他传感器", "#6c757d"),
})


class DeviceState(Labelled):
    NORMAL = "normal"
    ALARM = "alarm"
    OFFLINE = "offline"


DeviceState.set_labels({
    "normal": ("正常", "#2e7d32"),
    "alarm": ("报警", "#c62828"),
    "offline": ("离线", "#6c757d"),
})


class Outcome(Labelled):
    """What one accepted message did."""

    OPENED = "opened"
    REPEATED = "repeated"
    RECOVERED = "recovered"
    NORMAL = "normal"
    HEARTBEAT = "heartbeat"


Outcome.set_labels({
    "opened": ("报警立案", "#c62828"),
    "repeated": ("重复报警（并入已有案件）", "#fd7e14"),
    "recovered": ("恢复正常", "#2e7d32"),
    "normal": ("正常读数", "#6c757d"),
    "heartbeat": ("心跳", "#adb5bd"),
})


class RejectReason(Labelled):
    MALFORMED = "malformed"
    UNKNOWN_DEVICE = "unknown_device"
    BAD_CREDENTIAL = "bad_credential"
    REVOKED = "revoked"
    UNROUTABLE = "unroutable"


RejectReason.set_labels({
    "malformed": ("报文格式错误", "#6c757d"),
    "unknown_device": ("未登记设备", "#fd7e14"),
    "bad_credential": ("设备凭证错误", "#dc3545"),
    "revoked": ("凭证已吊销或设备已停用", "#495057"),
    "unroutable": ("无法立案（类别或位置无效）", "#6f42c1"),
})

_OPS = {">=": lambda v, t: v >= t, "<=": lambda v, t: v <= t}


@dataclass(frozen=True, slots=True)
class AlarmRule:
    """One alarm type of a device: `metric op threshold` raises a case of `category_code`."""

    code: str
    label: str
    metric: str
    op: str
    threshold: float
    category_code: str
    urgency: str | None = None
    flood: bool = False  # grouped under the active flood event (water on roads)

    def breached(self, value: float) -> bool:
        return bool(_OPS[self.op](value, self.threshold))

    def describe(self, value: float) -> str:
        return f"{self.label}：{self.metric} = {value:g}（阈值 {self.op} {self.threshold:g}）"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "metric": self.metric, "op": self.op,
                "threshold": self.threshold, "category_code": self.category_code, "urgency": self.urgency,
                "flood": self.flood}

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> AlarmRule:
        """An alarm type as an administrator writes it; every mistake named."""
        code = str(raw.get("code") or "").strip()
        if not METRIC.match(code) or code == OFFLINE:
            raise InvalidInput(f"报警类型编码无效：{code!r}（小写字母、数字、下划线）", {"field": "alarm_rules"})
        metric = str(raw.get("metric") or "").strip()
        if not METRIC.match(metric):
            raise InvalidInput(f"报警类型 {code} 的监测量名称无效：{metric!r}", {"field": "alarm_rules"})
        op = str(raw.get("op") or ">=").strip()
        if op not in _OPS:
            raise InvalidInput(f"报警类型 {code} 的比较方式只能是 >= 或 <=", {"field": "alarm_rules"})
        threshold = _number(raw.get("threshold"), f"报警类型 {code} 的阈值")
        category = str(raw.get("category_code") or "").strip()
        if not category:
            raise InvalidInput(f"报警类型 {code} 需要指定案件类别", {"field": "alarm_rules"})
        label = str(raw.get("label") or code).strip()[:40]
        urgency = str(raw.get("urgency") or "").strip() or None
        return cls(code, label, metric, op, threshold, category, urgency, bool(raw.get("flood", False)))


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"{what}必须是数字", {"field": "alarm_rules"})
    try:
        number = float(value)
    except ValueError as exc:
        raise InvalidInput(f"{what}必须是数字", {"field": "alarm_rules"}) from exc
    if not math.isfinite(number):
        raise InvalidInput(f"{what}必须是有限数字", {"field": "alarm_rules"})
    return number


def parse_rules(raw: Sequence[Mapping[str, Any]]) -> tuple[AlarmRule, ...]:
    rules = tuple(AlarmRule.parse(r) for r in raw)
    if not rules:
        raise InvalidInput("至少需要一个报警类型", {"field": "alarm_rules"})
    codes = [r.code for r in rules]
    if len(set(codes)) != len(codes):
        raise InvalidInput("报警类型编码不能重复", {"field": "alarm_rules"})
    return rules


@dataclass(slots=True)
class Device:
    code: str
    name: str
    kind: DeviceKind
    owner_unit_id: int
    rules: tuple[AlarmRule, ...]
    heartbeat_s: int
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    component_id: int | None = None  # a component of the assets register (部件), kept as a plain id
    waterlog_point_id: int | None = None  # a 易涝点 of the flood register, kept as a plain id
    secret_hash: str | None = None
    state: DeviceState = DeviceState.NORMAL
    active: bool = True
    last_seen_at: datetime | None = None
    created_at: datetime | None = None
    id: int | None = None

    def rule(self, code: str) -> AlarmRule | None:
        return next((r for r in self.rules if r.code == code), None)

    def offline_since(self, now: datetime) -> datetime | None:
        """When the device went silent, if it has missed its heartbeats by now."""
        last = self.last_seen_at or self.created_at
        if not self.active or last is None:
            return None
        return last if now - last > timedelta(seconds=self.heartbeat_s * MISSED_BEATS) else None


# ------------------------------------------------------------------ credentials
def new_secret() -> str:
    """A long-lived device credential, shown once; only its sha256 is stored (like staff tokens)."""
    return SECRET_PREFIX + secrets.token_urlsafe(24)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def secret_matches(secret: str, stored_hash: str | None) -> bool:
    return stored_hash is not None and hmac.compare_digest(hash_secret(secret), stored_hash)


# ------------------------------------------------------------------ messages
class Malformed(Exception):
    """A message that cannot be read: rejected and counted, never a case."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Message:
    """One uplink message, whichever way it came (MQTT topic `cs/sensors/<device>/up` or the webhook)."""

    device_code: str
    msg_id: str
    secret: str
    kind: str  # reading | heartbeat
    at: datetime
    values: Mapping[str, float] = field(default_factory=dict)
    channel: str = "mqtt"


def parse_message(device_code: str, body: Any, received_at: datetime, channel: str = "mqtt") -> Message:
    """Check a decoded JSON body; any fault raises `Malformed` with what is wrong."""
    if not isinstance(body, dict):
        raise Malformed("报文必须是 JSON 对象")
    if not CODE.match(device_code or ""):
        raise Malformed("设备编号无效")
    msg_id = body.get("id")
    if not isinstance(msg_id, str) or not MSG_ID.match(msg_id):
        raise Malformed("缺少报文编号 id（1–64 个可见 ASCII 字符）")
    secret = body.get("secret")
    if not isinstance(secret, str) or not 1 <= len(secret) <= 128:
        raise Malformed("缺少设备凭证 secret")
    kind = body.get("type", "reading")
    if kind not in ("reading", "heartbeat"):
        raise Malformed("type 只能是 reading 或 heartbeat")
    values = body.get("values", {})
    if not isinstance(values, dict) or len(values) > MAX_VALUES:
        raise Malformed(f"values 必须是不超过 {MAX_VALUES} 项的对象")
    clean: dict[str, float] = {}
    for name, value in values.items():
        if not isinstance(name, str) or not METRIC.match(name):
            raise Malformed(f"监测量名称无效：{str(name)[:32]!r}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise Malformed(f"监测量 {name} 的值必须是有限数字")
        clean[name] = float(value)
    if kind == "reading" and not clean:
        raise Malformed("读数报文需要 values")
    return Message(device_code, msg_id, secret, kind, _time(body.get("at"), received_at), clean, channel)


def _time(value: Any, received_at: datetime) -> datetime:
    """The device's own time if it sent a sane one (not in the future: clocks drift), else arrival."""
    if value is None:
        return received_at
    if not isinstance(value, str):
        raise Malformed("at 必须是 ISO 8601 时间")
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Malformed("at 必须是 ISO 8601 时间") from exc
    if at.tzinfo is None:
        raise Malformed("at 需要带时区（如 2026-11-26T08:00:00+08:00）")
    at = at.astimezone(UTC)
    return min(at, received_at)


# ------------------------------------------------------------------ what a reading means
@dataclass(frozen=True, slots=True)
class Decision:
    """One alarm type's verdict on one message."""

    outcome: Outcome
    rule: AlarmRule
    value: float


def evaluate(device: Device, message: Message, open_codes: frozenset[str]) -> list[Decision]:
    """Each alarm type whose metric the message carries: a breach opens an alarm (or repeats the open
    one: de-duplication), a normal value closes an open alarm (recovery) or is just a reading."""
    out = []
    for rule in device.rules:
        if rule.metric not in message.values:
            continue
        value = message.values[rule.metric]
        if rule.breached(value):
            outcome = Outcome.REPEATED if rule.code in open_codes else Outcome.OPENED
        else:
            outcome = Outcome.RECOVERED if rule.code in open_codes else Outcome.NORMAL
        out.append(Decision(outcome, rule, value))
    return out


def state_after(open_codes: frozenset[str]) -> DeviceState:
    if OFFLINE in open_codes:
        return DeviceState.OFFLINE
    return DeviceState.ALARM if open_codes else DeviceState.NORMAL


@dataclass(slots=True)
class Episode:
    """One alarm of one device, from the first breach to recovery, and the case it raised."""

    device_id: int
    alarm_code: str
    opened_at: datetime
    last_at: datetime
    readings: int = 1
    peak: float | None = None
    case_id: int | None = None
    case_no: str | None = None
    recovered_at: datetime | None = None
    flood_event_id: int | None = None
    id: int | None = None

    def add_reading(self, value: float, at: datetime, op: str) -> None:
        self.readings += 1
        self.last_at = max(self.last_at, at)
        worse = self.peak is None or (value > self.peak if op == ">=" else value < self.peak)
        if worse:
            self.peak = value


@dataclass(frozen=True, slots=True)
class FloodEventRef:
    """The flood event (汛情/防汛应急响应) active now, as the flood context names it."""

    id: int
    name: str
