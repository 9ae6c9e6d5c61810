"""Command-centre figures (指挥大屏): today's and this month's counts, a 30-day trend, the category
mix, cases by district and units ranked by on-time handling (按时处置率).

Counts come from the step log (case_events, index on (action, at)) and the case row (index on
reported_at), so every query is a range scan over one period, never a scan of the whole ledger:
fast at a million cases. Periods are local days and months (the city's time zone), turned into UTC
bounds before they reach SQL; the 30-day trend buckets rows with a CASE over the day bounds, which
both databases run in one pass and which stays right across daylight-saving changes.

Definitions (standards/STANDARDS.md, "Evaluation indicators"): 上报 = cases reported; 立案 =
register and self-handle steps; 派遣 = dispatch steps; 结案 = close steps; 超期 = cases that went
overdue in the period; 按期结案率 = closed in the period and handled on time / closed in the period;
超期未办结 = cases on the clock (dispatched, in progress) past their deadline now.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Connection, DateTime, Integer, String, and_, case, column, func, select, table

from citysteward.domain.model import CaseState
from citysteward.services import reference
from citysteward.services.runtime import Runtime

TREND_DAYS = 30
MIN_RANKED_SAMPLE = 1  # units with fewer handled cases in the period are not ranked
CACHE_SECONDS = 30.0
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


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    reported: int = 0
    registered: int = 0
    dispatched: int = 0
    closed: int = 0
    overdue: int = 0
    closed_on_time: int = 0

    @property
    def on_time_close_rate(self) -> float | None:
        """Percentage, or None when nothing closed (a rate of nothing is not 0%)."""
        return round(100.0 * self.closed_on_time / self.closed, 1) if self.closed else None


@dataclass(frozen=True, slots=True)
class DashboardFigures:
    as_of: datetime
    today: PeriodFigures
    month: PeriodFigures
    open_now: int
    overdue_now: int
    trend_days: list[str] = field(default_factory=list)
    trend_reported: list[int] = field(default_factory=list)
    trend_closed: list[int] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    districts: list[dict[str, Any]] = field(default_factory=list)
    units: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        for key in ("today", "month"):
            data[key]["on_time_close_rate"] = getattr(self, key).on_time_close_rate
        return data


def cached_figures(rt: Runtime, ttl: float = CACHE_SECONDS) -> DashboardFigures:
    """What the screens poll: one computation per `ttl` seconds per worker, however many screens."""
    return rt.cache.get("dashboard", ttl, lambda: figures(rt))


def figures(rt: Runtime) -> DashboardFigures:
    now = rt.now()
    tz = rt.settings.tz
    local = now.astimezone(tz)
    day0 = _local_midnight(local.date(), tz)
    day1 = _local_midnight(local.date() + timedelta(days=1), tz)
    first = local.date().replace(day=1)
    month0 = _local_midnight(first, tz)
    month1 = _local_midnight((first + timedelta(days=32)).replace(day=1), tz)
    bounds = [_local_midnight(local.date() - timedelta(days=TREND_DAYS - 1 - i), tz) for i in range(TREND_DAYS)]
    with rt.uow(readonly=True) as uow:
        q = _Queries(uow.conn)  # type: ignore[attr-defined]
        today = q.period(day0, day1)
        month = q.period(month0, month1)
        open_now, overdue_now = q.open_now(now)
        reported_by_day = q.daily(bounds, day1, _cases.c.reported_at, None)
        closed_by_day = q.daily(bounds, day1, _events.c.at, "close")
        by_category = q.by_category(month0, month1)
        by_district = q.by_district(month0, month1)
        units = q.units(month0, month1)
    catalogue = reference.catalogue(rt)
    classes: dict[str, int] = {}
    for code, n in by_category:
        cat = catalogue.by_code.get(code)
        name = cat.class_name if cat else code
        classes[name] = classes.get(name, 0) + n
    areas = reference.area_names(rt)
    unit_names = reference.unit_names(rt)
    ranked = [
        {"unit_id": u, "name": unit_names.get(u, str(u)), "handled": h, "on_time": ok,
         "rate": round(100.0 * ok / h, 1)}
        for u, h, ok in units if u is not None and h >= MIN_RANKED_SAMPLE
    ]
    ranked.sort(key=lambda r: (-r["rate"], -r["handled"], r["name"]))
    return DashboardFigures(
        as_of=now, today=today, month=month, open_now=open_now, overdue_now=overdue_now,
        trend_days=[b.astimezone(tz).strftime("%m-%d") for b in bounds],
        trend_reported=reported_by_day, trend_closed=closed_by_day,
        categories=[{"name": k, "value": v} for k, v in sorted(classes.items(), key=lambda kv: -kv[1])],
        districts=[{"code": d, "name": areas.get(d, d), "reported": n, "open": o} for d, n, o in by_district],
        units=ranked,
    )


def _local_midnight(day: Any, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


class _Queries:
    """The aggregates, on one read-only connection. SQLite keeps naive UTC text, PostgreSQL aware
    timestamps: bounds are bound in the form each one stores."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.naive = conn.dialect.name == "sqlite"

    def _t(self, moment: datetime) -> datetime:
        moment = moment.astimezone(UTC)
        return moment.replace(tzinfo=None) if self.naive else moment

    def period(self, start: datetime, end: datetime) -> PeriodFigures:
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
        return PeriodFigures(reported=int(reported), closed_on_time=int(on_time), **counts)

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

    def daily(self, bounds: list[datetime], end: datetime, col: Any, action: str | None) -> list[int]:
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
