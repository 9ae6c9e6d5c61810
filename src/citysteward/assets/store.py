"""SQL storage of the assets context (SQLAlchemy Core, SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Integer, and_, cast, func, insert, select, update

from citysteward.assets import tables as t
from citysteward.assets.domain.components import Component, ComponentState, DataSource
from citysteward.assets.domain.maintenance import Quantity, WorkOrder, WorkOrigin, WorkStatus, WorkType
from citysteward.assets.domain.roads import Road, RoadClass
from citysteward.kernel.cells import cell_of

_CHUNK = 2000  # rows per multi-row insert (SQLite allows 32,766 bound parameters)


def _road(r: Any) -> Road:
    return Road(id=r.id, name=r.name, road_class=RoadClass(r.road_class), geometry=r.geometry, length_m=r.length_m,
                district_code=r.district_code, managing_unit_id=r.managing_unit_id,
                maintaining_unit_id=r.maintaining_unit_id, handed_over=bool(r.handed_over),
                interim_body=r.interim_body or "", generated=bool(r.generated), note=r.note or "")


def _road_row(road: Road, at: datetime) -> dict[str, Any]:
    return {"name": road.name, "road_class": road.road_class.value, "district_code": road.district_code,
            "geometry": road.geometry, "length_m": road.length_m, "managing_unit_id": road.managing_unit_id,
            "maintaining_unit_id": road.maintaining_unit_id, "handed_over": road.handed_over,
            "interim_body": road.interim_body, "generated": road.generated, "note": road.note, "updated_at": at}


def _component(r: Any) -> Component:
    return Component(code=r.code, name=r.name, class_code=r.class_code, lon=r.lon, lat=r.lat,
                     state=ComponentState(r.state), id=r.id, grid_code=r.grid_code, road_id=r.road_id,
                     department=r.department, owner=r.owner, maintainer=r.maintainer,
                     maintainer_unit_id=r.maintainer_unit_id, initial_date=r.initial_date, changed_at=r.changed_at,
                     data_source=DataSource(r.data_source), attributes=dict(r.attributes or {}), note=r.note)


def _order(r: Any, quantities: tuple[Quantity, ...]) -> WorkOrder:
    return WorkOrder(title=r.title, origin=WorkOrigin(r.origin), status=WorkStatus(r.status), unit_id=r.unit_id,
                     district_code=r.district_code, planned_on=r.planned_on, done_at=r.done_at,
                     quantities=quantities, id=r.id, no=f"YH{r.id:07d}", team=r.team, crew=r.crew,
                     equipment=r.equipment, road_id=r.road_id, component_id=r.component_id, case_no=r.case_no,
                     note=r.note, created_by=r.created_by)


class SqlAssetsRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- roads ------------------------------------------------------------------------------------
    def roads(self, road_class: str | None = None, handed_over: bool | None = None) -> list[Road]:
        q = select(t.roads).order_by(t.roads.c.id)
        if road_class:
            q = q.where(t.roads.c.road_class == road_class)
        if handed_over is not None:
            q = q.where(t.roads.c.handed_over == handed_over)
        return [_road(r) for r in self.conn.execute(q)]

    def road(self, road_id: int) -> Road | None:
        r = self.conn.execute(select(t.roads).where(t.roads.c.id == road_id)).first()
        return _road(r) if r else None

    def road_by_name(self, name: str) -> Road | None:
        r = self.conn.execute(select(t.roads).where(t.roads.c.name == name)).first()
        return _road(r) if r else None

    def add_road(self, road: Road, at: datetime) -> int:
        return _new_id(self.conn.execute(insert(t.roads).values(**_road_row(road, at))))

    def update_road(self, road: Road, at: datetime) -> None:
        self.conn.execute(update(t.roads).where(t.roads.c.id == road.id).values(**_road_row(road, at)))

    # -- components -------------------------------------------------------------------------------
    def add_components(self, items: Sequence[Component], at: datetime) -> list[int]:
        rows = [{"code": c.code, "name": c.name, "class_code": c.class_code, "lon": c.lon, "lat": c.lat,
                 "cell": _cell(c), "state": c.state.value, "grid_code": c.grid_code, "road_id": c.road_id,
                 "department": c.department, "owner": c.owner, "maintainer": c.maintainer,
                 "maintainer_unit_id": c.maintainer_unit_id, "initial_date": c.initial_date,
                 "changed_at": c.changed_at or at, "data_source": c.data_source.value,
                 "attributes": c.attributes, "note": c.note} for c in items]
        for i in range(0, len(rows), _CHUNK):
            self.conn.execute(insert(t.components), rows[i:i + _CHUNK])
        codes = [c.code for c in items]
        found: dict[str, int] = {}
        for i in range(0, len(codes), _CHUNK):
            q = select(t.components.c.code, t.components.c.id).where(t.components.c.code.in_(codes[i:i + _CHUNK]))
            found.update({r.code: r.id for r in self.conn.execute(q)})
        return [found[c] for c in codes]

    def existing_codes(self, codes: Sequence[str]) -> set[str]:
        out: set[str] = set()
        for i in range(0, len(codes), _CHUNK):
            q = select(t.components.c.code).where(t.components.c.code.in_(list(codes[i:i + _CHUNK])))
            out.update(self.conn.execute(q).scalars())
        return out

    def component(self, component_id: int) -> Component | None:
        r = self.conn.execute(select(t.components).where(t.components.c.id == component_id)).first()
        return _component(r) if r else None

    def component_by_code(self, code: str) -> Component | None:
        r = self.conn.execute(select(t.components).where(t.components.c.code == code)).first()
        return _component(r) if r else None

    def components_in_cells(self, class_code: str | None, cells: Sequence[str], limit: int) -> list[Component]:
        q = select(t.components).where(t.components.c.cell.in_(list(cells)))
        if class_code:
            q = q.where(t.components.c.class_code == class_code)
        return [_component(r) for r in self.conn.execute(q.order_by(t.components.c.id).limit(limit))]

    def components(self, class_code: str | None, state: str | None, road_id: int | None,
                   limit: int, offset: int) -> tuple[list[Component], int]:
        cond = []
        if class_code:
            cond.append(t.components.c.class_code == class_code)
        if state:
            cond.append(t.components.c.state == state)
        if road_id:
            cond.append(t.components.c.road_id == road_id)
        where = and_(True, *cond)
        total = int(self.conn.execute(select(func.count()).select_from(t.components).where(where)).scalar() or 0)
        q = select(t.components).where(where).order_by(t.components.c.id.desc()).limit(limit).offset(offset)
        return [_component(r) for r in self.conn.execute(q)], total

    def map_points(self, class_code: str | None, bbox: tuple[float, float, float, float] | None,
                   limit: int) -> list[tuple[int, float, float, str, str]]:
        c = t.components.c
        q = select(c.id, c.lon, c.lat, c.state, c.class_code)
        if class_code:
            q = q.where(c.class_code == class_code)
        if bbox:
            w, s, e, n = bbox
            q = q.where(c.lat.between(s, n), c.lon.between(w, e))
        return [tuple(r) for r in self.conn.execute(q.limit(limit))]

    def _map_where(self, q: Any, class_code: str | None, bbox: tuple[float, float, float, float] | None) -> Any:
        c = t.components.c
        if class_code:
            q = q.where(c.class_code == class_code)
        if bbox:
            w, s, e, n = bbox
            q = q.where(c.lat.between(s, n), c.lon.between(w, e))
        return q

    def map_count(self, class_code: str | None, bbox: tuple[float, float, float, float] | None) -> int:
        q = self._map_where(select(func.count()).select_from(t.components), class_code, bbox)
        return int(self.conn.execute(q).scalar() or 0)

    def map_squares(self, class_code: str | None, bbox: tuple[float, float, float, float] | None,
                    size: float) -> list[tuple[int, int, int, float, float]]:
        """Components summed per square of `size` degrees (floor(lon / size), floor(lat / size)), in the
        database: (ix, iy, count, mean lon, mean lat)."""
        c = t.components.c
        if self.conn.dialect.name == "sqlite":  # CAST truncates: floor for the positive degrees of China
            ix, iy = cast(c.lon / size, Integer), cast(c.lat / size, Integer)
        else:
            ix, iy = cast(func.floor(c.lon / size), Integer), cast(func.floor(c.lat / size), Integer)
        q = self._map_where(select(ix.label("ix"), iy.label("iy"), func.count().label("n"),
                                   func.avg(c.lon).label("lon"), func.avg(c.lat).label("lat")), class_code, bbox)
        return [(int(r.ix), int(r.iy), int(r.n), float(r.lon), float(r.lat))
                for r in self.conn.execute(q.group_by(ix, iy))]

    def class_counts(self) -> dict[str, dict[str, int]]:
        c = t.components.c
        out: dict[str, dict[str, int]] = {}
        for r in self.conn.execute(select(c.class_code, c.state, func.count()).group_by(c.class_code, c.state)):
            out.setdefault(r[0], {})[r[1]] = int(r[2])
        return out

    def set_state(self, component_id: int, state: ComponentState, at: datetime) -> None:
        self.conn.execute(update(t.components).where(t.components.c.id == component_id)
                          .values(state=state.value, changed_at=at))

    def add_history(self, rows: Sequence[dict[str, Any]]) -> None:
        for i in range(0, len(rows), _CHUNK):
            self.conn.execute(insert(t.component_history), list(rows[i:i + _CHUNK]))

    def history(self, component_id: int, limit: int) -> list[dict[str, Any]]:
        h = t.component_history
        q = select(h).where(h.c.component_id == component_id).order_by(h.c.id.desc()).limit(limit)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def components_of_case(self, case_id: int) -> list[int]:
        h = t.component_history
        q = select(h.c.component_id).where(h.c.case_id == case_id, h.c.kind == "case_linked").order_by(h.c.id)
        return list(dict.fromkeys(self.conn.execute(q).scalars()))

    # -- maintenance --------------------------------------------------------------------------------
    def add_work_order(self, order: WorkOrder, at: datetime) -> int:
        oid = _new_id(self.conn.execute(insert(t.work_orders).values(
            title=order.title, origin=order.origin.value, status=order.status.value, unit_id=order.unit_id,
            team=order.team, crew=order.crew, equipment=order.equipment, district_code=order.district_code,
            road_id=order.road_id, component_id=order.component_id, case_no=order.case_no,
            planned_on=order.planned_on, done_at=order.done_at, note=order.note, created_at=at,
            created_by=order.created_by)))
        if order.quantities:
            self.conn.execute(insert(t.work_quantities), [
                {"work_order_id": oid, "work_type": q.work_type.value, "amount": q.amount,
                 "watts_before": q.watts_before, "watts_after": q.watts_after, "done_at": order.done_at,
                 "unit_id": order.unit_id, "district_code": order.district_code} for q in order.quantities])
        return oid

    def add_work_orders(self, orders: Sequence[WorkOrder], at: datetime) -> None:
        """Bulk (the demo's year): orders, then their quantities, in multi-row statements."""
        for o in orders:
            self.add_work_order(o, at)

    def _quantities(self, ids: Sequence[int]) -> dict[int, list[Quantity]]:
        out: dict[int, list[Quantity]] = {}
        if not ids:
            return out
        q = select(t.work_quantities).where(t.work_quantities.c.work_order_id.in_(list(ids))).order_by(
            t.work_quantities.c.id)
        for r in self.conn.execute(q):
            out.setdefault(r.work_order_id, []).append(
                Quantity(WorkType(r.work_type), r.amount, r.watts_before, r.watts_after))
        return out

    def work_order(self, order_id: int) -> WorkOrder | None:
        r = self.conn.execute(select(t.work_orders).where(t.work_orders.c.id == order_id)).first()
        return _order(r, tuple(self._quantities([order_id]).get(order_id, []))) if r else None

    def work_orders(self, status: str | None, unit_id: int | None, component_id: int | None,
                    limit: int, offset: int) -> tuple[list[WorkOrder], int]:
        c = t.work_orders.c
        cond = []
        if status:
            cond.append(c.status == status)
        if unit_id:
            cond.append(c.unit_id == unit_id)
        if component_id:
            cond.append(c.component_id == component_id)
        where = and_(True, *cond)
        total = int(self.conn.execute(select(func.count()).select_from(t.work_orders).where(where)).scalar() or 0)
        rows = list(self.conn.execute(select(t.work_orders).where(where).order_by(c.id.desc()).limit(limit)
                                      .offset(offset)))
        qs = self._quantities([r.id for r in rows])
        return [_order(r, tuple(qs.get(r.id, []))) for r in rows], total

    def work_totals(self, start: datetime, end: datetime, by: str | None,
                    unit_id: int | None, district_code: str | None) -> list[dict[str, Any]]:
        q_ = t.work_quantities.c
        cols: list[Any] = [q_.work_type, func.sum(q_.amount).label("amount"),
                           func.sum(q_.amount * q_.watts_before).label("watts_before"),
                           func.sum(q_.amount * q_.watts_after).label("watts_after"),
                           func.count(func.distinct(q_.work_order_id)).label("orders")]
        group: list[Any] = [q_.work_type]
        if by in ("unit_id", "district_code"):
            cols.insert(0, q_[by].label("key"))
            group.insert(0, q_[by])
        q = select(*cols).where(q_.done_at >= start, q_.done_at < end)
        if unit_id:
            q = q.where(q_.unit_id == unit_id)
        if district_code:
            q = q.where(q_.district_code == district_code)
        return [dict(r._mapping) for r in self.conn.execute(q.group_by(*group))]

    def add_lighting_check(self, row: dict[str, Any]) -> int:
        return _new_id(self.conn.execute(insert(t.lighting_checks).values(**row)))

    def lighting_rows(self, start: date, end: date) -> list[dict[str, Any]]:
        lc, r = t.lighting_checks.c, t.roads.c
        q = (select(r.road_class, func.sum(lc.lamps).label("lamps"), func.sum(lc.dark).label("dark"))
             .select_from(t.lighting_checks.join(t.roads, t.roads.c.id == lc.road_id))
             .where(lc.checked_on >= start, lc.checked_on <= end).group_by(r.road_class))
        return [dict(x._mapping) for x in self.conn.execute(q)]


def _new_id(result: Any) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _cell(c: Component) -> str:
    return cell_of(c.lon, c.lat)
