"""SQL storage of the citizens context. It reads the cases and places of lower contexts for the
citizen's own lists (my reports, the public list, alerts, the desk's caller history)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from citysteward.assets.tables import roads
from citysteward.cases.tables import case_events, cases
from citysteward.catalogue.suggest.store import SqlCorrectionRepository
from citysteward.citizens import tables as t
from citysteward.citizens.domain import AreaAlert, PendingCode
from citysteward.geography.tables import areas, grids
from citysteward.platform.db import upsert

PUBLIC_COLUMNS = [cases.c.id, cases.c.case_no, cases.c.state, cases.c.category_code, cases.c.description,
                  cases.c.address, cases.c.lon, cases.c.lat, cases.c.grid_code, cases.c.street_code,
                  cases.c.district_code, cases.c.reported_at, cases.c.closed_at, cases.c.me_too_count]


def _alert(row: Any) -> AreaAlert:
    return AreaAlert(id=row.id, email=row.email, lon=row.lon, lat=row.lat, radius_m=row.radius_m,
                     grid_code=row.grid_code, on_new=row.on_new, on_closed=row.on_closed, active=row.active,
                     token=row.token, last_event_id=row.last_event_id)


class SqlCitizensRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.corrections = SqlCorrectionRepository(conn)

    # ---------------------------------------------------------------- codes and sessions
    def add_code(self, phone: str, code_hash: str, created_at: datetime, expires_at: datetime) -> int:
        stmt = insert(t.citizen_codes).values(phone=phone, code_hash=code_hash, created_at=created_at,
                                              expires_at=expires_at, attempts=0, used=False)
        return int(self.conn.execute(stmt.returning(t.citizen_codes.c.id)).scalar_one())

    def latest_code(self, phone: str) -> PendingCode | None:
        c = t.citizen_codes.c
        row = self.conn.execute(select(t.citizen_codes).where(c.phone == phone).order_by(c.id.desc()).limit(1)).first()
        if row is None:
            return None
        return PendingCode(row.id, row.phone, row.code_hash, row.expires_at, row.attempts, row.used)

    def update_code(self, code_id: int, attempts: int, used: bool) -> None:
        self.conn.execute(update(t.citizen_codes).where(t.citizen_codes.c.id == code_id)
                          .values(attempts=attempts, used=used))

    def add_session(self, token_hash: str, phone: str, created_at: datetime, expires_at: datetime) -> None:
        self.conn.execute(insert(t.citizen_sessions).values(token_hash=token_hash, phone=phone,
                                                            created_at=created_at, expires_at=expires_at))

    def session_phone(self, token_hash: str, now: datetime) -> str | None:
        c = t.citizen_sessions.c
        row = self.conn.execute(select(c.phone, c.expires_at).where(c.token_hash == token_hash)).first()
        return row.phone if row is not None and row.expires_at > now else None

    def drop_session(self, token_hash: str) -> None:
        self.conn.execute(t.citizen_sessions.delete().where(t.citizen_sessions.c.token_hash == token_hash))

    # ---------------------------------------------------------------- follows and my reports
    def follow(self, case_id: int, phone: str, kind: str, at: datetime) -> None:
        stmt = upsert(self.conn, t.citizen_follows).values(case_id=case_id, phone=phone, kind=kind, at=at)
        self.conn.execute(stmt.on_conflict_do_nothing(index_elements=["case_id", "phone"]))

    def followers(self, case_id: int) -> list[str]:
        c = t.citizen_follows.c
        return [r.phone for r in self.conn.execute(select(c.phone).where(c.case_id == case_id).order_by(c.phone))]

    def my_cases(self, phone: str, limit: int) -> list[dict[str, Any]]:
        """Cases reported from this phone or followed by it, newest first."""
        f = t.citizen_follows.c
        followed = select(f.case_id).where(f.phone == phone)
        stmt = (select(*PUBLIC_COLUMNS, cases.c.public_token, cases.c.reporter_phone, cases.c.merged_into)
                .where(or_(cases.c.reporter_phone == phone, cases.c.id.in_(followed)))
                .order_by(cases.c.id.desc()).limit(limit))
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def caller_history(self, phone: str, limit: int) -> list[dict[str, Any]]:
        stmt = (select(*PUBLIC_COLUMNS, cases.c.source, cases.c.reporter_name).where(cases.c.reporter_phone == phone)
                .order_by(cases.c.id.desc()).limit(limit))
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def count_by_phone(self, phone: str) -> int:
        return int(self.conn.execute(select(func.count()).select_from(cases)
                                     .where(cases.c.reporter_phone == phone)).scalar_one())

    # ---------------------------------------------------------------- messages (SMS outbox)
    def add_message(self, phone: str, body: str, case_no: str | None, at: datetime) -> int:
        stmt = insert(t.citizen_messages).values(phone=phone, body=body, case_no=case_no, status="pending",
                                                 created_at=at)
        return int(self.conn.execute(stmt.returning(t.citizen_messages.c.id)).scalar_one())

    def pending_messages(self, limit: int) -> list[dict[str, Any]]:
        c = t.citizen_messages.c
        stmt = select(t.citizen_messages).where(c.status == "pending").order_by(c.id).limit(limit)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def mark_message(self, message_id: int, status: str, at: datetime) -> None:
        self.conn.execute(update(t.citizen_messages).where(t.citizen_messages.c.id == message_id)
                          .values(status=status, sent_at=at))

    def messages(self, phone: str, limit: int) -> list[dict[str, Any]]:
        c = t.citizen_messages.c
        stmt = select(t.citizen_messages).where(c.phone == phone).order_by(c.id.desc()).limit(limit)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    # ---------------------------------------------------------------- area alerts
    def add_alert(self, alert: AreaAlert, phone: str | None, at: datetime) -> int:
        row = {"email": alert.email, "phone": phone, "lon": alert.lon, "lat": alert.lat, "radius_m": alert.radius_m,
               "grid_code": alert.grid_code, "on_new": alert.on_new, "on_closed": alert.on_closed, "active": True,
               "token": alert.token, "last_event_id": alert.last_event_id, "created_at": at}
        return int(self.conn.execute(insert(t.citizen_alerts).values(**row).returning(t.citizen_alerts.c.id)).scalar_one())

    def active_alerts(self, limit: int) -> list[AreaAlert]:
        c = t.citizen_alerts.c
        rows = self.conn.execute(select(t.citizen_alerts).where(c.active.is_(True)).order_by(c.id).limit(limit))
        return [_alert(r) for r in rows]

    def alerts_of(self, phone: str) -> list[AreaAlert]:
        c = t.citizen_alerts.c
        rows = self.conn.execute(select(t.citizen_alerts).where(c.phone == phone, c.active.is_(True)).order_by(c.id))
        return [_alert(r) for r in rows]

    def alert_by_token(self, token: str) -> AreaAlert | None:
        row = self.conn.execute(select(t.citizen_alerts).where(t.citizen_alerts.c.token == token)).first()
        return _alert(row) if row is not None else None

    def set_alert(self, alert_id: int, *, last_event_id: int | None = None, active: bool | None = None) -> None:
        values: dict[str, Any] = {}
        if last_event_id is not None:
            values["last_event_id"] = last_event_id
        if active is not None:
            values["active"] = active
        self.conn.execute(update(t.citizen_alerts).where(t.citizen_alerts.c.id == alert_id).values(**values))

    def max_event_id(self) -> int:
        return int(self.conn.execute(select(func.coalesce(func.max(case_events.c.id), 0))).scalar_one())

    def events_after(self, after_id: int, actions: Sequence[str], limit: int) -> list[dict[str, Any]]:
        """Report and close events after `after_id`, with their case's place (oldest first)."""
        e = case_events.c
        stmt = (select(e.id.label("event_id"), e.action, e.at, cases.c.case_no, cases.c.category_code,
                       cases.c.description, cases.c.address, cases.c.lon, cases.c.lat, cases.c.grid_code)
                .join(cases, cases.c.id == e.case_id)
                .where(e.id > after_id, e.action.in_(list(actions))).order_by(e.id).limit(limit))
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    # ---------------------------------------------------------------- public list and places
    def public_cases(self, states: Sequence[str], category: str | None, area: str | None, public_states: Sequence[str],
                     limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        stmt = select(*PUBLIC_COLUMNS).where(cases.c.state.in_(list(states or public_states)))
        if category:
            stmt = stmt.where(cases.c.category_code == category)
        if area:
            col = {6: cases.c.district_code, 9: cases.c.street_code, 12: cases.c.community_code}.get(len(area),
                                                                                                  cases.c.grid_code)
            stmt = stmt.where(col == area)
        total = int(self.conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
        rows = self.conn.execute(stmt.order_by(cases.c.id.desc()).limit(limit).offset(offset))
        return [dict(r._mapping) for r in rows], total

    def search_places(self, q: str, limit: int) -> list[dict[str, Any]]:
        like = f"%{q}%"
        out: list[dict[str, Any]] = []
        for road in self.conn.execute(select(roads.c.name, roads.c.geometry).where(roads.c.name.like(like))
                                      .order_by(roads.c.name).limit(limit)):
            out.append({"kind": "road", "name": road.name, "code": None, "geometry": road.geometry})
        stmt = (select(areas.c.code, areas.c.name, areas.c.level, areas.c.geometry)
                .where(areas.c.name.like(like), areas.c.level.in_(["community", "street"]))
                .order_by(areas.c.level, areas.c.code).limit(limit))
        for area in self.conn.execute(stmt):
            out.append({"kind": area.level, "name": area.name, "code": area.code, "geometry": area.geometry})
        for grid in self.conn.execute(select(grids.c.code, grids.c.name, grids.c.geometry)
                                      .where(grids.c.name.like(like)).order_by(grids.c.code).limit(limit)):
            out.append({"kind": "grid", "name": grid.name, "code": grid.code, "geometry": grid.geometry})
        return out[:limit]
