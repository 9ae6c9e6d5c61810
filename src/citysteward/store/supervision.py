"""Storage for supervision (督办): tickets, the case markers the escalation sweep needs, listed hot
spots, evaluation settings and ranking history, the indicator aggregates, the outbox and notices,
and the worker's advisory lock. SQLAlchemy Core, one schema for SQLite and PostgreSQL.

The indicator queries group the step log by (unit, grid, community, street, district, category,
source) in SQL, so a month of ~20,000 cases returns a few thousand rows that Python rolls up to any
cut; the definitions they implement are in docs/indicators.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    case,
    delete,
    extract,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from citysteward.domain.errors import Conflict
from citysteward.domain.model import Role
from citysteward.domain.supervision import Ticket, TicketEvent, TicketLevel, TicketSource, TicketState
from citysteward.store import tables as t

E, C = t.case_events, t.cases
TK, TU, TC, TE = (t.supervision_tickets, t.supervision_ticket_units, t.supervision_ticket_cases,
                  t.supervision_ticket_events)


def _insert(conn: Connection, table: Any) -> Any:
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)


# ---------------------------------------------------------------- tickets
_TICKET_SCALARS = ["ticket_no", "version", "title", "content", "issuer_id", "issuer_name", "issued_at", "deadline",
                   "lon", "lat", "address", "hotspot_id", "escalations", "overdue", "closed_at", "updated_at"]


def ticket_to_row(ticket: Ticket, cell: str | None = None) -> dict[str, Any]:
    row = {name: getattr(ticket, name) for name in _TICKET_SCALARS}
    row.update(level=ticket.level.value, state=ticket.state.value, source=ticket.source.value)
    row["updated_at"] = ticket.updated_at or ticket.issued_at
    if cell is not None:
        row["cell"] = cell
    return row


class SqlSupervisionRepository:
    """Tickets (督导单) and the per-case markers of the escalation sweep."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ---- tickets
    def add_ticket(self, ticket: Ticket, cell: str | None, number: Any) -> Ticket:
        """Insert; `number(id)` gives the ticket number once the id is known."""
        row = ticket_to_row(ticket, cell)
        # The number embeds the id, known only after the insert: a unique placeholder that fits the column
        # (String(32)) stands in until the update below, inside the same transaction.
        row["ticket_no"] = "~" + uuid.uuid4().hex[: TK.c.ticket_no.type.length - 1]
        ticket.id = self.conn.execute(insert(TK).values(row).returning(TK.c.id)).scalar_one()
        ticket.ticket_no = number(ticket.id)
        self.conn.execute(update(TK).where(TK.c.id == ticket.id).values(ticket_no=ticket.ticket_no))
        self.conn.execute(insert(TU), [{"ticket_id": ticket.id, "unit_id": u, "reply": ""} for u in ticket.unit_ids])
        if ticket.case_ids:
            self.conn.execute(insert(TC), [{"ticket_id": ticket.id, "case_id": c} for c in ticket.case_ids])
        return ticket

    def _load(self, row: Any) -> Ticket:
        m = row._mapping
        units = self.conn.execute(select(TU).where(TU.c.ticket_id == m["id"]).order_by(TU.c.unit_id)).all()
        cases = self.conn.execute(select(TC.c.case_id).where(TC.c.ticket_id == m["id"]).order_by(TC.c.case_id))
        return Ticket(
            id=m["id"], ticket_no=m["ticket_no"], version=m["version"], level=TicketLevel(m["level"]),
            state=TicketState(m["state"]), source=TicketSource(m["source"]), title=m["title"],
            content=m["content"], issued_at=m["issued_at"], deadline=m["deadline"],
            unit_ids=tuple(u.unit_id for u in units), replies={u.unit_id: u.replied_at for u in units},
            issuer_id=m["issuer_id"], issuer_name=m["issuer_name"], case_ids=tuple(c for (c,) in cases),
            lon=m["lon"], lat=m["lat"], address=m["address"], hotspot_id=m["hotspot_id"],
            escalations=m["escalations"], overdue=bool(m["overdue"]), closed_at=m["closed_at"],
            updated_at=m["updated_at"],
        )

    def get_ticket(self, ticket_no: str, *, lock: bool = False) -> Ticket | None:
        stmt = select(TK).where(TK.c.ticket_no == ticket_no)
        if lock and self.conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        row = self.conn.execute(stmt).first()
        return self._load(row) if row else None

    def get_ticket_by_id(self, ticket_id: int, *, lock: bool = False) -> Ticket | None:
        stmt = select(TK).where(TK.c.id == ticket_id)
        if lock and self.conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        row = self.conn.execute(stmt).first()
        return self._load(row) if row else None

    def save_ticket(self, ticket: Ticket, expected_version: int) -> None:
        row = ticket_to_row(ticket)
        row["version"] = expected_version + 1
        result = self.conn.execute(update(TK).where(TK.c.id == ticket.id, TK.c.version == expected_version)
                                   .values(row))
        if result.rowcount != 1:
            raise Conflict("督导单已被他人更新，请刷新后重试", {"ticket_no": ticket.ticket_no},
                           code="stale_version")
        ticket.version = expected_version + 1
        for unit_id, replied_at in ticket.replies.items():
            values: dict[str, Any] = {"replied_at": replied_at}
            if replied_at is None:
                values.update(reply="", replied_by=None)
            self.conn.execute(update(TU).where(TU.c.ticket_id == ticket.id, TU.c.unit_id == unit_id).values(values))

    def set_reply_text(self, ticket_id: int, unit_id: int, reply: str, by: str) -> None:
        self.conn.execute(update(TU).where(TU.c.ticket_id == ticket_id, TU.c.unit_id == unit_id)
                          .values(reply=reply, replied_by=by))

    def replies(self, ticket_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(TU).where(TU.c.ticket_id == ticket_id).order_by(TU.c.unit_id))
        return [dict(r._mapping) for r in rows]

    def append_ticket_event(self, event: TicketEvent) -> int:
        return int(self.conn.execute(insert(TE).values(
            ticket_id=event.ticket_id, action=event.action.value,
            from_state=event.from_state.value if event.from_state else None, to_state=event.to_state.value,
            actor_id=event.actor.user_id, actor_name=event.actor.name, role=event.actor.role.value,
            unit_id=event.actor.unit_id, at=event.at, note=event.note, payload=event.payload,
        ).returning(TE.c.id)).scalar_one())

    def ticket_events(self, ticket_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(TE).where(TE.c.ticket_id == ticket_id).order_by(TE.c.id))
        return [dict(r._mapping) for r in rows]

    def _ticket_where(self, f: dict[str, Any]) -> list[Any]:
        conds: list[Any] = []
        for key, col in (("level", TK.c.level), ("state", TK.c.state), ("source", TK.c.source)):
            values = [v for v in _as_list(f.get(key)) if v]
            if values:
                conds.append(col.in_(values))
        units = [int(u) for u in _as_list(f.get("unit")) if u not in (None, "")]
        if units:
            conds.append(TK.c.id.in_(select(TU.c.ticket_id).where(TU.c.unit_id.in_(units))))
        if f.get("case_id"):
            conds.append(TK.c.id.in_(select(TC.c.ticket_id).where(TC.c.case_id == f["case_id"])))
        if f.get("start") is not None:
            conds.append(TK.c.issued_at >= f["start"])
        if f.get("end") is not None:
            conds.append(TK.c.issued_at < f["end"])
        if f.get("overdue") is not None:
            conds.append(TK.c.overdue.is_(bool(f["overdue"])))
        return conds

    def list_tickets(self, f: dict[str, Any], limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        conds = self._ticket_where(f)
        rows = [dict(r._mapping) for r in self.conn.execute(
            select(TK).where(*conds).order_by(TK.c.id.desc()).limit(limit).offset(offset))]
        total = int(self.conn.execute(select(func.count()).select_from(TK).where(*conds)).scalar_one())
        ids = [r["id"] for r in rows]
        units: dict[int, list[dict[str, Any]]] = {}
        if ids:
            for u in self.conn.execute(select(TU).where(TU.c.ticket_id.in_(ids)).order_by(TU.c.unit_id)):
                units.setdefault(u.ticket_id, []).append(dict(u._mapping))
            links: dict[int, list[str]] = {}
            for tid, case_no in self.conn.execute(
                    select(TC.c.ticket_id, C.c.case_no).join(C, C.c.id == TC.c.case_id).where(TC.c.ticket_id.in_(ids))):
                links.setdefault(tid, []).append(case_no)
            for r in rows:
                r["units"] = units.get(r["id"], [])
                r["case_nos"] = sorted(links.get(r["id"], []))
        return rows, total

    def ticket_counts(self, f: dict[str, Any]) -> dict[str, Any]:
        """Counts by level, by state, by level × state and by unit (a ticket to two units counts for both)."""
        conds = self._ticket_where(f)
        grid = self.conn.execute(select(TK.c.level, TK.c.state, func.count()).where(*conds)
                                 .group_by(TK.c.level, TK.c.state)).all()
        per_unit = self.conn.execute(
            select(TU.c.unit_id, TK.c.level, TK.c.state, func.count())
            .join(TK, TK.c.id == TU.c.ticket_id).where(*conds).group_by(TU.c.unit_id, TK.c.level, TK.c.state)).all()
        return {"grid": [(lv, st, int(n)) for lv, st, n in grid],
                "units": [(u, lv, st, int(n)) for u, lv, st, n in per_unit]}

    def tickets_waiting_past(self, now: datetime, after_id: int, limit: int) -> list[int]:
        """Tickets the units still hold after their deadline (to escalate or mark overdue)."""
        waiting = [TicketState.ISSUED.value, TicketState.RETURNED.value]
        stmt = (select(TK.c.id).where(TK.c.state.in_(waiting), TK.c.deadline < now, TK.c.id > after_id,
                                      or_(TK.c.level != TicketLevel.RED.value, TK.c.overdue.is_(False)))
                .order_by(TK.c.id).limit(limit))
        return [int(i) for i in self.conn.execute(stmt).scalars()]

    def open_ticket_for_case(self, case_id: int) -> int | None:
        open_states = [s.value for s in TicketState if not s.is_final]
        return self.conn.execute(
            select(TK.c.id).join(TC, TC.c.ticket_id == TK.c.id)
            .where(TC.c.case_id == case_id, TK.c.state.in_(open_states)).order_by(TK.c.id.desc()).limit(1)
        ).scalar()

    def ticket_nos_for_cases(self, case_ids: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        if case_ids:
            for cid, no in self.conn.execute(select(TC.c.case_id, TK.c.ticket_no).join(TK, TK.c.id == TC.c.ticket_id)
                                             .where(TC.c.case_id.in_(list(case_ids)))):
                out.setdefault(cid, []).append(no)
        return out

    def case_ids(self, case_nos: Sequence[str]) -> dict[str, int]:
        if not case_nos:
            return {}
        return {no: cid for no, cid in self.conn.execute(select(C.c.case_no, C.c.id).where(C.c.case_no.in_(list(case_nos))))}

    # ---- what the escalation sweep needs about cases
    def case_markers(self, case_ids: Sequence[int], episode_starts: Sequence[str]) -> dict[int, dict[str, int]]:
        """Per case: the id of the last event that (re)started the clock, and of the last automatic
        reminder, overdue mark and supervision — one grouped query for a batch of cases."""
        if not case_ids:
            return {}
        system = E.c.role == Role.SYSTEM.value

        def last(cond: Any) -> Any:
            return func.max(case((cond, E.c.id), else_=None))

        stmt = (select(E.c.case_id,
                       last(E.c.action.in_(list(episode_starts))).label("start"),
                       last(and_(E.c.action == "remind", system)).label("remind"),
                       last(E.c.action == "overdue").label("overdue"),
                       last(and_(E.c.action == "supervise", system)).label("supervise"))
                .where(E.c.case_id.in_(list(case_ids)),
                       E.c.action.in_([*episode_starts, "remind", "overdue", "supervise"]))
                .group_by(E.c.case_id))
        return {r.case_id: {"start": r.start or 0, "remind": r.remind or 0, "overdue": r.overdue or 0,
                            "supervise": r.supervise or 0} for r in self.conn.execute(stmt)}

    def set_light(self, case_id: int, light: str, version: int) -> bool:
        """The timer light is a projection of the clock, not an action: it changes without a version bump,
        and only on the row version it was computed from."""
        res = self.conn.execute(update(C).where(C.c.id == case_id, C.c.version == version)
                                .values(light=light, overdue=light == "red"))
        return res.rowcount == 1

    def lock_case(self, case_id: int) -> None:
        """Take the case's row lock first (PostgreSQL), so two sweepers never act on one case at once."""
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(select(C.c.id).where(C.c.id == case_id).with_for_update())


# ---------------------------------------------------------------- hot spots
class SqlHotspotRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def place_cases(self, start: datetime, end: datetime, category: str | None = None,
                    cells: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Cases reported in [start, end) that were not voided or merged, with their close and reopen
        times (from the step log), for the hot-spot finder."""
        conds = [C.c.reported_at >= start, C.c.reported_at < end,
                 C.c.state.notin_(["voided", "rejected", "merged"])]
        if category:
            conds.append(C.c.category_code == category)
        if cells is not None:
            conds.append(C.c.cell.in_(list(cells)))
        rows = [dict(r._mapping) for r in self.conn.execute(
            select(C.c.id, C.c.case_no, C.c.category_code, C.c.lon, C.c.lat, C.c.cell, C.c.reported_at, C.c.state,
                   C.c.address).where(*conds).order_by(C.c.id))]
        if not rows:
            return rows
        steps: dict[int, dict[str, list[datetime]]] = {}
        lo = rows[0]["id"]
        ev = select(E.c.case_id, E.c.action, E.c.at).where(
            E.c.action.in_(["close", "reopen"]), E.c.case_id >= lo, E.c.at >= start, E.c.at < end)
        ids = {r["id"] for r in rows}
        for cid, action, at in self.conn.execute(ev):
            if cid in ids:
                steps.setdefault(cid, {"close": [], "reopen": []})[action].append(at)
        for r in rows:
            s = steps.get(r["id"], {})
            r["closes"] = tuple(sorted(s.get("close", [])))
            r["reopens"] = tuple(sorted(s.get("reopen", [])))
        return rows

    def cases_since(self, cells: Sequence[str], category: str, after: datetime) -> list[dict[str, Any]]:
        stmt = (select(C.c.id, C.c.case_no, C.c.lon, C.c.lat, C.c.reported_at, C.c.state)
                .where(C.c.cell.in_(list(cells)), C.c.category_code == category, C.c.reported_at > after,
                       C.c.state.notin_(["voided", "rejected", "merged"]))
                .order_by(C.c.id))
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def add_listing(self, row: dict[str, Any]) -> int:
        return int(self.conn.execute(insert(t.hotspots).values(row).returning(t.hotspots.c.id)).scalar_one())

    def listing(self, hotspot_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(t.hotspots).where(t.hotspots.c.id == hotspot_id)).first()
        return dict(row._mapping) if row else None

    def listings(self, state: str | None = None, category: str | None = None) -> list[dict[str, Any]]:
        stmt = select(t.hotspots).order_by(t.hotspots.c.id.desc())
        if state:
            stmt = stmt.where(t.hotspots.c.state == state)
        if category:
            stmt = stmt.where(t.hotspots.c.category_code == category)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def update_listing(self, hotspot_id: int, changes: dict[str, Any]) -> None:
        self.conn.execute(update(t.hotspots).where(t.hotspots.c.id == hotspot_id).values(changes))


# ---------------------------------------------------------------- evaluation: settings, indicators, rankings
def _step(alias: Any) -> Any:
    """The action column of a lookup among one case's own steps, written so that no index can serve
    it (`action || ''`). SQLite, which plans without statistics, would otherwise walk the (action, at)
    index over the whole log for every outer row; this leaves it the (case_id, id) index, i.e. the
    handful of steps of one case. PostgreSQL plans these lookups the same way by itself."""
    return alias.c.action + ""


DIMENSIONS = ("unit", "grid_code", "community_code", "street_code", "district_code", "category_code", "source")
# Actions counted straight from the log (one row per event in the period).
_PLAIN = ["report", "register", "self_handle", "void", "dispatch", "check_fail", "handle", "approve_suspend",
          "approve_extension", "approve_return"]
OVERDUE_ENDERS = ["handle", "approve_return", "approve_extension", "approve_suspend"]


class SqlEvaluationRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"

    # ---- settings
    def setting(self, key: str) -> dict[str, Any] | None:
        value = self.conn.execute(select(t.evaluation_settings.c.value)
                                  .where(t.evaluation_settings.c.key == key)).scalar()
        return dict(value) if isinstance(value, dict) else None

    def set_setting(self, key: str, value: dict[str, Any], at: datetime, by: str) -> None:
        stmt = _insert(self.conn, t.evaluation_settings).values(key=key, value=value, updated_at=at, updated_by=by)
        self.conn.execute(stmt.on_conflict_do_update(index_elements=["key"],
                                                     set_={"value": value, "updated_at": at, "updated_by": by}))

    # ---- indicator aggregates
    def _unit_of(self, e: Any) -> Any:
        """Unit of an event: the unit named by the case's latest dispatch at or before it."""
        d = E.alias("d")
        return (select(d.c.payload["unit_id"].as_integer())
                .where(d.c.case_id == e.c.case_id, _step(d) == "dispatch", d.c.id <= e.c.id)
                .order_by(d.c.id.desc()).limit(1).scalar_subquery())

    def _minutes(self, later: Any, earlier: Any) -> Any:
        if self.sqlite:
            return (func.julianday(later) - func.julianday(earlier)) * 1440.0
        return extract("epoch", later - earlier) / 60.0

    def _prev_at(self, e: Any, actions: Sequence[str]) -> Any:
        p = E.alias("p")
        return (select(p.c.at)
                .where(p.c.case_id == e.c.case_id, _step(p).in_(list(actions)), p.c.id < e.c.id)
                .order_by(p.c.id.desc()).limit(1).scalar_subquery())

    def _grouped(self, e: Any, conds: Sequence[Any], extra: Sequence[Any]) -> list[dict[str, Any]]:
        """Rows of (dimensions…, extra…, n) for events `e` matching `conds`."""
        inner = (select(self._unit_of(e).label("unit"), C.c.grid_code, C.c.community_code, C.c.street_code,
                        C.c.district_code, C.c.category_code, C.c.source, *extra)
                 .select_from(e.join(C, C.c.id == e.c.case_id)).where(*conds).subquery())
        cols = [inner.c[name] for name in DIMENSIONS] + [inner.c[x.name] for x in extra]
        stmt = select(*cols, func.count().label("n")).group_by(*cols)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def indicator_rows(self, start: datetime, end: datetime, step_minutes: dict[str, float]) -> list[dict[str, Any]]:
        """All the grouped counts of one period; each row carries a `kind` naming what it counts."""
        out: list[dict[str, Any]] = []
        e = E.alias("e")
        in_period = [e.c.at >= start, e.c.at < end]
        on_time = case((and_(e.c.action == "handle", e.c.payload["on_time"].as_boolean().is_(True)), 1), else_=0)
        for row in self._grouped(e, [*in_period, e.c.action.in_(_PLAIN)],
                                 [e.c.action.label("action"),
                                  case((e.c.from_state == "registered", 1), else_=0).label("from_registered"),
                                  on_time.label("on_time")]):
            row["kind"] = "plain"
            out.append(row)
        # 有效上报: reported in the period and registered (or self-handled) before its end.
        r = E.alias("r")
        valid = select(r.c.id).where(
            r.c.case_id == e.c.case_id, _step(r).in_(["register", "self_handle"]), r.c.at < end).exists()
        for row in self._grouped(e, [*in_period, e.c.action == "report", valid], []):
            row["kind"] = "valid_reported"
            out.append(row)
        # 结案 / 按期结案: on time when the last handling before the close was on time (self-handled: yes).
        h = E.alias("h")
        last_handle_ok = (select(case((_step(h) == "self_handle", 1),
                                      (h.c.payload["on_time"].as_boolean().is_(True), 1), else_=0))
                          .where(h.c.case_id == e.c.case_id, _step(h).in_(["handle", "self_handle"]),
                                 h.c.id < e.c.id)
                          .order_by(h.c.id.desc()).limit(1).scalar_subquery())
        for row in self._grouped(e, [*in_period, e.c.action == "close"],
                                 [func.coalesce(last_handle_ok, 0).label("on_time")]):
            row["kind"] = "closed"
            out.append(row)
        # 超期未处置 at the end of the period: the case's last overdue mark before the end is not
        # followed (before the end) by a handling, an approved return, extension or suspension.
        o2, x = E.alias("o2"), E.alias("x")
        latest = (select(func.max(o2.c.id))
                  .where(o2.c.case_id == e.c.case_id, _step(o2) == "overdue", o2.c.at < end).scalar_subquery())
        ended = select(x.c.id).where(x.c.case_id == e.c.case_id, x.c.id > e.c.id, x.c.at < end,
                                     _step(x).in_(OVERDUE_ENDERS)).exists()
        for row in self._grouped(e, [e.c.action == "overdue", e.c.at < end, e.c.id == latest, ~ended], []):
            row["kind"] = "overdue_unhandled"
            out.append(row)
        # step timings (natural minutes from the step that opened it)
        steps = (
            ("verify", ["verify", "refute"], None, ["accept"]),
            ("dispatch", ["dispatch"], None, ["register", "approve_return"]),
            ("check", ["check_pass", "check_fail"], "handled", ["handle", "reopen"]),
        )
        for kind, actions, from_state, before in steps:
            limit = float(step_minutes.get(kind, 0))
            mins = self._minutes(e.c.at, self._prev_at(e, before))
            conds = [*in_period, e.c.action.in_(actions)]
            if from_state:
                conds.append(e.c.from_state == from_state)
            for row in self._grouped(e, conds, [case((mins <= limit, 1), else_=0).label("on_time")]):
                row["kind"] = f"step_{kind}"
                out.append(row)
        return out

    def handle_minutes(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Natural minutes from the (re)start of the clock to each report-back in the period."""
        e = E.alias("e")
        mins = self._minutes(e.c.at, self._prev_at(e, ["dispatch", "check_fail"]))
        stmt = (select(self._unit_of(e).label("unit"), C.c.grid_code, C.c.community_code, C.c.street_code,
                       C.c.district_code, C.c.category_code, C.c.source, mins.label("minutes"))
                .select_from(e.join(C, C.c.id == e.c.case_id))
                .where(e.c.at >= start, e.c.at < end, e.c.action == "handle"))
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def overdue_open_cases(self, end: datetime, limit: int) -> list[dict[str, Any]]:
        """The cases counted as 超期未处置 at `end`, longest overdue first."""
        e, o2, x = E.alias("e"), E.alias("o2"), E.alias("x")
        latest = (select(func.max(o2.c.id))
                  .where(o2.c.case_id == e.c.case_id, _step(o2) == "overdue", o2.c.at < end).scalar_subquery())
        ended = select(x.c.id).where(x.c.case_id == e.c.case_id, x.c.id > e.c.id, x.c.at < end,
                                     _step(x).in_(OVERDUE_ENDERS)).exists()
        stmt = (select(C.c.id, C.c.case_no, C.c.category_code, C.c.address, C.c.street_code, C.c.deadline,
                       C.c.state, self._unit_of(e).label("unit"), e.c.at.label("overdue_at"))
                .select_from(e.join(C, C.c.id == e.c.case_id))
                .where(e.c.action == "overdue", e.c.at < end, e.c.id == latest, ~ended)
                .order_by(e.c.at, e.c.id).limit(limit))
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    # ---- ranking history (红蓝旗)
    def save_ranking(self, period: str, scope: str, rows: Iterable[dict[str, Any]], at: datetime) -> int:
        self.conn.execute(delete(t.ranking_flags).where(t.ranking_flags.c.period == period,
                                                        t.ranking_flags.c.scope == scope))
        items = [{**r, "period": period, "scope": scope, "published_at": at} for r in rows]
        if items:
            self.conn.execute(insert(t.ranking_flags), items)
        return len(items)

    def ranking(self, period: str, scope: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(t.ranking_flags).where(t.ranking_flags.c.period == period,
                                                               t.ranking_flags.c.scope == scope)
                                 .order_by(t.ranking_flags.c.rank.is_(None), t.ranking_flags.c.rank,
                                           t.ranking_flags.c.subject))
        return [dict(r._mapping) for r in rows]

    def flag_history(self, scope: str, subject: str | None, limit: int) -> list[dict[str, Any]]:
        stmt = select(t.ranking_flags).where(t.ranking_flags.c.scope == scope)
        if subject:
            stmt = stmt.where(t.ranking_flags.c.subject == subject)
        stmt = stmt.order_by(t.ranking_flags.c.period.desc(), t.ranking_flags.c.rank).limit(limit)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]


# ---------------------------------------------------------------- outbox, notices, contacts
OB = t.outbox


class SqlOutboxRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def enqueue(self, row: dict[str, Any]) -> int | None:
        """Insert one message; a message whose dedupe_key is already queued is not queued again."""
        values = {"status": "pending", "attempts": 0, "version": 1, "link": "", **row}
        stmt = _insert(self.conn, OB).values(values)
        if values.get("dedupe_key"):
            stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
        return self.conn.execute(stmt.returning(OB.c.id)).scalar()

    def claim(self, now: datetime, stale_before: datetime, limit: int) -> list[dict[str, Any]]:
        """Mark up to `limit` due messages as `sending` and return them. On PostgreSQL the candidate rows
        are locked with FOR UPDATE SKIP LOCKED, so concurrent senders take disjoint sets; everywhere the
        update is guarded by the row's version, so a row is claimed by one sender only."""
        due = or_(and_(OB.c.status == "pending", OB.c.next_attempt_at <= now),
                  and_(OB.c.status == "sending", OB.c.claimed_at < stale_before))
        stmt = select(OB.c.id, OB.c.version).where(due).order_by(OB.c.id).limit(limit)
        if self.conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        claimed = []
        for oid, version in self.conn.execute(stmt).all():
            res = self.conn.execute(update(OB).where(OB.c.id == oid, OB.c.version == version)
                                    .values(status="sending", claimed_at=now, version=version + 1))
            if res.rowcount == 1:
                claimed.append(oid)
        if not claimed:
            return []
        return [dict(r._mapping) for r in self.conn.execute(select(OB).where(OB.c.id.in_(claimed)).order_by(OB.c.id))]

    def mark_sent(self, outbox_id: int, version: int, at: datetime) -> bool:
        res = self.conn.execute(update(OB).where(OB.c.id == outbox_id, OB.c.version == version,
                                                 OB.c.status == "sending")
                                .values(status="sent", sent_at=at, version=version + 1, last_error=None))
        return res.rowcount == 1

    def mark_failed(self, outbox_id: int, version: int, error: str, next_at: datetime, dead: bool) -> bool:
        res = self.conn.execute(update(OB).where(OB.c.id == outbox_id, OB.c.version == version)
                                .values(status="dead" if dead else "pending", attempts=OB.c.attempts + 1,
                                        next_attempt_at=next_at, last_error=error[:2000], version=version + 1))
        return res.rowcount == 1

    def messages(self, status: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        stmt = select(OB).order_by(OB.c.id).limit(limit)
        if status:
            stmt = stmt.where(OB.c.status == status)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def counts(self) -> dict[str, int]:
        return {s: int(n) for s, n in self.conn.execute(select(OB.c.status, func.count()).group_by(OB.c.status))}

    # ---- notices
    def add_notice(self, row: dict[str, Any]) -> int | None:
        stmt = _insert(self.conn, t.notices).values(row)
        if row.get("outbox_id") is not None:
            stmt = stmt.on_conflict_do_nothing(index_elements=["outbox_id"])
        return self.conn.execute(stmt.returning(t.notices.c.id)).scalar()

    def _mine(self, user_id: int | None, unit_id: int | None) -> Any:
        conds = [t.notices.c.user_id == user_id] if user_id is not None else []
        if unit_id is not None:
            conds.append(and_(t.notices.c.unit_id == unit_id, t.notices.c.user_id.is_(None)))
        return or_(*conds) if conds else literal(False)

    def notices(self, user_id: int | None, unit_id: int | None, unread: bool, limit: int,
                before_id: int | None = None) -> tuple[list[dict[str, Any]], int]:
        mine = self._mine(user_id, unit_id)
        stmt = select(t.notices).where(mine)
        if unread:
            stmt = stmt.where(t.notices.c.read_at.is_(None))
        if before_id:
            stmt = stmt.where(t.notices.c.id < before_id)
        rows = [dict(r._mapping) for r in self.conn.execute(stmt.order_by(t.notices.c.id.desc()).limit(limit))]
        unread_n = int(self.conn.execute(select(func.count()).select_from(t.notices)
                                         .where(mine, t.notices.c.read_at.is_(None))).scalar_one())
        return rows, unread_n

    def mark_read(self, notice_id: int, user_id: int | None, unit_id: int | None, at: datetime) -> bool:
        res = self.conn.execute(update(t.notices).where(t.notices.c.id == notice_id, self._mine(user_id, unit_id),
                                                        t.notices.c.read_at.is_(None)).values(read_at=at))
        return res.rowcount == 1

    # ---- contacts
    def contacts(self, unit_id: int) -> list[str]:
        rows = self.conn.execute(select(t.notify_contacts.c.email).where(
            t.notify_contacts.c.unit_id == unit_id, t.notify_contacts.c.active.is_(True)).order_by(t.notify_contacts.c.id))
        return [e for (e,) in rows]

    def set_contacts(self, unit_id: int, emails: Sequence[str]) -> None:
        self.conn.execute(delete(t.notify_contacts).where(t.notify_contacts.c.unit_id == unit_id))
        if emails:
            self.conn.execute(insert(t.notify_contacts),
                              [{"unit_id": unit_id, "email": e, "active": True} for e in emails])


# ---------------------------------------------------------------- the worker's lock
class SqlLocks:
    """A session-level PostgreSQL advisory lock: held by this connection until unlock() (or until the
    connection ends), across transactions. On SQLite, writers are serialised by the database's
    write lock anyway, and every sweep step re-checks its guard inside its own write transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def try_lock(self, key: int) -> bool:
        if self.conn.dialect.name != "postgresql":
            return True
        return bool(self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())

    def unlock(self, key: int) -> None:
        if self.conn.dialect.name != "postgresql":
            return
        try:
            self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        except Exception:
            # never hand a connection that may still hold the lock back to the pool
            self.conn.invalidate()
            raise


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple | set) else [value]
