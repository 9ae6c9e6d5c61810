"""SQL storage of the patrols context. Reads the case tables for tasks and figures (patrols sits above
cases); writes only its own tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, true, update

from citysteward.cases.tables import case_events, cases
from citysteward.org.tables import users
from citysteward.patrols.domain.duty import Binding, RosterEntry
from citysteward.patrols.tables import (
    patrol_attendance,
    patrol_bindings,
    patrol_grid_visits,
    patrol_reassignments,
    patrol_roster,
    patrol_track_batches,
    patrols,
)
from citysteward.platform.db import upsert

_INSERT_BATCH = insert(patrol_track_batches)


def _roster(r: Any) -> RosterEntry:
    return RosterEntry(user_id=r.user_id, day=r.day, shift=r.shift, starts_at=r.starts_at, ends_at=r.ends_at,
                       grid_codes=tuple(r.grid_codes or ()), passes=r.passes, id=r.id)


class SqlPatrolsRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ------------------------------------------------------------ inspectors and their grids
    def inspectors(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(users.c.id, users.c.display_name, users.c.username, users.c.active)
                                 .where(users.c.role == "inspector").order_by(users.c.id))
        return [dict(r._mapping) for r in rows]

    def bindings(self, street_codes: Sequence[str] | None = None, user_id: int | None = None) -> list[Binding]:
        q = select(patrol_bindings.c.user_id, patrol_bindings.c.area_code)
        if street_codes is not None:
            q = q.where(patrol_bindings.c.street_code.in_(list(street_codes)))
        if user_id is not None:
            q = q.where(patrol_bindings.c.user_id == user_id)
        return [Binding(r.user_id, r.area_code) for r in self.conn.execute(q.order_by(patrol_bindings.c.id))]

    def set_bindings(self, user_id: int, area_codes: Sequence[str]) -> None:
        self.conn.execute(delete(patrol_bindings).where(patrol_bindings.c.user_id == user_id))
        if area_codes:
            self.conn.execute(insert(patrol_bindings), [
                {"user_id": user_id, "area_code": c, "street_code": c[:9]} for c in area_codes])

    # ------------------------------------------------------------ roster
    def roster(self, first: date, last: date, user_id: int | None = None) -> list[RosterEntry]:
        q = select(patrol_roster).where(patrol_roster.c.day.between(first, last))
        if user_id is not None:
            q = q.where(patrol_roster.c.user_id == user_id)
        return [_roster(r) for r in self.conn.execute(q.order_by(patrol_roster.c.day, patrol_roster.c.id))]

    def roster_at(self, at: datetime) -> list[RosterEntry]:
        """Entries on duty at a moment (a shift is never longer than a day)."""
        q = select(patrol_roster).where(patrol_roster.c.ends_at > at, patrol_roster.c.starts_at <= at)
        return [_roster(r) for r in self.conn.execute(q)]

    def put_roster(self, entries: Sequence[RosterEntry]) -> int:
        if not entries:
            return 0
        stmt = upsert(self.conn, patrol_roster)
        rows = [{"user_id": e.user_id, "day": e.day, "shift": e.shift, "starts_at": e.starts_at, "ends_at": e.ends_at,
                 "grid_codes": list(e.grid_codes), "passes": e.passes} for e in entries]
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id", "day", "shift"],
            set_={"starts_at": stmt.excluded.starts_at, "ends_at": stmt.excluded.ends_at,
                  "grid_codes": stmt.excluded.grid_codes, "passes": stmt.excluded.passes})
        self.conn.execute(stmt, rows)
        return len(rows)

    def delete_roster(self, entry_id: int) -> bool:
        return bool(self.conn.execute(delete(patrol_roster).where(patrol_roster.c.id == entry_id)).rowcount)

    # ------------------------------------------------------------ attendance
    def add_attendance(self, row: dict[str, Any]) -> int:
        key = self.conn.execute(insert(patrol_attendance).values(**row)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def last_attendance(self, user_id: int) -> dict[str, Any] | None:
        r = self.conn.execute(select(patrol_attendance).where(patrol_attendance.c.user_id == user_id)
                              .order_by(patrol_attendance.c.at.desc(), patrol_attendance.c.id.desc()).limit(1)).first()
        return dict(r._mapping) if r else None

    def attendance(self, start: datetime, end: datetime, user_id: int | None = None) -> list[dict[str, Any]]:
        q = select(patrol_attendance).where(patrol_attendance.c.at >= start, patrol_attendance.c.at < end)
        if user_id is not None:
            q = q.where(patrol_attendance.c.user_id == user_id)
        return [dict(r._mapping) for r in self.conn.execute(q.order_by(patrol_attendance.c.at, patrol_attendance.c.id))]

    # ------------------------------------------------------------ patrols and tracks
    def open_patrol(self, user_id: int) -> dict[str, Any] | None:
        r = self.conn.execute(select(patrols).where(patrols.c.state == "open", patrols.c.user_id == user_id)
                              .order_by(patrols.c.id.desc()).limit(1)).first()
        return dict(r._mapping) if r else None

    def patrol(self, patrol_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        q = select(patrols).where(patrols.c.id == patrol_id)
        if lock and self.conn.dialect.name == "postgresql":
            q = q.with_for_update()
        r = self.conn.execute(q).first()
        return dict(r._mapping) if r else None

    def add_patrol(self, row: dict[str, Any]) -> int:
        key = self.conn.execute(insert(patrols).values(**row)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def save_summary(self, patrol_id: int, changes: dict[str, Any], visits: Sequence[dict[str, Any]]) -> None:
        self.conn.execute(update(patrols).where(patrols.c.id == patrol_id).values(**changes))
        self.conn.execute(delete(patrol_grid_visits).where(patrol_grid_visits.c.patrol_id == patrol_id))
        if visits:
            self.conn.execute(insert(patrol_grid_visits), [{**v, "patrol_id": patrol_id} for v in visits])

    def add_batch(self, patrol_id: int, seq: int, received_at: datetime, n: int, first_t: int, last_t: int,
                  points: str) -> bool:
        """False when this (patrol, seq) is already stored: a resend."""
        stmt = upsert(self.conn, patrol_track_batches).values(
            patrol_id=patrol_id, seq=seq, received_at=received_at, n=n, first_t=first_t, last_t=last_t, points=points,
        ).on_conflict_do_nothing(index_elements=["patrol_id", "seq"]).returning(patrol_track_batches.c.id)
        return self.conn.execute(stmt).first() is not None

    def batch_points(self, patrol_ids: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {pid: [] for pid in patrol_ids}
        if not patrol_ids:
            return out
        q = (select(patrol_track_batches.c.patrol_id, patrol_track_batches.c.points)
             .where(patrol_track_batches.c.patrol_id.in_(list(patrol_ids)))
             .order_by(patrol_track_batches.c.patrol_id, patrol_track_batches.c.seq))
        for r in self.conn.execute(q):
            out[r.patrol_id].append(r.points)
        return out

    def purge_batches(self, before: datetime) -> int:
        """Raw points of ended patrols received before `before` (the summaries stay)."""
        ended = select(patrols.c.id).where(patrols.c.state == "ended")
        return int(self.conn.execute(delete(patrol_track_batches).where(
            patrol_track_batches.c.received_at < before, patrol_track_batches.c.patrol_id.in_(ended))).rowcount or 0)

    def patrols_on(self, first: date, last: date, user_id: int | None = None) -> list[dict[str, Any]]:
        q = select(patrols).where(patrols.c.local_day.between(first, last))
        if user_id is not None:
            q = q.where(patrols.c.user_id == user_id)
        return [dict(r._mapping) for r in self.conn.execute(q.order_by(patrols.c.local_day, patrols.c.id))]

    def visits_on(self, first: date, last: date) -> list[dict[str, Any]]:
        q = select(patrol_grid_visits).where(patrol_grid_visits.c.local_day.between(first, last))
        return [dict(r._mapping) for r in self.conn.execute(q.order_by(patrol_grid_visits.c.patrol_id))]

    def bulk_patrols(self, rows: Sequence[dict[str, Any]], visits: Sequence[Sequence[dict[str, Any]]]) -> list[int]:
        """Ended patrols with their visits, many at once (the demo's year)."""
        ids = []
        for row, vs in zip(rows, visits, strict=True):
            pid = self.add_patrol(row)
            ids.append(pid)
            if vs:
                self.conn.execute(insert(patrol_grid_visits), [{**v, "patrol_id": pid} for v in vs])
        return ids

    def count_patrols(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(patrols)).scalar_one())

    # ------------------------------------------------------------ tasks
    def task_cases(self, street_codes: Sequence[str] | None, states: Sequence[str],
                   case_ids: Sequence[int] = ()) -> list[dict[str, Any]]:
        """Cases waiting for 核实 or 核查 in these streets (None: anywhere) or named, with when they entered
        that state."""
        entered = (select(func.max(case_events.c.at)).where(case_events.c.case_id == cases.c.id,
                                                            case_events.c.to_state == cases.c.state,
                                                            case_events.c.from_state != cases.c.state)
                   .scalar_subquery())
        where: Any = cases.c.street_code.in_(list(street_codes)) if street_codes is not None else true()
        if case_ids:
            where = or_(where, cases.c.id.in_(list(case_ids)))
        q = (select(cases.c.id, cases.c.case_no, cases.c.state, cases.c.grid_code, cases.c.lon, cases.c.lat,
                    cases.c.version, cases.c.category_code, cases.c.description, cases.c.address,
                    cases.c.updated_at, entered.label("since"))
             .where(cases.c.state.in_(list(states)), where).order_by(cases.c.id))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def case_for_task(self, case_no: str) -> dict[str, Any] | None:
        r = self.conn.execute(select(cases.c.id, cases.c.state, cases.c.grid_code, cases.c.street_code)
                              .where(cases.c.case_no == case_no)).first()
        return dict(r._mapping) if r else None

    def reassignments(self, case_ids: Sequence[int] | None = None, user_id: int | None = None) -> dict[tuple[int, str], int]:
        """The latest reassignment of each (case, task kind)."""
        q = select(patrol_reassignments.c.case_id, patrol_reassignments.c.kind, patrol_reassignments.c.user_id)
        if case_ids is not None:
            q = q.where(patrol_reassignments.c.case_id.in_(list(case_ids)))
        if user_id is not None:
            q = q.where(patrol_reassignments.c.user_id == user_id)
        out: dict[tuple[int, str], int] = {}
        for r in self.conn.execute(q.order_by(patrol_reassignments.c.id)):
            out[(r.case_id, r.kind)] = r.user_id
        return out

    def add_reassignment(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(patrol_reassignments).values(**row))

    # ------------------------------------------------------------ figures
    def inspector_reports(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        self_handled = (select(case_events.c.id).where(case_events.c.case_id == cases.c.id,
                                                       case_events.c.action == "self_handle").exists())
        q = (select(cases.c.reporter_user_id, cases.c.grid_code, cases.c.registered_at, cases.c.reported_at,
                    self_handled.label("self_handled"))
             .where(cases.c.source == "inspector", cases.c.reported_at >= start, cases.c.reported_at < end,
                    cases.c.reporter_user_id.is_not(None)))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def steps(self, start: datetime, end: datetime, actions: Sequence[str], entered_state: str) -> list[dict[str, Any]]:
        """Steps taken by inspectors in the period, with when the case last entered `entered_state` before."""
        e2 = case_events.alias("e2")
        since = (select(func.max(e2.c.at)).where(e2.c.case_id == case_events.c.case_id, e2.c.to_state == entered_state,
                                                  e2.c.from_state != entered_state, e2.c.id < case_events.c.id)
                 .scalar_subquery())
        q = (select(case_events.c.actor_id, cases.c.grid_code, case_events.c.at, since.label("since"))
             .join(cases, cases.c.id == case_events.c.case_id)
             .where(case_events.c.action.in_(list(actions)), case_events.c.at >= start, case_events.c.at < end,
                    case_events.c.role == "inspector", case_events.c.actor_id.is_not(None)))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def public_verified(self, start: datetime, end: datetime, sources: Sequence[str]) -> list[dict[str, Any]]:
        """Public reports verified true (核实属实) in the period, with when they were reported."""
        q = (select(cases.c.id, cases.c.grid_code, cases.c.reported_at)
             .join(case_events, and_(case_events.c.case_id == cases.c.id, case_events.c.action == "verify"))
             .where(case_events.c.at >= start, case_events.c.at < end, cases.c.source.in_(list(sources)))
             .distinct())
        return [dict(r._mapping) for r in self.conn.execute(q)]
