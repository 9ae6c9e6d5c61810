"""Aggregates for the command-centre screen (指挥大屏): range scans over one period, grouped in SQL.

SQLite keeps naive UTC text, PostgreSQL aware timestamps: bounds are bound in the form each one
stores, so these queries use light table declarations with plain DateTime columns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Connection, DateTime, Integer, String, and_, case, column, func, select, table

from citysteward.domain.model import CaseState

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
        steps = dict(self.conn.execute(
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
        reported = dict(self.conn.execute(
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
