"""SQL storage of the subsurface context."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, func, insert, select, update

from citysteward.kernel.errors import Conflict
from citysteward.subsurface.domain import Defect, DefectState, DefectType, Measure, Observation, SurveyMethod
from citysteward.subsurface.tables import (
    subsurface_defects as D,
)
from citysteward.subsurface.tables import (
    subsurface_events as E,
)
from citysteward.subsurface.tables import (
    subsurface_observations as O,
)
from citysteward.subsurface.tables import (
    subsurface_photos as P,
)
from citysteward.subsurface.tables import (
    subsurface_survey_roads as SR,
)
from citysteward.subsurface.tables import (
    subsurface_surveys as SV,
)
from citysteward.subsurface.tables import (
    subsurface_treatments as T,
)

_MEASURE = ("length_m", "width_m", "area_m2", "top_depth_m", "height_m")
REMEDIES = ("grouting", "excavation")


def _insert(conn: Connection, table: Any, row: dict[str, Any]) -> int:
    key = conn.execute(insert(table).values(**row)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _measure(row: Any) -> Measure:
    return Measure(DefectType(row.defect_type), row.grade, row.length_m, row.width_m, row.area_m2, row.top_depth_m,
                   row.height_m)


def _measure_cols(m: Measure) -> dict[str, Any]:
    return {"defect_type": m.defect_type.value, "grade": m.grade, "length_m": m.length_m, "width_m": m.width_m,
            "area_m2": m.plan_area, "top_depth_m": m.top_depth_m, "height_m": m.height_m}


def _defect_row(d: Defect) -> dict[str, Any]:
    return {"code": d.code, "version": d.version, "survey_id": d.survey_id, "road": d.road, "chainage_m": d.chainage_m,
            "lon": d.lon, "lat": d.lat, **_measure_cols(d.measure), "state": d.state.value,
            "detect_method": d.detect_method.value,
            "verify_method": d.verify_method.value if d.verify_method else None, "found_at": d.found_at,
            "next_resurvey": d.next_resurvey, "note": d.note, "updated_at": d.updated_at or d.found_at}


def _obs_row(o: Observation) -> dict[str, Any]:
    return {"defect_id": o.defect_id, "observed_at": o.observed_at, "kind": o.kind, "method": o.method.value,
            **_measure_cols(o.measure), "by_name": o.by, "note": o.note}


class SqlSubsurfaceRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ------------------------------------------------------------ surveys
    def add_survey(self, row: dict[str, Any], roads: Sequence[dict[str, Any]]) -> int:
        survey_id = _insert(self.conn, SV, row)
        if roads:
            self.conn.execute(insert(SR), [{**r, "survey_id": survey_id} for r in roads])
        return survey_id

    def survey(self, survey_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(SV).where(SV.c.id == survey_id)).mappings().first()
        return dict(row) if row else None

    def surveys(self) -> list[dict[str, Any]]:
        km = (select(SR.c.survey_id, func.sum(SR.c.length_km).label("km"), func.count().label("roads"))
              .group_by(SR.c.survey_id).subquery())
        rows = self.conn.execute(select(SV, km.c.km, km.c.roads).outerjoin(km, km.c.survey_id == SV.c.id)
                                 .order_by(SV.c.id.desc())).mappings()
        return [dict(r) for r in rows]

    def survey_roads(self, survey_id: int | None = None) -> list[dict[str, Any]]:
        q = select(SR).order_by(SR.c.id)
        if survey_id is not None:
            q = q.where(SR.c.survey_id == survey_id)
        return [dict(r) for r in self.conn.execute(q).mappings()]

    # ------------------------------------------------------------ defects
    def next_defect_number(self, year: int) -> int:
        prefix = f"%-{year}-%"
        n = self.conn.execute(select(func.count()).select_from(D).where(D.c.code.like(prefix))).scalar_one()
        return int(n) + 1

    def add_defect(self, defect: Defect) -> Defect:
        defect.id = _insert(self.conn, D, _defect_row(defect))
        return defect

    def add_defects(self, defects: Sequence[Defect]) -> list[int]:
        if not defects:
            return []
        self.conn.execute(insert(D), [_defect_row(d) for d in defects])
        codes = [d.code for d in defects]
        ids = {r.code: r.id for r in self.conn.execute(select(D.c.code, D.c.id).where(D.c.code.in_(codes)))}
        for d in defects:
            d.id = int(ids[d.code])
        return [int(ids[c]) for c in codes]

    def _load(self, row: Any) -> Defect:
        return Defect(code=row.code, survey_id=row.survey_id, road=row.road, measure=_measure(row),
                      state=DefectState(row.state), found_at=row.found_at,
                      detect_method=SurveyMethod(row.detect_method), lon=row.lon, lat=row.lat,
                      chainage_m=row.chainage_m,
                      verify_method=SurveyMethod(row.verify_method) if row.verify_method else None, note=row.note,
                      next_resurvey=row.next_resurvey, id=row.id, version=row.version, updated_at=row.updated_at)

    def get_defect(self, code: str, *, lock: bool = False) -> Defect | None:
        q = select(D).where(D.c.code == code)
        if lock and self.conn.dialect.name == "postgresql":
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        return self._load(row) if row else None

    def save_defect(self, defect: Defect, expected_version: int) -> None:
        values = _defect_row(defect)
        values["version"] = expected_version + 1
        done = self.conn.execute(update(D).where(D.c.id == defect.id, D.c.version == expected_version)
                                 .values(**values)).rowcount
        if done != 1:
            raise Conflict("隐患记录已被他人更新，请刷新后重试", {"code": defect.code}, code="stale_version")
        defect.version = expected_version + 1

    def add_observation(self, obs: Observation) -> int:
        return _insert(self.conn, O, _obs_row(obs))

    def add_observations(self, rows: Sequence[Observation]) -> None:
        if rows:
            self.conn.execute(insert(O), [_obs_row(o) for o in rows])

    def observations(self, defect_id: int) -> list[Observation]:
        rows = self.conn.execute(select(O).where(O.c.defect_id == defect_id).order_by(O.c.id)).all()
        return [Observation(defect_id=r.defect_id, observed_at=r.observed_at, method=SurveyMethod(r.method),
                            measure=_measure(r), kind=r.kind, by=r.by_name, note=r.note, id=r.id) for r in rows]

    def add_event(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(E).values(**row))

    def add_events(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(E), list(rows))

    def events(self, defect_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute(select(E).where(E.c.defect_id == defect_id).order_by(E.c.id))
                .mappings()]

    # ------------------------------------------------------------ treatments
    def add_treatment(self, row: dict[str, Any]) -> int:
        return _insert(self.conn, T, row)

    def add_treatments(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(T), list(rows))

    def treatments(self, defect_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute(select(T).where(T.c.defect_id == defect_id).order_by(T.c.id))
                .mappings()]

    def open_treatment(self, defect_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(T).where(T.c.defect_id == defect_id, T.c.completed_at.is_(None))
                                .order_by(T.c.id.desc()).limit(1)).mappings().first()
        return dict(row) if row else None

    def update_treatment(self, treatment_id: int, changes: dict[str, Any]) -> None:
        self.conn.execute(update(T).where(T.c.id == treatment_id).values(**changes))

    def claim_treatment(self, treatment_id: int, mark: str) -> bool:
        """Mark an unticketed treatment (its row lock makes a second worker wait, then find it taken)."""
        done = self.conn.execute(update(T).where(T.c.id == treatment_id, T.c.ticket_no.is_(None))
                                 .values(ticket_no=mark)).rowcount
        return done == 1

    def overdue_treatments(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        q = (select(T, D.c.code, D.c.road, D.c.defect_type, D.c.grade, D.c.chainage_m, D.c.lon, D.c.lat)
             .join(D, D.c.id == T.c.defect_id)
             .where(T.c.deadline < now, T.c.completed_at.is_(None), T.c.ticket_no.is_(None), T.c.unit_id.is_not(None))
             .order_by(T.c.deadline, T.c.id).limit(limit))
        return [dict(r) for r in self.conn.execute(q).mappings()]

    # ------------------------------------------------------------ photos
    def add_photo(self, row: dict[str, Any]) -> int:
        return _insert(self.conn, P, row)

    def photos(self, defect_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute(select(P).where(P.c.defect_id == defect_id).order_by(P.c.id))
                .mappings()]

    def photo(self, photo_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(P).where(P.c.id == photo_id)).mappings().first()
        return dict(row) if row else None

    # ------------------------------------------------------------ lists and figures
    def _where(self, f: dict[str, Any]) -> list[Any]:
        conds: list[Any] = []
        for key, col in (("survey_id", D.c.survey_id), ("road", D.c.road), ("type", D.c.defect_type),
                         ("grade", D.c.grade), ("state", D.c.state)):
            value = f.get(key)
            if value not in (None, "", []):
                conds.append(col.in_(value) if isinstance(value, list | tuple) else col == value)
        return conds

    def _columns(self, now: datetime | None) -> list[Any]:
        treated = exists().where(T.c.defect_id == D.c.id, T.c.completed_at.is_not(None),
                                 T.c.method.in_(REMEDIES)).label("treated")
        cols: list[Any] = [D, treated]
        if now is not None:
            cols.append(exists().where(T.c.defect_id == D.c.id, T.c.completed_at.is_(None),
                                       T.c.deadline < now).label("overdue"))
        return cols

    def list_defects(self, f: dict[str, Any], limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        conds = self._where(f)
        total = self.conn.execute(select(func.count()).select_from(D).where(and_(True, *conds))).scalar_one()
        q = (select(*self._columns(f.get("now"))).where(and_(True, *conds)).order_by(D.c.id.desc())
             .limit(limit).offset(offset))
        return [dict(r) for r in self.conn.execute(q).mappings()], int(total)

    def defect_rows(self, f: dict[str, Any]) -> list[dict[str, Any]]:
        q = select(*self._columns(f.get("now"))).where(and_(True, *self._where(f))).order_by(D.c.id)
        return [dict(r) for r in self.conn.execute(q).mappings()]

    def map_points(self, f: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Located defects, only what the map draws: (code, road, chainage_m, lon, lat, type, grade, state)."""
        q = (select(D.c.code, D.c.road, D.c.chainage_m, D.c.lon, D.c.lat, D.c.defect_type, D.c.grade, D.c.state)
             .where(D.c.lon.is_not(None), *self._where(f)).order_by(D.c.id))
        return [tuple(r) for r in self.conn.execute(q)]

    def defect_counts(self, f: dict[str, Any]) -> list[dict[str, Any]]:
        """Counts by road × type × grade × treated × overdue: the dashboard in one grouped query."""
        inner = select(D.c.road, D.c.defect_type, D.c.grade, *self._columns(f.get("now"))[1:]).where(
            and_(True, *self._where(f))).subquery()
        keys = [inner.c.road, inner.c.defect_type, inner.c.grade, inner.c.treated]
        if "overdue" in inner.c:
            keys.append(inner.c.overdue)
        q = select(*keys, func.count().label("n")).group_by(*keys)
        return [dict(r) for r in self.conn.execute(q).mappings()]

    def resurveys_due(self, on_or_before: date, limit: int) -> list[dict[str, Any]]:
        q = (select(D.c.code, D.c.road, D.c.defect_type, D.c.grade, D.c.next_resurvey)
             .where(D.c.next_resurvey <= on_or_before, D.c.state != DefectState.CLOSED.value)
             .order_by(D.c.next_resurvey, D.c.id).limit(limit))
        return [dict(r) for r in self.conn.execute(q).mappings()]

    def count_defects(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(D)).scalar_one())
