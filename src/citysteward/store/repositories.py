"""Repositories on SQLAlchemy Core: explicit row <-> domain mapping, one class per aggregate."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from citysteward.domain.calendar import DayOverride, WorkPeriod, WorkSchedule
from citysteward.domain.cases import Actor, Case, Event
from citysteward.domain.catalogue import Category, CategoryKind, Urgency
from citysteward.domain.errors import StaleCase
from citysteward.domain.model import Action, CaseState, PendingRequest, Role, Satisfaction, Source
from citysteward.domain.routing import ResponsibilityRule
from citysteward.domain.timelimit import LimitUnit, TimeLimit
from citysteward.store import tables as t


def _upsert(conn: Connection, table: Any) -> Any:
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)


# ---------------------------------------------------------------- cases
_CASE_SCALARS = [
    "case_no", "version", "category_code", "urgency", "description", "address", "road", "lon",
    "lat", "cell", "grid_code", "community_code", "street_code", "district_code", "reporter_name",
    "reporter_phone", "reporter_user_id", "client_id", "main_unit_id", "suggested_unit_id",
    "routing_rule_id", "routing_reason", "limit_minutes", "deadline", "reported_at", "registered_at",
    "dispatched_at", "handled_at", "closed_at", "suspended_at", "updated_at", "pending_payload", "light",
    "overdue", "handled_on_time", "rework_count", "extension_count", "return_count", "reopen_count",
    "me_too_count", "merged_into", "public_token",
]


def case_to_row(case: Case) -> dict[str, Any]:
    row = {name: getattr(case, name) for name in _CASE_SCALARS}
    row["state"] = case.state.value
    row["source"] = case.source.value
    row["assisting_unit_ids"] = list(case.assisting_unit_ids)
    row["limit_amount"] = case.limit.amount if case.limit else None
    row["limit_unit"] = case.limit.unit.value if case.limit else None
    row["pending_request"] = case.pending_request.value if case.pending_request else None
    row["satisfaction"] = case.satisfaction.value if case.satisfaction else None
    row["updated_at"] = case.updated_at or case.reported_at
    return row


def row_to_case(row: Any) -> Case:
    m = row._mapping
    values = {name: m[name] for name in _CASE_SCALARS}
    return Case(
        id=m["id"],
        state=CaseState(m["state"]),
        source=Source(m["source"]),
        assisting_unit_ids=tuple(m["assisting_unit_ids"] or ()),
        limit=TimeLimit(m["limit_amount"], LimitUnit(m["limit_unit"])) if m["limit_unit"] else None,
        pending_request=PendingRequest(m["pending_request"]) if m["pending_request"] else None,
        satisfaction=Satisfaction(m["satisfaction"]) if m["satisfaction"] else None,
        **values,
    )


def event_to_row(event: Event) -> dict[str, Any]:
    return {
        "case_id": event.case_id,
        "action": event.action.value,
        "from_state": event.from_state.value if event.from_state else None,
        "to_state": event.to_state.value,
        "actor_id": event.actor.user_id,
        "actor_name": event.actor.name,
        "role": event.actor.role.value,
        "unit_id": event.actor.unit_id,
        "client_id": event.actor.client_id,
        "at": event.at,
        "note": event.note,
        "payload": event.payload,
        "photo_ids": list(event.photo_ids),
    }


def row_to_event(row: Any) -> Event:
    m = row._mapping
    return Event(
        id=m["id"],
        case_id=m["case_id"],
        action=Action(m["action"]),
        from_state=CaseState(m["from_state"]) if m["from_state"] else None,
        to_state=CaseState(m["to_state"]),
        actor=Actor(role=Role(m["role"]), user_id=m["actor_id"], name=m["actor_name"], unit_id=m["unit_id"],
                    client_id=m["client_id"]),
        at=m["at"],
        note=m["note"],
        payload=m["payload"] or {},
        photo_ids=tuple(m["photo_ids"] or ()),
    )


COUNT_CAP = 10_000
CASE_NO = re.compile(r"^[A-Z]{1,4}\d{4,8}(-\d{0,8})?$")
LIST_FILTERS = {
    "state": t.cases.c.state,
    "category": t.cases.c.category_code,
    "unit": t.cases.c.main_unit_id,
    "grid": t.cases.c.grid_code,
    "street": t.cases.c.street_code,
    "district": t.cases.c.district_code,
    "community": t.cases.c.community_code,
    "source": t.cases.c.source,
    "light": t.cases.c.light,
}
LIST_COLUMNS = [
    t.cases.c.id, t.cases.c.case_no, t.cases.c.version, t.cases.c.state, t.cases.c.source,
    t.cases.c.category_code, t.cases.c.urgency, t.cases.c.description, t.cases.c.address, t.cases.c.lon,
    t.cases.c.lat, t.cases.c.grid_code, t.cases.c.district_code, t.cases.c.street_code,
    t.cases.c.main_unit_id, t.cases.c.deadline, t.cases.c.reported_at, t.cases.c.updated_at, t.cases.c.light,
    t.cases.c.overdue, t.cases.c.pending_request, t.cases.c.me_too_count, t.cases.c.rework_count,
]
ORDERS = {
    "newest": [t.cases.c.id.desc()],
    "oldest": [t.cases.c.id.asc()],
    "deadline": [t.cases.c.deadline.asc(), t.cases.c.id.asc()],
}


# Statements built once: parameters travel separately, so SQLAlchemy's compiled cache is hit on the
# hot intake path instead of re-keying a statement with every value inlined.
_INSERT_CASE = insert(t.cases).returning(t.cases.c.id)
_INSERT_EVENT = insert(t.case_events).returning(t.case_events.c.id)
_INSERT_CASES_ORDERED = insert(t.cases).returning(t.cases.c.id, sort_by_parameter_order=True)
_NEXT_NUMBER = {
    name: fn(t.case_numbers)
    .values(day=bindparam("day"), last=bindparam("count"))
    .on_conflict_do_update(index_elements=["day"], set_={"last": t.case_numbers.c.last + bindparam("count")})
    .returning(t.case_numbers.c.last)
    for name, fn in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


_UPDATE_CASE = (
    update(t.cases)
    .where(t.cases.c.id == bindparam("_id"), t.cases.c.version == bindparam("_expected"))
    .values({c.name: bindparam(c.name) for c in t.cases.c if c.name != "id"})
)


class SqlCaseRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, case: Case) -> Case:
        case.id = self.conn.execute(_INSERT_CASE, case_to_row(case)).scalar_one()
        return case

    def get(self, case_no: str, *, lock: bool = False) -> Case | None:
        stmt = select(t.cases).where(t.cases.c.case_no == case_no)
        if lock and self.conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        row = self.conn.execute(stmt).first()
        return row_to_case(row) if row else None

    def get_by_id(self, case_id: int) -> Case | None:
        row = self.conn.execute(select(t.cases).where(t.cases.c.id == case_id)).first()
        return row_to_case(row) if row else None

    def save(self, case: Case, expected_version: int) -> None:
        row = case_to_row(case)
        row["version"] = expected_version + 1
        row["_id"], row["_expected"] = case.id, expected_version
        result = self.conn.execute(_UPDATE_CASE, row)
        if result.rowcount != 1:
            current = self.conn.execute(select(t.cases.c.version).where(t.cases.c.id == case.id)).scalar()
            raise StaleCase(
                "案件已被他人更新，请刷新后重试",
                {"case_no": case.case_no, "expected_version": expected_version, "current_version": current},
            )
        case.version = expected_version + 1

    def append_event(self, event: Event) -> int:
        return int(self.conn.execute(_INSERT_EVENT, event_to_row(event)).scalar_one())

    def events(self, case_id: int) -> list[Event]:
        rows = self.conn.execute(
            select(t.case_events).where(t.case_events.c.case_id == case_id).order_by(t.case_events.c.id)
        )
        return [row_to_event(r) for r in rows]

    def next_number(self, day: str, count: int = 1) -> int:
        """Reserve `count` consecutive numbers of a day; returns the last one."""
        stmt = _NEXT_NUMBER[self.conn.dialect.name]
        return int(self.conn.execute(stmt, {"day": day, "count": count}).scalar_one())

    def add_many(self, cases: Sequence[Case]) -> None:
        """One multi-row INSERT … RETURNING for a batch (ids come back in parameter order)."""
        ids = self.conn.execute(_INSERT_CASES_ORDERED, [case_to_row(c) for c in cases]).scalars().all()
        for case, case_id in zip(cases, ids, strict=True):
            case.id = case_id

    def append_events(self, events: Sequence[Event]) -> None:
        self.conn.execute(insert(t.case_events), [event_to_row(e) for e in events])

    def add_photo(self, row: dict[str, Any]) -> int:
        return self.conn.execute(insert(t.photos).values(row).returning(t.photos.c.id)).scalar_one()

    def photo(self, photo_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.photos).where(t.photos.c.id == photo_id)).first()
        return dict(row._mapping) if row else None

    def link_photos(self, case_id: int, photo_ids: Sequence[int]) -> None:
        if photo_ids:
            self.conn.execute(update(t.photos).where(t.photos.c.id.in_(photo_ids)).values(case_id=case_id))

    def photos(self, case_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(t.photos).where(t.photos.c.case_id == case_id).order_by(t.photos.c.id))
        return [dict(r._mapping) for r in rows]

    def _where(self, filters: dict[str, Any]) -> list[Any]:
        conds: list[Any] = []
        for key, col in LIST_FILTERS.items():
            value = filters.get(key)
            if value is None or value == "" or value == []:
                continue
            values = value if isinstance(value, list | tuple | set) else [value]
            conds.append(col.in_(list(values)) if len(values) > 1 else col == list(values)[0])
        if filters.get("units_any"):  # a unit sees cases it leads; assisting ones come via events
            conds.append(t.cases.c.main_unit_id.in_(filters["units_any"]))
        if filters.get("date_from"):
            conds.append(t.cases.c.reported_at >= filters["date_from"])
        if filters.get("date_to"):
            conds.append(t.cases.c.reported_at < filters["date_to"])
        if filters.get("overdue") is not None:
            conds.append(t.cases.c.overdue == bool(filters["overdue"]))
        if filters.get("pending_request"):
            conds.append(t.cases.c.pending_request.is_not(None))
        if filters.get("q"):
            q = str(filters["q"]).strip()
            if CASE_NO.match(q):  # a case number: prefix match on the unique index
                conds.append(t.cases.c.case_no.like(f"{q}%"))
            else:
                like = f"%{q}%"
                conds.append(or_(t.cases.c.description.like(like), t.cases.c.address.like(like)))
        return conds

    def list(self, filters: dict[str, Any], limit: int, offset: int, order: str,
             count_cap: int = COUNT_CAP) -> tuple[list[dict[str, Any]], int]:
        """A page and the number of matches, counted up to `count_cap` + 1 (a ledger page needs "10,000+",
        not an exact scan of a million rows)."""
        conds = self._where(filters)
        stmt = select(*LIST_COLUMNS).where(*conds).order_by(*ORDERS[order]).limit(limit).offset(offset)
        rows = [dict(r._mapping) for r in self.conn.execute(stmt)]
        capped = select(t.cases.c.id).where(*conds).limit(count_cap + 1).subquery()
        total = int(self.conn.execute(select(func.count()).select_from(capped)).scalar_one())
        return rows, total

    def count(self, filters: dict[str, Any]) -> int:
        stmt = select(func.count()).select_from(t.cases).where(*self._where(filters))
        return int(self.conn.execute(stmt).scalar_one())

    def nearby_open(self, cells: Sequence[str], category_code: str | None, limit: int) -> list[dict[str, Any]]:
        open_states = [s.value for s in CaseState if not s.is_final]
        stmt = select(*LIST_COLUMNS).where(t.cases.c.cell.in_(list(cells)), t.cases.c.state.in_(open_states))
        if category_code:
            stmt = stmt.where(t.cases.c.category_code == category_code)
        return [dict(r._mapping) for r in self.conn.execute(stmt.order_by(t.cases.c.id.desc()).limit(limit))]

    def open_for_sweep(self, after_id: int, limit: int) -> list[Case]:
        stmt = (
            select(t.cases)
            .where(t.cases.c.state.in_([CaseState.DISPATCHED.value, CaseState.IN_PROGRESS.value]),
                   t.cases.c.id > after_id)
            .order_by(t.cases.c.id)
            .limit(limit)
        )
        return [row_to_case(r) for r in self.conn.execute(stmt)]

    def update_light(self, case_id: int, light: str, overdue: bool) -> None:
        self.conn.execute(update(t.cases).where(t.cases.c.id == case_id).values(light=light, overdue=overdue))


# ---------------------------------------------------------------- catalogue
def _row_to_category(row: Any) -> Category:
    m = row._mapping
    return Category(
        code=m["code"], scheme=m["scheme"], kind=CategoryKind(m["kind"]), class_code=m["class_code"],
        class_name=m["class_name"], name=m["name"], keywords=tuple(m["keywords"] or ()),
        limits={Urgency(k): TimeLimit.from_dict(v) for k, v in (m["limits"] or {}).items()},
        default_urgency=Urgency(m["default_urgency"]), same_day=bool(m["same_day"]), active=bool(m["active"]),
        source_code=m["source_code"], attributes=tuple(m["attributes"] or ()), note=m["note"],
    )


def _category_to_row(c: Category) -> dict[str, Any]:
    return {
        "code": c.code, "scheme": c.scheme, "kind": c.kind.value, "class_code": c.class_code,
        "class_name": c.class_name, "name": c.name, "keywords": list(c.keywords),
        "limits": {u.value: lim.to_dict() for u, lim in c.limits.items()},
        "default_urgency": c.default_urgency.value, "same_day": c.same_day, "active": c.active,
        "source_code": c.source_code, "attributes": [dict(a) for a in c.attributes], "note": c.note,
    }


class SqlCatalogueRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def all(self) -> list[Category]:
        return [_row_to_category(r) for r in self.conn.execute(select(t.categories).order_by(t.categories.c.code))]

    def get(self, code: str) -> Category | None:
        row = self.conn.execute(select(t.categories).where(t.categories.c.code == code)).first()
        return _row_to_category(row) if row else None

    def upsert(self, category: Category) -> None:
        row = _category_to_row(category)
        stmt = _upsert(self.conn, t.categories).values(row)
        stmt = stmt.on_conflict_do_update(index_elements=["code"], set_={k: v for k, v in row.items() if k != "code"})
        self.conn.execute(stmt)


# ---------------------------------------------------------------- org: units, users, tokens
class SqlOrgRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def units(self) -> list[dict[str, Any]]:
        return [dict(r._mapping) for r in self.conn.execute(select(t.units).order_by(t.units.c.id))]

    def unit(self, unit_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.units).where(t.units.c.id == unit_id)).first()
        return dict(row._mapping) if row else None

    def unit_by_name(self, name: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.units).where(or_(t.units.c.name == name, t.units.c.code == name))).first()
        return dict(row._mapping) if row else None

    def add_unit(self, row: dict[str, Any]) -> int:
        return self.conn.execute(insert(t.units).values(row).returning(t.units.c.id)).scalar_one()

    def update_unit(self, unit_id: int, changes: dict[str, Any]) -> None:
        self.conn.execute(update(t.units).where(t.units.c.id == unit_id).values(changes))

    def users(self, unit_id: int | None = None) -> list[dict[str, Any]]:
        stmt = select(t.users).order_by(t.users.c.id)
        if unit_id is not None:
            stmt = stmt.where(t.users.c.unit_id == unit_id)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def user(self, user_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.users).where(t.users.c.id == user_id)).first()
        return dict(row._mapping) if row else None

    def user_by_name(self, username: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.users).where(t.users.c.username == username)).first()
        return dict(row._mapping) if row else None

    def add_user(self, row: dict[str, Any]) -> int:
        return self.conn.execute(insert(t.users).values(row).returning(t.users.c.id)).scalar_one()

    def update_user(self, user_id: int, changes: dict[str, Any]) -> None:
        self.conn.execute(update(t.users).where(t.users.c.id == user_id).values(changes))

    def add_token(self, token_hash: str, user_id: int, created_at: datetime, expires_at: datetime) -> None:
        self.conn.execute(insert(t.auth_tokens).values(
            token_hash=token_hash, user_id=user_id, created_at=created_at, expires_at=expires_at))

    def token_user(self, token_hash: str, now: datetime) -> dict[str, Any] | None:
        stmt = (
            select(t.users, t.auth_tokens.c.expires_at)
            .join(t.auth_tokens, t.auth_tokens.c.user_id == t.users.c.id)
            .where(t.auth_tokens.c.token_hash == token_hash, t.auth_tokens.c.expires_at > now)
        )
        row = self.conn.execute(stmt).first()
        return dict(row._mapping) if row else None

    def delete_token(self, token_hash: str) -> None:
        self.conn.execute(delete(t.auth_tokens).where(t.auth_tokens.c.token_hash == token_hash))

    def delete_user_tokens(self, user_id: int) -> None:
        self.conn.execute(delete(t.auth_tokens).where(t.auth_tokens.c.user_id == user_id))


# ---------------------------------------------------------------- areas and grids
class SqlAreaRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def upsert_areas(self, rows: Iterable[dict[str, Any]]) -> int:
        n = 0
        for row in rows:
            stmt = _upsert(self.conn, t.areas).values(row)
            self.conn.execute(stmt.on_conflict_do_update(
                index_elements=["code"], set_={k: v for k, v in row.items() if k != "code"}))
            n += 1
        return n

    def upsert_grids(self, rows: Iterable[dict[str, Any]]) -> int:
        n = 0
        for row in rows:
            stmt = _upsert(self.conn, t.grids).values(row)
            self.conn.execute(stmt.on_conflict_do_update(
                index_elements=["code"], set_={k: v for k, v in row.items() if k != "code"}))
            n += 1
        return n

    def areas(self, level: str | None = None, parent: str | None = None) -> list[dict[str, Any]]:
        stmt = select(t.areas).order_by(t.areas.c.code)
        if level:
            stmt = stmt.where(t.areas.c.level == level)
        if parent:
            stmt = stmt.where(t.areas.c.parent_code == parent)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def area(self, code: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.areas).where(t.areas.c.code == code)).first()
        return dict(row._mapping) if row else None

    def grids(self, parent: str | None = None, with_geometry: bool = True) -> list[dict[str, Any]]:
        cols = list(t.grids.c) if with_geometry else [c for c in t.grids.c if c.name != "geometry"]
        stmt = select(*cols).order_by(t.grids.c.code)
        if parent:
            stmt = stmt.where(or_(t.grids.c.community_code == parent, t.grids.c.street_code == parent,
                                  t.grids.c.district_code == parent))
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def grid(self, code: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.grids).where(t.grids.c.code == code)).first()
        return dict(row._mapping) if row else None

    def grid_count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.grids)).scalar_one())

    def grid_members(self, grid_code: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(t.grid_members).where(t.grid_members.c.grid_code == grid_code)
                                 .order_by(t.grid_members.c.id))
        return [dict(r._mapping) for r in rows]

    def set_grid_members(self, grid_code: str, members: Sequence[dict[str, Any]]) -> None:
        self.conn.execute(delete(t.grid_members).where(t.grid_members.c.grid_code == grid_code))
        if members:
            self.conn.execute(insert(t.grid_members), [{**m, "grid_code": grid_code} for m in members])

    def names(self) -> dict[str, str]:
        out = {r.code: r.name for r in self.conn.execute(select(t.areas.c.code, t.areas.c.name))}
        out.update({r.code: r.name for r in self.conn.execute(select(t.grids.c.code, t.grids.c.name))})
        return out


# ---------------------------------------------------------------- calendar
class SqlCalendarRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def overrides(self) -> list[DayOverride]:
        rows = self.conn.execute(select(t.calendar_days).order_by(t.calendar_days.c.day))
        return [DayOverride(r.day, r.kind, r.name) for r in rows]

    def loaded_years(self) -> set[int]:
        return {r.year for r in self.conn.execute(select(t.calendar_years.c.year))}

    def year_rows(self) -> list[dict[str, Any]]:
        return [dict(r._mapping) for r in self.conn.execute(select(t.calendar_years).order_by(t.calendar_years.c.year))]

    def replace_year(self, year: int, days: Sequence[DayOverride], source: str, at: datetime) -> None:
        self.conn.execute(delete(t.calendar_days).where(
            t.calendar_days.c.day >= date(year, 1, 1), t.calendar_days.c.day <= date(year, 12, 31)))
        if days:
            self.conn.execute(insert(t.calendar_days), [{"day": d.day, "kind": d.kind, "name": d.name} for d in days])
        self.conn.execute(delete(t.calendar_years).where(t.calendar_years.c.year == year))
        self.conn.execute(insert(t.calendar_years).values(year=year, source=source, loaded_at=at))

    def set_day(self, day: DayOverride) -> None:
        self.delete_day(day.day)
        self.conn.execute(insert(t.calendar_days).values(day=day.day, kind=day.kind, name=day.name))

    def delete_day(self, day: date) -> None:
        self.conn.execute(delete(t.calendar_days).where(t.calendar_days.c.day == day))

    def schedules(self) -> list[WorkSchedule]:
        rows = self.conn.execute(select(t.work_schedules).order_by(t.work_schedules.c.id))
        return [
            WorkSchedule(
                name=r.name, start_md=r.start_md, end_md=r.end_md,
                periods=tuple(WorkPeriod(p.start, p.end) for p in parse_periods_text(r.periods)),
                weekdays=frozenset(r.weekdays),
            )
            for r in rows
        ]

    def replace_schedules(self, schedules: Sequence[WorkSchedule]) -> None:
        self.conn.execute(delete(t.work_schedules))
        for s in schedules:
            self.conn.execute(insert(t.work_schedules).values(
                name=s.name, start_md=s.start_md, end_md=s.end_md, weekdays=sorted(s.weekdays),
                periods=",".join(f"{p.start:%H:%M}-{p.end:%H:%M}" for p in s.periods)))


def parse_periods_text(text: str) -> tuple[WorkPeriod, ...]:
    from citysteward.domain.calendar import parse_periods

    return tuple(parse_periods(text))


# ---------------------------------------------------------------- responsibility rules
def _row_to_rule(r: Any) -> ResponsibilityRule:
    return ResponsibilityRule(
        id=r.id, main_unit_id=r.main_unit_id, assisting_unit_ids=tuple(r.assisting_unit_ids or ()),
        category_code=r.category_code, category_class=r.category_class, grid_code=r.grid_code,
        area_code=r.area_code, road=r.road, note=r.note or "", active=bool(r.active),
    )


def rule_to_row(rule: ResponsibilityRule) -> dict[str, Any]:
    return {
        "category_code": rule.category_code, "category_class": rule.category_class, "grid_code": rule.grid_code,
        "area_code": rule.area_code, "road": rule.road, "main_unit_id": rule.main_unit_id,
        "assisting_unit_ids": list(rule.assisting_unit_ids), "note": rule.note, "active": rule.active,
    }


class SqlRuleRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def all(self) -> list[ResponsibilityRule]:
        return [_row_to_rule(r) for r in self.conn.execute(select(t.responsibility_rules).order_by(t.responsibility_rules.c.id))]

    def get(self, rule_id: int) -> ResponsibilityRule | None:
        r = self.conn.execute(select(t.responsibility_rules).where(t.responsibility_rules.c.id == rule_id)).first()
        return _row_to_rule(r) if r else None

    def add(self, rule: ResponsibilityRule) -> int:
        return self.conn.execute(insert(t.responsibility_rules).values(rule_to_row(rule))
                                 .returning(t.responsibility_rules.c.id)).scalar_one()

    def update(self, rule: ResponsibilityRule) -> None:
        self.conn.execute(update(t.responsibility_rules).where(t.responsibility_rules.c.id == rule.id)
                          .values(rule_to_row(rule)))

    def delete(self, rule_id: int) -> None:
        self.conn.execute(delete(t.responsibility_rules).where(t.responsibility_rules.c.id == rule_id))


# ---------------------------------------------------------------- audit
class SqlAuditLog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, at: datetime, actor_id: int | None, actor_name: str, entity: str, entity_id: str,
               action: str, before: Any, after: Any) -> None:
        self.conn.execute(insert(t.audit_log).values(
            at=at, actor_id=actor_id, actor_name=actor_name, entity=entity, entity_id=str(entity_id),
            action=action, before=before, after=after))

    def list(self, entity: str | None, limit: int) -> list[dict[str, Any]]:
        stmt = select(t.audit_log).order_by(t.audit_log.c.id.desc()).limit(limit)
        if entity:
            stmt = stmt.where(t.audit_log.c.entity == entity)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]



