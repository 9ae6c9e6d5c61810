"""Storage for supervision (督办): tickets, the case markers the escalation sweep needs, listed hot
spots, evaluation settings and ranking history, the indicator aggregates, the outbox and notices,
and the worker's advisory lock. SQLAlchemy Core, one schema for SQLite and PostgreSQL.

The indicator queries group the step log by (unit, grid, community, street, district, category,
source) in SQL, so a month of ~20,000 cases returns a few thousand rows that Python rolls up to any
cut; the definitions they implement are in docs/indicators.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    case,
    func,
    insert,
    or_,
    select,
    update,
)

from citysteward.cases import tables as cases_tables
from citysteward.kernel.actor import Role
from citysteward.kernel.errors import Conflict
from citysteward.supervision import tables as supervision_tables
from citysteward.supervision.domain.tickets import Ticket, TicketEvent, TicketLevel, TicketSource, TicketState


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple | set) else [value]

E, C = cases_tables.case_events, cases_tables.cases
TK, TU, TC, TE = (supervision_tables.supervision_tickets, supervision_tables.supervision_ticket_units, supervision_tables.supervision_ticket_cases,
                  supervision_tables.supervision_ticket_events)
TICKET_NO_LENGTH: int = TK.c.ticket_no.type.length  # type: ignore[attr-defined]  # String(32)


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
        row["ticket_no"] = "~" + uuid.uuid4().hex[: TICKET_NO_LENGTH - 1]
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
