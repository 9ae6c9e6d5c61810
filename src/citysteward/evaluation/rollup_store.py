"""The dashboard's figures from the daily rollups (tables `case_rollups`, `rollup_settings`; kept current
by the triggers of migration 0015), and the recount that checks them.

A rollup row counts the steps (case_events) of one local day and action whose case has, now, the row's
main unit, category, district and source; `on_time` counts those of cases handled on time. That is
exactly what the live queries (`store.SqlDashboardQueries`) compute with a join, so a month of figures
reads at most a few thousand small rows instead of a month of steps. What is not a count of steps (open
cases now, overdue now) is answered live, from the state indexes."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, text

from citysteward.cases.tables import case_change_stamp
from citysteward.cases.tables import case_state_counts as _s
from citysteward.evaluation.store import _ON_CLOCK, _OPEN, _STEP_ACTIONS, SqlDashboardQueries, _cases
from citysteward.evaluation.tables import case_day_totals as _d
from citysteward.evaluation.tables import case_rollups as _r
from citysteward.evaluation.tables import rollup_settings

KEY = ("day", "action", "unit_id", "category_code", "district_code", "source")


class SqlRollupQueries:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.live = SqlDashboardQueries(conn)
        self._offset: int | None = None

    # ------------------------------------------------------------------ upkeep
    def offset_minutes(self) -> int | None:
        """The UTC offset the triggers file steps under (None: the rollups are not installed)."""
        if self._offset is None:
            self._offset = self.conn.execute(
                select(rollup_settings.c.utc_offset_minutes).where(rollup_settings.c.id == 1)).scalar()
        return self._offset

    def rebuild(self, offset_minutes: int) -> int:
        """Empty the rollups and count every stored step again under this offset; rows written. The case
        table's change stamp is written anew under a new epoch too: cases loaded with the triggers held off
        (a bulk load) changed no stamp, and a worker's kept ledger pages must not outlive them."""
        for table in (_r, _d, _s, rollup_settings, case_change_stamp):
            self.conn.execute(table.delete())
        self.conn.execute(case_change_stamp.insert().values(id=1, n=0, epoch=secrets.token_hex(8)))
        self.conn.execute(rollup_settings.insert().values(id=1, utc_offset_minutes=offset_minutes))
        self._offset = offset_minutes
        columns = ", ".join((*KEY, "n", "on_time"))
        self.conn.execute(text(
            f"INSERT INTO case_rollups ({columns}) SELECT {self._day_sql('e.at')}, e.action, "
            "coalesce(c.main_unit_id, 0), c.category_code, c.district_code, c.source, count(*), "
            "sum(CASE WHEN c.handled_on_time THEN 1 ELSE 0 END) "
            "FROM case_events e JOIN cases c ON c.id = e.case_id GROUP BY 1, 2, 3, 4, 5, 6"))
        self.conn.execute(text("INSERT INTO case_day_totals (day, action, n, on_time) "
                               "SELECT day, action, sum(n), sum(on_time) FROM case_rollups GROUP BY day, action"))
        self.conn.execute(text("INSERT INTO case_state_counts (state, district_code, n) "
                               "SELECT state, district_code, count(*) FROM cases GROUP BY state, district_code"))
        return int(self.conn.execute(select(func.count()).select_from(_r)).scalar_one())

    def stored(self) -> dict[tuple[Any, ...], tuple[int, int]]:
        """Every row of the three tables that counts something: ("step", day, action, unit, category,
        district, source) / ("day", day, action) / ("state", state, district) → (count, on time)."""
        out: dict[tuple[Any, ...], tuple[int, int]] = {}
        for r in self.conn.execute(select(*(_r.c[k] for k in KEY), _r.c.n, _r.c.on_time)
                                   .where((_r.c.n != 0) | (_r.c.on_time != 0))).all():
            out[("step", *r[:6])] = (int(r[6]), int(r[7]))
        for day, action, n, ok in self.conn.execute(select(_d.c.day, _d.c.action, _d.c.n, _d.c.on_time)
                                                    .where((_d.c.n != 0) | (_d.c.on_time != 0))).all():
            out[("day", day, action)] = (int(n), int(ok))
        for state, district, n in self.conn.execute(select(_s.c.state, _s.c.district_code, _s.c.n)
                                                    .where(_s.c.n != 0)).all():
            out[("state", state, district)] = (int(n), 0)
        return out

    def recount(self) -> dict[tuple[Any, ...], tuple[int, int]]:
        """The same figures counted from the steps and the cases as they are now (the check)."""
        out: dict[tuple[Any, ...], tuple[int, int]] = {}
        on_time = "sum(CASE WHEN c.handled_on_time THEN 1 ELSE 0 END)"
        for r in self.conn.execute(text(
                f"SELECT {self._day_sql('e.at')} AS day, e.action, coalesce(c.main_unit_id, 0), c.category_code, "
                f"c.district_code, c.source, count(*), {on_time} "
                "FROM case_events e JOIN cases c ON c.id = e.case_id GROUP BY 1, 2, 3, 4, 5, 6")).all():
            out[("step", *r[:6])] = (int(r[6]), int(r[7] or 0))
        for day, action, n, ok in self.conn.execute(text(
                f"SELECT {self._day_sql('e.at')} AS day, e.action, count(*), {on_time} "
                "FROM case_events e JOIN cases c ON c.id = e.case_id GROUP BY 1, 2")).all():
            out[("day", day, action)] = (int(n), int(ok or 0))
        for state, district, n in self.conn.execute(text(
                "SELECT state, district_code, count(*) FROM cases GROUP BY state, district_code")).all():
            out[("state", state, district)] = (int(n), 0)
        return out

    def _day_sql(self, moment: str) -> str:
        offset = int(self.offset_minutes() or 0)
        if self.conn.dialect.name == "postgresql":
            return f"to_char(({moment} AT TIME ZONE 'UTC') + make_interval(mins => {offset}), 'YYYY-MM-DD')"
        return f"date({moment}, '{offset} minutes')"

    # ------------------------------------------------------------------ the dashboard's queries
    def _day(self, moment: datetime) -> str:
        return (moment.astimezone(UTC) + timedelta(minutes=self.offset_minutes() or 0)).date().isoformat()

    def _days(self, start: datetime, end: datetime, table: Any = _r) -> Any:
        return (table.c.day >= self._day(start)) & (table.c.day < self._day(end))

    def period(self, start: datetime, end: datetime) -> dict[str, int]:
        wanted = ["report", "close", *(a for acts in _STEP_ACTIONS.values() for a in acts)]
        rows = self.conn.execute(select(_d.c.action, func.sum(_d.c.n), func.sum(_d.c.on_time))
                                 .where(self._days(start, end, _d), _d.c.action.in_(wanted))
                                 .group_by(_d.c.action)).all()
        steps = {a: (int(n or 0), int(ok or 0)) for a, n, ok in rows}
        counts = {key: sum(steps.get(a, (0, 0))[0] for a in acts) for key, acts in _STEP_ACTIONS.items()}
        return {"reported": steps.get("report", (0, 0))[0], "closed_on_time": steps.get("close", (0, 0))[1],
                **counts}

    def open_now(self, now: datetime) -> tuple[int, int]:
        """Open cases from the state counts; overdue now stays live (it depends on the clock)."""
        open_count = self.conn.execute(select(func.coalesce(func.sum(_s.c.n), 0)).where(_s.c.state.in_(_OPEN))).scalar_one()
        overdue = self.conn.execute(  # the (state, deadline) index alone, as the live query does
            select(func.count()).select_from(_cases).where(_cases.c.state.in_(_ON_CLOCK),
                                                           _cases.c.deadline < self.live._t(now))).scalar_one()
        return int(open_count), int(overdue)

    def daily_reported(self, bounds: list[datetime], end: datetime) -> list[int]:
        return self._daily(bounds, end, "report")

    def daily_steps(self, bounds: list[datetime], end: datetime, action: str) -> list[int]:
        return self._daily(bounds, end, action)

    def _daily(self, bounds: list[datetime], end: datetime, action: str) -> list[int]:
        days = [self._day(b) for b in bounds]
        index = {d: i for i, d in enumerate(days)}
        out = [0] * len(bounds)
        rows = self.conn.execute(select(_d.c.day, _d.c.n)
                                 .where(self._days(bounds[0], end, _d), _d.c.action == action)).all()
        for day, n in rows:
            if day in index:
                out[index[day]] = int(n or 0)
        return out

    def by_category(self, start: datetime, end: datetime) -> list[tuple[str, int]]:
        rows = self.conn.execute(select(_r.c.category_code, func.sum(_r.c.n))
                                 .where(self._days(start, end), _r.c.action == "report")
                                 .group_by(_r.c.category_code)).all()
        return [(code, int(n)) for code, n in rows if n]

    def by_district(self, start: datetime, end: datetime) -> list[tuple[str, int, int]]:
        reported = {d: int(n) for d, n in self.conn.execute(
            select(_r.c.district_code, func.sum(_r.c.n)).where(self._days(start, end), _r.c.action == "report")
            .group_by(_r.c.district_code)).all() if n}
        open_: dict[str, int] = {}
        for district, n in self.conn.execute(select(_s.c.district_code, func.sum(_s.c.n))
                                             .where(_s.c.state.in_(_OPEN)).group_by(_s.c.district_code)).all():
            open_[district] = int(n or 0)
        codes = sorted(set(reported) | {d for d, o in open_.items() if o})
        return [(c, reported.get(c, 0), open_.get(c, 0)) for c in codes]

    def units(self, start: datetime, end: datetime) -> list[tuple[int | None, int, int]]:
        rows = self.conn.execute(select(_r.c.unit_id, func.sum(_r.c.n), func.sum(_r.c.on_time))
                                 .where(self._days(start, end), _r.c.action == "handle")
                                 .group_by(_r.c.unit_id)).all()
        return [(None if u == 0 else int(u), int(h), int(ok or 0)) for u, h, ok in rows if h]
