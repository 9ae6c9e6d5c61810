"""Daily rollups of case steps (docs/performance.md "Rollups"): whether the dashboard may read them,
rebuilding them, and checking them against a recount from the steps.

The triggers of migration 0015 keep the rollups current in the same transaction as every step and
every change to a case's unit, category, district, source or on-time mark, so they need no worker.
They file steps under local days by a fixed UTC offset (rollup_settings): when the configured time
zone's offset differs from it (another city, or a zone with daylight saving), the dashboard reads
the live queries instead until `rebuild` has refiled the steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from citysteward.evaluation.ports import unit_of_work
from citysteward.platform.runtime import Runtime

CACHE_SECONDS = 60.0


def offset_minutes(rt: Runtime, at: datetime | None = None) -> int:
    """The configured zone's UTC offset, in minutes, at `at` (now when not given)."""
    moment = at or rt.now()
    offset = moment.astimezone(rt.settings.tz).utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def usable(rt: Runtime, start: datetime | None = None, end: datetime | None = None) -> bool:
    """True when the rollups file days by the configured zone's offset (over the whole period asked)."""
    stored = rt.cache.get("rollup_offset", CACHE_SECONDS, lambda: _stored_offset(rt))
    if stored is None:
        return False
    moments = [m for m in (start, end) if m is not None] or [rt.now()]
    return all(offset_minutes(rt, m) == stored for m in moments)


def _stored_offset(rt: Runtime) -> int | None:
    with unit_of_work(rt, readonly=True) as uow:
        repo = getattr(uow, "rollups", None)  # none in a unit of work without rollups: the live queries
        offset: int | None = repo.offset_minutes() if repo is not None else None
        return offset


def rebuild(rt: Runtime) -> int:
    """Refile every stored step under the configured zone's offset now; the rows written."""
    with unit_of_work(rt) as uow:
        rows = uow.rollups.rebuild(offset_minutes(rt))
        uow.commit()
    rt.cache.drop("rollup_offset", "dashboard")
    return rows


@dataclass(frozen=True)
class Check:
    rows: int
    steps: int
    differences: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return not self.differences


def check(rt: Runtime, limit: int = 20) -> Check:
    """Rollups against a recount from the steps and cases, in one read transaction."""
    with unit_of_work(rt, readonly=True) as uow:
        stored = uow.rollups.stored()
        recount = uow.rollups.recount()
    diffs = [{"key": list(k), "rollup": stored.get(k), "recount": recount.get(k)}
             for k in sorted(set(stored) | set(recount), key=str) if stored.get(k) != recount.get(k)]
    return Check(len(stored), sum(n for k, (n, _) in recount.items() if k[0] == "step"), diffs[:limit])
