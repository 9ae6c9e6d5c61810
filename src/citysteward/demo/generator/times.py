"""When the demo's problems are reported: the year ending `now`, by month, weekday and channel."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from citysteward.cases.domain.model import Source
from citysteward.demo.generator.mix import HOUR_PROFILE, MONTH_VOLUME


def report_times(n: int, now: datetime, tz: ZoneInfo, sources: list[Source],
                 rng: np.random.Generator) -> list[datetime]:
    """Report instants over the 365 days ending `now` (local daytime profiles by channel)."""
    local_now = now.astimezone(tz)
    first_day = (local_now - timedelta(days=364)).date()
    days = [first_day + timedelta(days=i) for i in range(365)]
    base = np.array([MONTH_VOLUME[d.month - 1] for d in days])
    weekend = np.array([d.weekday() >= 5 for d in days])
    w_insp = base * np.where(weekend, 0.45, 1.0)
    w_other = base * np.where(weekend, 0.9, 1.0)
    out: list[datetime] = []
    profiles = {s: np.array(p) / sum(p) for s, p in HOUR_PROFILE.items()}
    day_insp = rng.choice(365, size=n, p=w_insp / w_insp.sum())
    day_other = rng.choice(365, size=n, p=w_other / w_other.sum())
    hours = np.empty(n, dtype=int)
    src_arr = np.array([s.value for s in sources])
    for src, prof in profiles.items():
        sel = np.flatnonzero(src_arr == src.value)
        if len(sel):
            hours[sel] = rng.choice(24, size=len(sel), p=prof)
    seconds = rng.uniform(0, 3600, n)
    for i, src in enumerate(sources):
        d = days[int(day_insp[i] if src is Source.INSPECTOR else day_other[i])]
        local = datetime(d.year, d.month, d.day, int(hours[i]), tzinfo=tz) + timedelta(seconds=float(seconds[i]))
        moment = local.astimezone(now.tzinfo)
        if moment >= now:  # today, later than now: earlier today instead
            moment = now - timedelta(seconds=float(rng.uniform(60, 6 * 3600)))
        out.append(moment.replace(microsecond=0))
    return out
