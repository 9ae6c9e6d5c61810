"""SQL storage of the flood context."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from citysteward.cases.tables import cases
from citysteward.flood.tables import (
    flood_checks,
    flood_deployments,
    flood_duty,
    flood_event_cases,
    flood_events,
    flood_level_changes,
    flood_materials,
    flood_movements,
    flood_observations,
    flood_points,
    flood_warnings,
)

EV, FEC = flood_events, flood_event_cases
_DAY = timedelta(days=1)


def _insert(conn: Connection, table: Any, row: dict[str, Any]) -> int:
    key = conn.execute(insert(table).values(**row)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _many(conn: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(table), list(rows))


def _rows(conn: Connection, q: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(q).mappings()]


def _one(conn: Connection, q: Any) -> dict[str, Any] | None:
    row = conn.execute(q).mappings().first()
    return dict(row) if row else None


class SqlFloodRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ------------------------------------------------------------ events and levels
    def add_event(self, row: dict[str, Any]) -> int:
        return _insert(self.conn, EV, row)

    def event(self, event_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        q = select(EV).where(EV.c.id == event_id)
        if lock and self.conn.dialect.name == "postgresql":
            q = q.with_for_update()
        return _one(self.conn, q)

    def events(self, start: datetime | None = None, end: datetime | None = None) -> list[dict[str, Any]]:
        q = select(EV).order_by(EV.c.started_at.desc(), EV.c.id.desc())
        if start is not None:
            q = q.where(or_(EV.c.ended_at.is_(None), EV.c.ended_at >= start))
        if end is not None:
            q = q.where(EV.c.started_at < end)
        return _rows(self.conn, q)

    def active_event(self, at: datetime) -> dict[str, Any] | None:
        q = (select(EV).where(EV.c.started_at <= at, or_(EV.c.ended_at.is_(None), EV.c.ended_at > at))
             .order_by(EV.c.started_at.desc(), EV.c.id.desc()).limit(1))
        return _one(self.conn, q)

    def update_event(self, event_id: int, changes: dict[str, Any]) -> None:
        self.conn.execute(update(EV).where(EV.c.id == event_id).values(**changes))

    def add_level_change(self, row: dict[str, Any]) -> None:
        _insert(self.conn, flood_level_changes, row)

    def level_changes(self, event_id: int) -> list[dict[str, Any]]:
        t = flood_level_changes
        return _rows(self.conn, select(t).where(t.c.event_id == event_id).order_by(t.c.at, t.c.id))

    # ------------------------------------------------------------ warnings and duty
    def add_warning(self, row: dict[str, Any]) -> int:
        return _insert(self.conn, flood_warnings, row)

    def add_warnings(self, rows: Sequence[dict[str, Any]]) -> None:
        _many(self.conn, flood_warnings, rows)

    def warnings(self, start: datetime, end: datetime, event_id: int | None = None) -> list[dict[str, Any]]:
        t = flood_warnings
        q = select(t).order_by(t.c.issued_at, t.c.id)
        if event_id is not None:
            q = q.where(t.c.event_id == event_id)
        else:
            q = q.where(t.c.issued_at >= start, t.c.issued_at < end)
        return _rows(self.conn, q)

    def add_duty(self, rows: Sequence[dict[str, Any]]) -> None:
        _many(self.conn, flood_duty, rows)

    def duty(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        t = flood_duty
        # shifts are at most a day long: those starting a day before `start` may still cover it
        q = (select(t).where(t.c.starts_at < end, t.c.starts_at >= start - _DAY, t.c.ends_at > start)
             .order_by(t.c.starts_at, t.c.id))
        return _rows(self.conn, q)

    # ------------------------------------------------------------ points
    def add_point(self, row: dict[str, Any]) -> int:
        return _insert(self.conn, flood_points, row)

    def point(self, point_id: int) -> dict[str, Any] | None:
        return _one(self.conn, select(flood_points).where(flood_points.c.id == point_id))

    def point_by_code(self, code: str) -> dict[str, Any] | None:
        return _one(self.conn, select(flood_points).where(flood_points.c.code == code))

    def points(self, active_only: bool = True) -> list[dict[str, Any]]:
        q = select(flood_points).order_by(flood_points.c.id)
        if active_only:
            q = q.where(flood_points.c.active.is_(True))
        return _rows(self.conn, q)

    # ------------------------------------------------------------ deployments and depths
    def add_deployments(self, rows: Sequence[dict[str, Any]]) -> None:
        _many(self.conn, flood_deployments, rows)

    def deployments(self, event_ids: Sequence[int]) -> list[dict[str, Any]]:
        t = flood_deployments
        return _rows(self.conn, select(t).where(t.c.event_id.in_(list(event_ids))).order_by(t.c.at, t.c.id))

    def add_observations(self, rows: Sequence[dict[str, Any]]) -> None:
        _many(self.conn, flood_observations, rows)

    def observations(self, event_ids: Sequence[int]) -> list[dict[str, Any]]:
        t = flood_observations
        return _rows(self.conn, select(t).where(t.c.event_id.in_(list(event_ids))).order_by(t.c.at, t.c.id))

    def clear_point(self, event_id: int, point_id: int, at: datetime) -> int:
        t = flood_observations
        return int(self.conn.execute(update(t).where(t.c.event_id == event_id, t.c.point_id == point_id,
                                                     t.c.cleared_at.is_(None)).values(cleared_at=at)).rowcount)

    # ------------------------------------------------------------ materials
    def add_material(self, row: dict[str, Any]) -> int:
        return _insert(self.conn, flood_materials, row)

    def material(self, material_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        q = select(flood_materials).where(flood_materials.c.id == material_id)
        if lock and self.conn.dialect.name == "postgresql":
            q = q.with_for_update()
        return _one(self.conn, q)

    def materials(self) -> list[dict[str, Any]]:
        return _rows(self.conn, select(flood_materials).order_by(flood_materials.c.warehouse, flood_materials.c.id))

    def move_material(self, material_id: int, new_qty: float, row: dict[str, Any]) -> None:
        self.conn.execute(update(flood_materials).where(flood_materials.c.id == material_id).values(qty=new_qty))
        _insert(self.conn, flood_movements, {**row, "material_id": material_id})

    def movements(self, material_id: int | None = None, event_id: int | None = None) -> list[dict[str, Any]]:
        t = flood_movements
        q = select(t).order_by(t.c.id)
        if material_id is not None:
            q = q.where(t.c.material_id == material_id)
        if event_id is not None:
            q = q.where(t.c.event_id == event_id)
        return _rows(self.conn, q)

    # ------------------------------------------------------------ cases raised during an event
    def case_ids(self, case_nos: Sequence[str]) -> dict[str, int]:
        rows = self.conn.execute(select(cases.c.case_no, cases.c.id).where(cases.c.case_no.in_(list(case_nos))))
        return {r.case_no: int(r.id) for r in rows}

    def tag_cases(self, event_id: int, case_ids: Sequence[int], at: datetime) -> int:
        have = set(self.conn.execute(select(FEC.c.case_id).where(FEC.c.event_id == event_id,
                                                                 FEC.c.case_id.in_(list(case_ids)))).scalars())
        new = [c for c in dict.fromkeys(case_ids) if c not in have]
        _many(self.conn, FEC, [{"event_id": event_id, "case_id": c, "tagged_at": at} for c in new])
        return len(new)

    def tag_window(self, event_id: int, start: datetime, end: datetime, at: datetime) -> int:
        """Every case reported during [start, end] and not yet tagged (ix_cases_reported_at)."""
        tagged = select(FEC.c.case_id).where(FEC.c.event_id == event_id)
        ids = self.conn.execute(select(cases.c.id).where(cases.c.reported_at >= start, cases.c.reported_at <= end,
                                                         cases.c.id.not_in(tagged))).scalars().all()
        _many(self.conn, FEC, [{"event_id": event_id, "case_id": int(c), "tagged_at": at} for c in ids])
        return len(ids)

    def cases_by_type(self, event_ids: Sequence[int]) -> list[tuple[str, int]]:
        n = func.count(func.distinct(FEC.c.case_id))
        q = (select(cases.c.category_code, n).select_from(FEC.join(cases, cases.c.id == FEC.c.case_id))
             .where(FEC.c.event_id.in_(list(event_ids))).group_by(cases.c.category_code)
             .order_by(n.desc(), cases.c.category_code))
        return [(str(code), int(count)) for code, count in self.conn.execute(q)]

    def event_cases(self, event_id: int, limit: int) -> list[dict[str, Any]]:
        q = (select(cases.c.case_no, cases.c.category_code, cases.c.state, cases.c.address, cases.c.reported_at)
             .select_from(FEC.join(cases, cases.c.id == FEC.c.case_id)).where(FEC.c.event_id == event_id)
             .order_by(cases.c.reported_at.desc(), cases.c.id.desc()).limit(limit))
        return _rows(self.conn, q)

    # ------------------------------------------------------------ pre-flood checklist
    def add_check(self, row: dict[str, Any]) -> int:
        return _insert(self.conn, flood_checks, row)

    def check(self, check_id: int) -> dict[str, Any] | None:
        return _one(self.conn, select(flood_checks).where(flood_checks.c.id == check_id))

    def checks(self, season: int) -> list[dict[str, Any]]:
        t = flood_checks
        return _rows(self.conn, select(t).where(t.c.season == season).order_by(t.c.id))

    def update_check(self, check_id: int, changes: dict[str, Any]) -> None:
        self.conn.execute(update(flood_checks).where(flood_checks.c.id == check_id).values(**changes))
