"""Storage for supervision (督办): tickets, the case markers the escalation sweep needs, listed hot
spots, evaluation settings and ranking history, the indicator aggregates, the outbox and notices,
and the worker's advisory lock. SQLAlchemy Core, one schema for SQLite and PostgreSQL.

The indicator queries group the step log by (unit, grid, community, street, district, category,
source) in SQL, so a month of ~20,000 cases returns a few thousand rows that Python rolls up to any
cut; the definitions they implement are in docs/indicators.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    DateTime,
    Integer,
    String,
    and_,
    case,
    column,
    delete,
    extract,
    func,
    insert,
    select,
    table,
)

from citysteward.cases.domain.model import CaseState
from citysteward.evaluation import tables as evaluation_tables
from citysteward.supervision.store.tickets import C, E


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

    def _grouped(self, e: Any, conds: Sequence[Any], extra: Sequence[Any], by_case: bool = False) -> list[dict[str, Any]]:
        """Rows of (dimensions…, extra…, n) for events `e` matching `conds`; `by_case` adds the case to
        the dimensions (the drill-down to the cases behind a figure)."""
        extra = [*extra, e.c.case_id.label("case_id")] if by_case else list(extra)
        inner = (select(self._unit_of(e).label("unit"), C.c.grid_code, C.c.community_code, C.c.street_code,
                        C.c.district_code, C.c.category_code, C.c.source, *extra)
                 .select_from(e.join(C, C.c.id == e.c.case_id)).where(*conds).subquery())
        cols = [inner.c[name] for name in DIMENSIONS] + [inner.c[x.name] for x in extra]
        stmt = select(*cols, func.count().label("n")).group_by(*cols)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def indicator_rows(self, start: datetime, end: datetime, step_minutes: dict[str, float],
                       by_case: bool = False) -> list[dict[str, Any]]:
        """All the grouped counts of one period; each row carries a `kind` naming what it counts
        (`by_case`: and the case it counts)."""
        out: list[dict[str, Any]] = []
        e = E.alias("e")
        in_period = [e.c.at >= start, e.c.at < end]
        on_time = case((and_(e.c.action == "handle", e.c.payload["on_time"].as_boolean().is_(True)), 1), else_=0)
        for row in self._grouped(e, [*in_period, e.c.action.in_(_PLAIN)],
                                 [e.c.action.label("action"),
                                  case((e.c.from_state == "registered", 1), else_=0).label("from_registered"),
                                  on_time.label("on_time")], by_case):
            row["kind"] = "plain"
            out.append(row)
        # 有效上报: reported in the period and registered (or self-handled) before its end.
        r = E.alias("r")
        valid = select(r.c.id).where(
            r.c.case_id == e.c.case_id, _step(r).in_(["register", "self_handle"]), r.c.at < end).exists()
        for row in self._grouped(e, [*in_period, e.c.action == "report", valid], [], by_case):
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
                                 [func.coalesce(last_handle_ok, 0).label("on_time")], by_case):
            row["kind"] = "closed"
            out.append(row)
        # 超期未处置 at the end of the period: the case's last overdue mark before the end is not
        # followed (before the end) by a handling, an approved return, extension or suspension.
        o2, x = E.alias("o2"), E.alias("x")
        latest = (select(func.max(o2.c.id))
                  .where(o2.c.case_id == e.c.case_id, _step(o2) == "overdue", o2.c.at < end).scalar_subquery())
        ended = select(x.c.id).where(x.c.case_id == e.c.case_id, x.c.id > e.c.id, x.c.at < end,
                                     _step(x).in_(OVERDUE_ENDERS)).exists()
        for row in self._grouped(e, [e.c.action == "overdue", e.c.at < end, e.c.id == latest, ~ended], [], by_case):
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
            for row in self._grouped(e, conds, [case((mins <= limit, 1), else_=0).label("on_time")], by_case):
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

    def overdue_open_cases(self, end: datetime, limit: int,
                           led_by: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """The cases counted as 超期未处置 at `end`, longest overdue first; `led_by`: only those these
        units lead now."""
        e, o2, x = E.alias("e"), E.alias("o2"), E.alias("x")
        latest = (select(func.max(o2.c.id))
                  .where(o2.c.case_id == e.c.case_id, _step(o2) == "overdue", o2.c.at < end).scalar_subquery())
        ended = select(x.c.id).where(x.c.case_id == e.c.case_id, x.c.id > e.c.id, x.c.at < end,
                                     _step(x).in_(OVERDUE_ENDERS)).exists()
        stmt = (select(C.c.id, C.c.case_no, C.c.category_code, C.c.address, C.c.street_code, C.c.deadline,
                       C.c.state, self._unit_of(e).label("unit"), e.c.at.label("overdue_at"))
                .select_from(e.join(C, C.c.id == e.c.case_id))
                .where(e.c.action == "overdue", e.c.at < end, e.c.id == latest, ~ended,
                       *([C.c.main_unit_id.in_(list(led_by))] if led_by is not None else []))
                .order_by(e.c.at, e.c.id).limit(limit))
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def case_rows(self, case_ids: Sequence[int]) -> list[dict[str, Any]]:
        """The ledger columns of a few cases (the drill-down's list)."""
        if not case_ids:
            return []
        stmt = (select(C.c.id, C.c.case_no, C.c.category_code, C.c.address, C.c.state, C.c.main_unit_id,
                       C.c.street_code, C.c.reported_at, C.c.deadline, C.c.light)
                .where(C.c.id.in_(list(case_ids))).order_by(C.c.id))
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    # ---- ranking history (红蓝旗)
    def save_ranking(self, period: str, scope: str, rows: Iterable[dict[str, Any]], at: datetime) -> int:
        self.conn.execute(delete(evaluation_tables.ranking_flags).where(evaluation_tables.ranking_flags.c.period == period,
                                                        evaluation_tables.ranking_flags.c.scope == scope))
        items = [{**r, "period": period, "scope": scope, "published_at": at} for r in rows]
        if items:
            self.conn.execute(insert(evaluation_tables.ranking_flags), items)
        return len(items)

    def ranking(self, period: str, scope: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(evaluation_tables.ranking_flags).where(evaluation_tables.ranking_flags.c.period == period,
                                                               evaluation_tables.ranking_flags.c.scope == scope)
                                 .order_by(evaluation_tables.ranking_flags.c.rank.is_(None), evaluation_tables.ranking_flags.c.rank,
                                           evaluation_tables.ranking_flags.c.subject))
        return [dict(r._mapping) for r in rows]

    def flag_history(self, scope: str, subject: str | None, limit: int) -> list[dict[str, Any]]:
        stmt = select(evaluation_tables.ranking_flags).where(evaluation_tables.ranking_flags.c.scope == scope)
        if subject:
            stmt = stmt.where(evaluation_tables.ranking_flags.c.subject == subject)
        stmt = stmt.order_by(evaluation_tables.ranking_flags.c.period.desc(), evaluation_tables.ranking_flags.c.rank).limit(limit)
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

_TS = DateTime(timezone=True)

# The two tables the figures read, declared here with only the columns used.
_cases = table(
    "cases", column("id", Integer), column("state", String), column("category_code", String),
    column("district_code", String), column("main_unit_id", Integer), column("reported_at", _TS),
    column("deadline", _TS), column("handled_on_time", Boolean),
)
_events = table("case_events", column("case_id", Integer), column("action", String), column("at", _TS))
_OPEN = [s.value for s in CaseState if not s.is_final]
_ON_CLOCK = [CaseState.DISPATCHED.value, CaseState.IN_PROGRESS.value]
_STEP_ACTIONS = {"registered": ("register", "self_handle"), "dispatched": ("dispatch",), "closed": ("close",),
                 "overdue": ("overdue",)}


class SqlDashboardQueries:
    """The aggregates, on one read-only connection. SQLite keeps naive UTC text, PostgreSQL aware
    timestamps: bounds are bound in the form each one stores."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.naive = conn.dialect.name == "sqlite"

    def _t(self, moment: datetime) -> datetime:
        moment = moment.astimezone(UTC)
        return moment.replace(tzinfo=None) if self.naive else moment

    def period(self, start: datetime, end: datetime) -> dict[str, int]:
        a, b = self._t(start), self._t(end)
        reported = self.conn.execute(
            select(func.count()).select_from(_cases).where(_cases.c.reported_at >= a, _cases.c.reported_at < b)
        ).scalar_one()
        wanted = [act for acts in _STEP_ACTIONS.values() for act in acts]
        steps: dict[str, int] = dict(self.conn.execute(
            select(_events.c.action, func.count()).where(
                _events.c.action.in_(wanted), _events.c.at >= a, _events.c.at < b).group_by(_events.c.action)
        ).all())
        on_time = self.conn.execute(
            select(func.count()).select_from(_events.join(_cases, _cases.c.id == _events.c.case_id)).where(
                _events.c.action == "close", _events.c.at >= a, _events.c.at < b,
                _cases.c.handled_on_time.is_(True))
        ).scalar_one()
        counts = {key: sum(int(steps.get(act, 0)) for act in acts) for key, acts in _STEP_ACTIONS.items()}
        return {"reported": int(reported), "closed_on_time": int(on_time), **counts}

    def open_now(self, now: datetime) -> tuple[int, int]:
        """Open cases, and those on the clock past their deadline: both answered from an index alone
        ((state, id) and (state, deadline)), without reading case rows."""
        open_count = self.conn.execute(
            select(func.count()).select_from(_cases).where(_cases.c.state.in_(_OPEN))).scalar_one()
        overdue = self.conn.execute(
            select(func.count()).select_from(_cases).where(_cases.c.state.in_(_ON_CLOCK),
                                                           _cases.c.deadline < self._t(now))
        ).scalar_one()
        return int(open_count), int(overdue)

    def daily_reported(self, bounds: list[datetime], end: datetime) -> list[int]:
        return self._daily(bounds, end, _cases.c.reported_at, None)

    def daily_steps(self, bounds: list[datetime], end: datetime, action: str) -> list[int]:
        return self._daily(bounds, end, _events.c.at, action)

    def _daily(self, bounds: list[datetime], end: datetime, col: Any, action: str | None) -> list[int]:
        """Counts per local day: bucket i holds [bounds[i], bounds[i+1]), the last ends at `end`."""
        edges = [self._t(b) for b in bounds[1:]]
        bucket = case(*[(col < edge, i) for i, edge in enumerate(edges)], else_=len(edges)).label("bucket")
        src = _cases if action is None else _events
        conds = [col >= self._t(bounds[0]), col < self._t(end)]
        if action is not None:
            conds.append(_events.c.action == action)
        rows = self.conn.execute(select(bucket, func.count()).select_from(src).where(*conds).group_by(bucket)).all()
        out = [0] * len(bounds)
        for i, n in rows:
            out[int(i)] = int(n)
        return out

    def by_category(self, start: datetime, end: datetime) -> list[tuple[str, int]]:
        stmt = (select(_cases.c.category_code, func.count())
                .where(_cases.c.reported_at >= self._t(start), _cases.c.reported_at < self._t(end))
                .group_by(_cases.c.category_code))
        return [(code, int(n)) for code, n in self.conn.execute(stmt).all()]

    def by_district(self, start: datetime, end: datetime) -> list[tuple[str, int, int]]:
        reported: dict[str, int] = dict(self.conn.execute(
            select(_cases.c.district_code, func.count())
            .where(_cases.c.reported_at >= self._t(start), _cases.c.reported_at < self._t(end))
            .group_by(_cases.c.district_code)).all())
        # Grouped by state first so the planner walks the state index, not the whole district index.
        open_: dict[str, int] = {}
        for _state, district, n in self.conn.execute(
                select(_cases.c.state, _cases.c.district_code, func.count()).where(_cases.c.state.in_(_OPEN))
                .group_by(_cases.c.state, _cases.c.district_code)).all():
            open_[district] = open_.get(district, 0) + int(n)
        codes = sorted(set(reported) | set(open_))
        return [(c, int(reported.get(c, 0)), int(open_.get(c, 0))) for c in codes]

    def units(self, start: datetime, end: datetime) -> list[tuple[int | None, int, int]]:
        """Per main unit: handling steps in the period, and how many of those cases were on time."""
        on_time = func.sum(case((_cases.c.handled_on_time.is_(True), 1), else_=0))
        stmt = (select(_cases.c.main_unit_id, func.count(), on_time)
                .select_from(_events.join(_cases, _cases.c.id == _events.c.case_id))
                .where(and_(_events.c.action == "handle", _events.c.at >= self._t(start),
                            _events.c.at < self._t(end)))
                .group_by(_cases.c.main_unit_id))
        return [(u, int(h), int(ok or 0)) for u, h, ok in self.conn.execute(stmt).all()]
