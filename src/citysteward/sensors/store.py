"""SQL storage of the sensors context: devices, the message ledger, alarm episodes, reject counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, tuple_, update

from citysteward.platform.db import upsert
from citysteward.sensors import tables as t
from citysteward.sensors.domain import AlarmRule, Device, DeviceKind, DeviceState, Episode

D, M, A, R = t.sensor_devices, t.sensor_messages, t.sensor_alarms, t.sensor_rejects


def _device(row: Any) -> Device:
    m = row._mapping
    return Device(
        code=m["code"], name=m["name"], kind=DeviceKind(m["kind"]), owner_unit_id=m["owner_unit_id"],
        rules=tuple(AlarmRule(**r) for r in m["alarm_rules"]), heartbeat_s=m["heartbeat_s"],
        lon=m["lon"], lat=m["lat"], address=m["address"], component_id=m["component_id"],
        waterlog_point_id=m["waterlog_point_id"], secret_hash=m["secret_hash"], state=DeviceState(m["state"]),
        active=m["active"], last_seen_at=m["last_seen_at"], created_at=m["created_at"], id=m["id"],
    )


def _device_row(d: Device) -> dict[str, Any]:
    return {"code": d.code, "name": d.name, "kind": d.kind.value, "owner_unit_id": d.owner_unit_id,
            "alarm_rules": [r.to_dict() for r in d.rules], "heartbeat_s": d.heartbeat_s, "lon": d.lon,
            "lat": d.lat, "address": d.address, "component_id": d.component_id,
            "waterlog_point_id": d.waterlog_point_id, "secret_hash": d.secret_hash, "state": d.state.value,
            "active": d.active, "last_seen_at": d.last_seen_at}


def _episode(row: Any) -> Episode:
    m = row._mapping
    return Episode(device_id=m["device_id"], alarm_code=m["alarm_code"], opened_at=m["opened_at"],
                   last_at=m["last_at"], readings=m["readings"], peak=m["peak"], case_id=m["case_id"],
                   case_no=m["case_no"], recovered_at=m["recovered_at"], flood_event_id=m["flood_event_id"],
                   id=m["id"])


def _episode_row(e: Episode) -> dict[str, Any]:
    return {"device_id": e.device_id, "alarm_code": e.alarm_code, "opened_at": e.opened_at, "last_at": e.last_at,
            "readings": e.readings, "peak": e.peak, "case_id": e.case_id, "case_no": e.case_no,
            "recovered_at": e.recovered_at, "flood_event_id": e.flood_event_id}


class SqlSensorsRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ------------------------------------------------------------------ devices
    def add_device(self, device: Device) -> int:
        row = {**_device_row(device), "created_at": device.created_at}
        device.id = int(self.conn.execute(insert(D).values(row).returning(D.c.id)).scalar_one())
        return device.id

    def device(self, code: str) -> Device | None:
        row = self.conn.execute(select(D).where(D.c.code == code)).first()
        return _device(row) if row else None

    def device_by_id(self, device_id: int) -> Device | None:
        row = self.conn.execute(select(D).where(D.c.id == device_id)).first()
        return _device(row) if row else None

    def devices_for_update(self, codes: Sequence[str]) -> dict[str, Device]:
        stmt = select(D).where(D.c.code.in_(sorted(set(codes)))).order_by(D.c.code)
        if self.conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        return {(d := _device(r)).code: d for r in self.conn.execute(stmt)}

    def update_device(self, device: Device) -> None:
        self.conn.execute(update(D).where(D.c.id == device.id).values(**_device_row(device)))

    def touch(self, updates: Sequence[tuple[int, datetime, str]]) -> None:
        if not updates:
            return
        stmt = (update(D).where(D.c.id == bindparam("b_id"))
                .values(last_seen_at=bindparam("b_seen"), state=bindparam("b_state")))
        self.conn.execute(stmt, [{"b_id": i, "b_seen": seen, "b_state": state} for i, seen, state in updates])

    def list_devices(self, filters: dict[str, Any], limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        conds = []
        for name in ("kind", "state", "owner_unit_id"):
            if filters.get(name) not in (None, ""):
                conds.append(D.c[name] == filters[name])
        cols = [D.c.id, D.c.code, D.c.name, D.c.kind, D.c.state, D.c.owner_unit_id, D.c.lon, D.c.lat, D.c.address,
                D.c.heartbeat_s, D.c.last_seen_at, D.c.active, D.c.component_id, D.c.waterlog_point_id,
                (D.c.secret_hash.is_not(None)).label("has_secret")]
        rows = self.conn.execute(select(*cols).where(*conds).order_by(D.c.id).limit(limit).offset(offset))
        total = self.conn.execute(select(func.count()).select_from(D).where(*conds)).scalar_one()
        return [dict(r._mapping) for r in rows], int(total)

    def silent_devices(self, before: datetime, limit: int) -> list[Device]:
        stmt = (select(D).where(D.c.active.is_(True), D.c.state != DeviceState.OFFLINE.value, or_(
            D.c.last_seen_at < before, and_(D.c.last_seen_at.is_(None), D.c.created_at < before)))
            .order_by(D.c.id).limit(limit))
        return [_device(r) for r in self.conn.execute(stmt)]

    def state_counts(self) -> dict[str, int]:
        rows = self.conn.execute(select(D.c.state, func.count()).where(D.c.active.is_(True)).group_by(D.c.state))
        return {state: int(n) for state, n in rows}

    # ------------------------------------------------------------------ messages
    def seen(self, keys: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
        if not keys:
            return set()
        found: set[tuple[int, str]] = set()
        keys = list(keys)
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            stmt = select(M.c.device_id, M.c.msg_id).where(tuple_(M.c.device_id, M.c.msg_id).in_(chunk))
            found.update((d, m) for d, m in self.conn.execute(stmt))
        return found

    def add_messages(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(M), list(rows))

    def messages(self, device_id: int, limit: int) -> list[dict[str, Any]]:
        stmt = select(M).where(M.c.device_id == device_id).order_by(M.c.id.desc()).limit(limit)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def message_count(self, device_id: int | None = None) -> int:
        stmt = select(func.count()).select_from(M)
        if device_id is not None:
            stmt = stmt.where(M.c.device_id == device_id)
        return int(self.conn.execute(stmt).scalar_one())

    # ------------------------------------------------------------------ alarm episodes
    def open_episodes(self, device_ids: Sequence[int]) -> list[Episode]:
        if not device_ids:
            return []
        stmt = (select(A).where(A.c.device_id.in_(sorted(set(device_ids))), A.c.recovered_at.is_(None))
                .order_by(A.c.id))
        return [_episode(r) for r in self.conn.execute(stmt)]

    def add_episode(self, episode: Episode) -> int:
        episode.id = int(self.conn.execute(insert(A).values(_episode_row(episode)).returning(A.c.id)).scalar_one())
        return episode.id

    def save_episode(self, episode: Episode) -> None:
        self.conn.execute(update(A).where(A.c.id == episode.id).values(_episode_row(episode)))

    def save_episodes(self, episodes: Sequence[Episode]) -> None:
        if not episodes:
            return
        stmt = update(A).where(A.c.id == bindparam("b_id")).values(
            last_at=bindparam("b_last_at"), readings=bindparam("b_readings"), peak=bindparam("b_peak"),
            recovered_at=bindparam("b_recovered_at"))
        self.conn.execute(stmt, [{"b_id": e.id, "b_last_at": e.last_at, "b_readings": e.readings, "b_peak": e.peak,
                                  "b_recovered_at": e.recovered_at} for e in episodes])

    def episodes(self, device_id: int, limit: int) -> list[Episode]:
        stmt = select(A).where(A.c.device_id == device_id).order_by(A.c.id.desc()).limit(limit)
        return [_episode(r) for r in self.conn.execute(stmt)]

    def alarm_stats(self, since: datetime) -> list[dict[str, Any]]:
        stmt = (select(D.c.kind, A.c.alarm_code, A.c.opened_at, A.c.readings, A.c.recovered_at, A.c.flood_event_id)
                .join(D, D.c.id == A.c.device_id).where(A.c.opened_at >= since).order_by(A.c.opened_at, A.c.id))
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    # ------------------------------------------------------------------ rejects
    def count_reject(self, day: str, reason: str, at: datetime, device: str, detail: str) -> None:
        stmt = upsert(self.conn, R).values(day=day, reason=reason, count=1, last_at=at, last_device=device[:64],
                                           last_detail=detail[:200])
        self.conn.execute(stmt.on_conflict_do_update(
            index_elements=[R.c.day, R.c.reason],
            set_={"count": R.c.count + 1, "last_at": at, "last_device": device[:64], "last_detail": detail[:200]}))

    def rejects(self, since_day: str) -> list[dict[str, Any]]:
        stmt = select(R).where(R.c.day >= since_day).order_by(R.c.day.desc(), R.c.reason)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]
