"""What the command-centre screen adds for the leaders (指挥大屏): the red-light list (cases overdue and
still unhandled now, longest first), this month's figures by street, today's reports on the grid map,
and the bottom of the unit ranking beside its top. One computation per `CACHE_SECONDS` per worker."""

from __future__ import annotations

import time as clock
from datetime import UTC, datetime, time, timedelta
from typing import Any

from citysteward.catalogue import services as catalogue_services
from citysteward.evaluation.ports import unit_of_work
from citysteward.evaluation.services import indicators as indicator_service
from citysteward.evaluation.services import rankings as ranking_service
from citysteward.geography import services as geography_services
from citysteward.org.services import accounts
from citysteward.platform.runtime import Runtime

CACHE_SECONDS = 60.0
RED_LIST = 15
TODAY_POINTS = 3000
BOTTOM = 5


def cached(rt: Runtime) -> dict[str, Any]:
    """Not through `rt.cache.get`: the figures read settings and reference data that are cached there
    themselves, and that cache's lock is held while it loads."""
    box: dict[str, Any] = rt.singleton("dashboard:desk", lambda: {"at": float("-inf"), "value": None})
    if box["value"] is not None and clock.monotonic() - box["at"] < CACHE_SECONDS:
        return dict(box["value"])
    value = figures(rt)
    box.update(at=clock.monotonic(), value=value)
    return value


def figures(rt: Runtime) -> dict[str, Any]:
    now = rt.now()
    tz = rt.settings.tz
    local = now.astimezone(tz)
    day0 = datetime.combine(local.date(), time(0), tzinfo=tz).astimezone(UTC)
    period = indicator_service.period_of(rt, f"{local:%Y-%m}")
    catalogue = catalogue_services.catalogue(rt)
    units = accounts.unit_names(rt)
    areas = geography_services.area_names(rt)
    with unit_of_work(rt, readonly=True) as uow:
        red = uow.evaluation.overdue_open_cases(now + timedelta(seconds=1), RED_LIST)  # marks made this second count
        today = uow.hotspots.place_cases(day0, now + timedelta(seconds=1), limit=TODAY_POINTS)
    ds = indicator_service.load(rt, period)
    streets = indicator_service.table(rt, ds, "street")["rows"]
    ranked = [r for r in ranking_service.scores(rt, ds, "unit") if r["ranked"]]
    return {
        "as_of": now.isoformat(),
        "red": [{"case_no": r["case_no"], "category": catalogue.name(r["category_code"]),
                 "unit": units.get(r["unit"] or 0, "—"), "street": areas.get(r["street_code"], ""),
                 "address": r["address"],
                 "hours": round((now - (r["deadline"] or r["overdue_at"])).total_seconds() / 3600.0, 1)}
                for r in red],
        "streets": sorted(({"name": s["name"], "reported": s["counts"]["reported"], "closed": s["counts"]["closed"],
                            "overdue": s["counts"]["overdue_unhandled"],
                            "rate": s["rates"]["on_time_close_rate"]} for s in streets if s["key"]),
                          key=lambda s: (-s["overdue"], -s["reported"], s["name"])),
        "today": [{"lon": r["lon"], "lat": r["lat"], "case_no": r["case_no"], "state": r["state"],
                   "category": catalogue.name(r["category_code"])} for r in today],
        "top": [{"name": r["name"], "score": r["score"], "rank": r["rank"], "flag": r["flag"]} for r in ranked[:BOTTOM]],
        "bottom": [{"name": r["name"], "score": r["score"], "rank": r["rank"], "flag": r["flag"]}
                   for r in reversed(ranked[-BOTTOM:])],
    }
