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

from citysteward.catalogue import services as catalogue_services
from citysteward.evaluation.ports import unit_of_work
from citysteward.evaluation.services import rollups
from citysteward.geography import services as geography_services
from citysteward.org.services import accounts
from citysteward.platform.runtime import Runtime

TREND_DAYS = 30
MIN_RANKED_SAMPLE = 1  # units with fewer handled cases in the period are not ranked
CACHE_SECONDS = 30.0
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
    from_rollups = rollups.usable(rt, bounds[0], month1)  # docs/performance.md "Rollups"
    with unit_of_work(rt, readonly=True) as uow:
        q = uow.rollups if from_rollups else uow.dashboard
        today = PeriodFigures(**q.period(day0, day1))
        month = PeriodFigures(**q.period(month0, month1))
        open_now, overdue_now = q.open_now(now)
        reported_by_day = q.daily_reported(bounds, day1)
        closed_by_day = q.daily_steps(bounds, day1, "close")
        by_category = q.by_category(month0, month1)
        by_district = q.by_district(month0, month1)
        units = q.units(month0, month1)
    catalogue = catalogue_services.catalogue(rt)
    classes: dict[str, int] = {}
    for code, n in by_category:
        cat = catalogue.by_code.get(code)
        name = cat.class_name if cat else code
        classes[name] = classes.get(name, 0) + n
    areas = geography_services.area_names(rt)
    unit_names = accounts.unit_names(rt)
    ranked: list[dict[str, Any]] = [
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
