"""The case repository: writes (single and bulk), reads, the ledger page, photos, "me too"."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, Table, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from citysteward.cases import tables as cases_tables
from citysteward.cases.domain.case import CASE_NO_DIGITS, Case, Event, case_nos
from citysteward.cases.domain.ledger import COUNT_CAP, CaseFilter
from citysteward.cases.domain.model import CaseState
from citysteward.cases.store.cases.ledger import (
    LIST_COLUMNS,
    ledger_count,
    ledger_page,
    ledger_params,
    ledger_summary_count,
)
from citysteward.cases.store.cases.rows import case_to_row, event_to_row, row_to_case, row_to_event
from citysteward.kernel.errors import StaleCase
from citysteward.platform.rawinsert import LinkedInsert, Numbering, RawInsert

# Statements built once: parameters travel separately, so SQLAlchemy's compiled cache is hit on the
# hot intake path instead of re-keying a statement with every value inlined.
# A case by its number: every action and every Open311 document looks one up (built once, value bound).
_CASE_BY_NO = select(cases_tables.cases).where(cases_tables.cases.c.case_no == bindparam("case_no"))
_CASE_BY_NO_LOCKED = _CASE_BY_NO.with_for_update()  # PostgreSQL: the row stays locked until commit
_INSERT_CASE = insert(cases_tables.cases).returning(cases_tables.cases.c.id)
_INSERT_EVENT = insert(cases_tables.case_events).returning(cases_tables.case_events.c.id)
_MAX_CASE_ID = select(func.coalesce(func.max(cases_tables.cases.c.id), 0))
_NEXT_CASE_IDS = text("SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, :n)")
_RAW_CASES = RawInsert(cases_tables.cases)
_RAW_EVENTS = RawInsert(cases_tables.case_events, [c.name for c in cases_tables.case_events.c if c.name != "id"])
_NEW_CASES = LinkedInsert(  # PostgreSQL
    cases_tables.cases, "case_no", cases_tables.case_events, "case_id",
    Numbering(cases_tables.case_numbers, "day", "last", CASE_NO_DIGITS))
_NEXT_NUMBER = {
    name: fn(cases_tables.case_numbers)
    .values(day=bindparam("day"), last=bindparam("count"))
    .on_conflict_do_update(index_elements=["day"], set_={"last": cases_tables.case_numbers.c.last + bindparam("count")})
    .returning(cases_tables.case_numbers.c.last)
    for name, fn in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


_UPDATE_CASE = (
    update(cases_tables.cases)
    .where(cases_tables.cases.c.id == bindparam("_id"), cases_tables.cases.c.version == bindparam("_expected"))
    .values({c.name: bindparam(c.name) for c in cases_tables.cases.c if c.name != "id"})
)


def _copy(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """COPY rows into a PostgreSQL table inside the current transaction (JSON columns as JSON text,
    the same text SQLAlchemy would have sent)."""
    if not rows:
        return
    columns = list(rows[0])
    as_json = {c.name for c in table.c if isinstance(c.type, JSON)}
    raw = conn.connection.driver_connection
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in as_json else row[c] for c in columns])


class SqlCaseRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, case: Case) -> Case:
        case.id = self.conn.execute(_INSERT_CASE, case_to_row(case)).scalar_one()
        return case

    def get(self, case_no: str, *, lock: bool = False) -> Case | None:
        stmt = _CASE_BY_NO_LOCKED if lock and self.conn.dialect.name == "postgresql" else _CASE_BY_NO
        row = self.conn.execute(stmt, {"case_no": case_no}).first()
        return row_to_case(row) if row else None

    def get_by_id(self, case_id: int) -> Case | None:
        row = self.conn.execute(select(cases_tables.cases).where(cases_tables.cases.c.id == case_id)).first()
        return row_to_case(row) if row else None

    def save(self, case: Case, expected_version: int) -> None:
        row = case_to_row(case)
        row["version"] = expected_version + 1
        row["_id"], row["_expected"] = case.id, expected_version
        result = self.conn.execute(_UPDATE_CASE, row)
        if result.rowcount != 1:
            current = self.conn.execute(select(cases_tables.cases.c.version).where(cases_tables.cases.c.id == case.id)).scalar()
            raise StaleCase(
                "案件已被他人更新，请刷新后重试",
                {"case_no": case.case_no, "expected_version": expected_version, "current_version": current},
            )
        case.version = expected_version + 1

    def append_event(self, event: Event) -> int:
        return int(self.conn.execute(_INSERT_EVENT, event_to_row(event)).scalar_one())

    def events(self, case_id: int) -> list[Event]:
        rows = self.conn.execute(
            select(cases_tables.case_events).where(cases_tables.case_events.c.case_id == case_id).order_by(cases_tables.case_events.c.id)
        )
        return [row_to_event(r) for r in rows]

    def next_number(self, day: str, count: int = 1) -> int:
        """Reserve `count` consecutive numbers of a day; returns the last one."""
        stmt = _NEXT_NUMBER[self.conn.dialect.name]
        return int(self.conn.execute(stmt, {"day": day, "count": count}).scalar_one())

    def add_many(self, day: str, stem: str, cases_with_events: Sequence[tuple[Case, Sequence[Event]]]) -> None:
        """A batch of new cases of one local day with their first steps (the intake writer's): numbers
        them gaplessly in the day's series (`case_no` with `stem`) and sets `case.case_no` and `case.id`.
        Written while the day's number, and on SQLite the database, is held, so in as few calls as each
        database allows: PostgreSQL, one statement takes the numbers and writes cases and steps
        (`LinkedInsert`: the number row held for that statement and the commit only); SQLite, the
        number, the ids, then each table's rows stepped by the driver (`RawInsert`) (docs/performance.md,
        "Sixth round" and "Ninth round")."""
        if not cases_with_events:
            return
        if self.conn.dialect.name != "postgresql":
            numbers = case_nos(stem, self.next_number(day, len(cases_with_events)), len(cases_with_events))
            for (case, _), number in zip(cases_with_events, numbers, strict=True):
                case.case_no = number
            self._insert_with_ids(cases_with_events)
            return
        added = _NEW_CASES.run(self.conn, day, stem, [case_to_row(c) for c, _ in cases_with_events],
                               [(i, event_to_row(e)) for i, (_, events) in enumerate(cases_with_events) for e in events])
        for (case, _), (case_id, number) in zip(cases_with_events, added, strict=True):
            case.id, case.case_no = case_id, number

    def _insert_with_ids(self, cases_with_events: Sequence[tuple[Case, Sequence[Event]]]) -> None:
        rows, events = self._rows_with_ids(cases_with_events)
        _RAW_CASES.run(self.conn, rows)
        _RAW_EVENTS.run(self.conn, events)

    def _rows_with_ids(self, cases_with_events: Sequence[tuple[Case, Sequence[Event]]]
                       ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The rows of new cases with ids reserved (`_reserve_ids`, set on each case too) and of their
        events linked to them."""
        rows = [case_to_row(c) for c, _ in cases_with_events]
        events: list[dict[str, Any]] = []
        for row, (case, case_events), case_id in zip(rows, cases_with_events, self._reserve_ids(len(rows)),
                                                      strict=True):
            row["id"] = case.id = case_id
            for e in case_events:
                event_row = event_to_row(e)
                event_row["case_id"] = case_id
                events.append(event_row)
        return rows, events

    def _reserve_ids(self, n: int) -> Sequence[int]:
        """The next `n` case ids. PostgreSQL: from the table's own sequence. SQLite: the table's largest id
        plus one onwards, which is how SQLite numbers a rowid table without AUTOINCREMENT; safe because a
        SQLite write transaction holds the whole database from its BEGIN IMMEDIATE (platform/db.py) to its
        commit, so no other writer can take them."""
        if self.conn.dialect.name == "postgresql":
            return sorted(self.conn.execute(_NEXT_CASE_IDS, {"n": n}).scalars())
        start = int(self.conn.execute(_MAX_CASE_ID).scalar_one())
        return range(start + 1, start + 1 + n)

    def append_events(self, events: Sequence[Event]) -> None:
        _RAW_EVENTS.run(self.conn, [event_to_row(e) for e in events])

    def append_notes(self, events: Sequence[Event]) -> None:
        """Notes on existing cases (state unchanged): each one is a step of its case's history, so the
        case's version counts it as `apply_action` would, and a stale writer still sees a conflict."""
        if not events:
            return
        self.append_events(events)
        steps = Counter(e.case_id for e in events)
        cases = cases_tables.cases
        for n, ids in _group_by_count(steps).items():
            self.conn.execute(update(cases).where(cases.c.id.in_(ids)).values(version=cases.c.version + n))

    def bulk_add(self, cases_with_events: Sequence[tuple[Case, Sequence[Event]]]) -> None:
        """Insert new cases with their whole histories (a year of demo cases), linking the events to the
        new case ids; sets `case.id`.

        Ids are reserved first (`_reserve_ids`). SQLite: the driver's executemany (`RawInsert`).
        PostgreSQL: rows streamed with COPY (an INSERT per row, even pipelined, is ten times slower at
        this size).
        """
        if not cases_with_events:
            return
        if self.conn.dialect.name != "postgresql":
            self._insert_with_ids(cases_with_events)
            return
        rows, events = self._rows_with_ids(cases_with_events)
        _copy(self.conn, cases_tables.cases, rows)
        _copy(self.conn, cases_tables.case_events, events)

    def day_numbers(self) -> dict[str, int]:
        """The last case number taken on each day (`next_number` reserves more)."""
        return {r.day: r.last for r in self.conn.execute(select(cases_tables.case_numbers))}

    def add_photo(self, row: dict[str, Any]) -> int:
        return self.conn.execute(insert(cases_tables.photos).values(row).returning(cases_tables.photos.c.id)).scalar_one()

    def photo(self, photo_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(cases_tables.photos).where(cases_tables.photos.c.id == photo_id)).first()
        return dict(row._mapping) if row else None

    def link_photos(self, case_id: int, photo_ids: Sequence[int]) -> None:
        if photo_ids:
            self.conn.execute(update(cases_tables.photos).where(cases_tables.photos.c.id.in_(photo_ids)).values(case_id=case_id))

    def photos(self, case_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(cases_tables.photos).where(cases_tables.photos.c.case_id == case_id).order_by(cases_tables.photos.c.id))
        return [dict(r._mapping) for r in rows]

    def ledger(self, f: CaseFilter, limit: int, offset: int, order: str,
               count_cap: int = COUNT_CAP) -> tuple[list[dict[str, Any]], int]:
        """A page and the number of matches: exact from the state × district summary when the filter is
        on those alone, else counted up to `count_cap` + 1 (a ledger page needs "10,000+", not an exact
        scan of a million rows)."""
        shape, params = ledger_params(f)
        result = self.conn.execute(ledger_page(shape, order), {**params, "page_limit": limit, "page_offset": offset})
        keys = [str(k) for k in result.keys()]  # plain str: SQLAlchemy's quoted_name keys are slow to encode
        rows = [dict(zip(keys, r, strict=True)) for r in result]
        if len(rows) < limit and (rows or offset == 0):
            return rows, offset + len(rows)  # the last page: everything before it is counted already
        summary = ledger_summary_count(shape)
        if summary is not None:  # exact, from the triggers' summary
            return rows, int(self.conn.execute(summary, params).scalar_one())
        total = int(self.conn.execute(ledger_count(shape, True), {**params, "count_limit": count_cap + 1}).scalar_one())
        return rows, total

    def count(self, f: CaseFilter | None = None) -> int:
        shape, params = ledger_params(f or CaseFilter())
        return int(self.conn.execute(ledger_count(shape, False), params).scalar_one())

    def nearby_open(self, cells: Sequence[str], category_code: str | None, limit: int) -> list[dict[str, Any]]:
        open_states = [s.value for s in CaseState if not s.is_final]
        stmt = select(*LIST_COLUMNS).where(cases_tables.cases.c.cell.in_(list(cells)), cases_tables.cases.c.state.in_(open_states))
        if category_code:
            stmt = stmt.where(cases_tables.cases.c.category_code == category_code)
        return [dict(r._mapping) for r in self.conn.execute(stmt.order_by(cases_tables.cases.c.id.desc()).limit(limit))]

    def open_for_sweep(self, after_id: int, limit: int) -> list[Case]:
        stmt = (
            select(cases_tables.cases)
            .where(cases_tables.cases.c.state.in_([CaseState.DISPATCHED.value, CaseState.IN_PROGRESS.value]),
                   cases_tables.cases.c.id > after_id)
            .order_by(cases_tables.cases.c.id)
            .limit(limit)
        )
        return [row_to_case(r) for r in self.conn.execute(stmt)]

    def update_light(self, case_id: int, light: str, overdue: bool) -> None:
        self.conn.execute(update(cases_tables.cases).where(cases_tables.cases.c.id == case_id).values(light=light, overdue=overdue))

    def add_me_too(self, case_id: int, client_key: str, at: datetime) -> bool:
        """Record that this client said "me too" on this case; False if it already had."""
        stmt = _ME_TOO[self.conn.dialect.name]
        return self.conn.execute(stmt, {"case_id": case_id, "client_key": client_key, "at": at}).first() is not None


_ME_TOO = {  # once per client and case: a second "me too" inserts nothing and returns no row
    name: fn(cases_tables.case_me_too).on_conflict_do_nothing(index_elements=["case_id", "client_key"])
    .returning(cases_tables.case_me_too.c.case_id)
    for name, fn in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


def _group_by_count(steps: Counter[int | None]) -> dict[int, list[int]]:
    """{n: case ids that got n notes}: one UPDATE per distinct count instead of one per case."""
    by: dict[int, list[int]] = {}
    for case_id, n in steps.items():
        if case_id is not None:
            by.setdefault(n, []).append(case_id)
    return by
