"""Alarm statistics (报警统计): device states now, alarms opened per day and per device kind and alarm
type over a period, readings folded into them (de-duplication at work), rejected messages by reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from citysteward.platform.runtime import Runtime
from citysteward.sensors.domain import OFFLINE, DeviceKind, DeviceState, RejectReason
from citysteward.sensors.ports import unit_of_work

OFFLINE_LABEL = "设备离线"


@dataclass(frozen=True, slots=True)
class AlarmStats:
    days: int
    states: list[dict[str, Any]]  # state, label, colour, count
    by_type: list[dict[str, Any]]  # kind label, alarm, alarms, readings, open
    by_day: list[dict[str, Any]]  # day (local), alarms
    rejects: list[dict[str, Any]]  # reason label, count
    by_flood_event: list[dict[str, Any]]  # flood event id, alarms
    alarms: int
    readings: int


def alarm_stats(rt: Runtime, days: int = 30) -> AlarmStats:
    days = min(max(days, 1), 366)
    now = rt.now()
    tz = rt.settings.tz
    first_day = (now.astimezone(tz) - timedelta(days=days - 1)).date()
    since = now - timedelta(days=days)
    with unit_of_work(rt, readonly=True) as uow:
        counts = uow.sensors.state_counts()
        rows = uow.sensors.alarm_stats(since)
        rejects = uow.sensors.rejects(first_day.strftime("%Y%m%d"))
    rows = [r for r in rows if r["opened_at"].astimezone(tz).date() >= first_day]
    types: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["kind"], r["alarm_code"])
        entry = types.setdefault(key, {"kind": r["kind"], "kind_label": DeviceKind(r["kind"]).label,
                                       "alarm": OFFLINE_LABEL if r["alarm_code"] == OFFLINE else r["alarm_code"],
                                       "alarms": 0, "readings": 0, "open": 0})
        entry["alarms"] += 1
        entry["readings"] += r["readings"]
        entry["open"] += r["recovered_at"] is None
    per_day = Counter(r["opened_at"].astimezone(tz).strftime("%Y-%m-%d") for r in rows)
    by_day = [{"day": (first_day + timedelta(days=i)).strftime("%Y-%m-%d"),
               "alarms": per_day.get((first_day + timedelta(days=i)).strftime("%Y-%m-%d"), 0)} for i in range(days)]
    reasons = Counter[str]()
    for r in rejects:
        reasons[r["reason"]] += r["count"]
    floods = Counter(r["flood_event_id"] for r in rows if r["flood_event_id"] is not None)
    return AlarmStats(
        days=days,
        states=[{"state": s.value, "label": s.label, "colour": s.colour, "count": counts.get(s.value, 0)}
                for s in DeviceState],
        by_type=sorted(types.values(), key=lambda e: (-e["alarms"], e["kind"], e["alarm"])),
        by_day=by_day,
        rejects=[{"reason": r.value, "label": r.label, "count": reasons.get(r.value, 0)} for r in RejectReason],
        by_flood_event=[{"flood_event_id": k, "alarms": n} for k, n in sorted(floods.items())],
        alarms=len(rows),
        readings=sum(r["readings"] for r in rows),
    )
