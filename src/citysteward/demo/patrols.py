"""Demo stage: inspectors' grids, rosters and a year of patrols (issue 11).

The demo's twelve inspectors (three per district) each take a third of their district's streets. Every
one is on the early shift every day of the year, holidays included (patrols run all year, FIELDWORK.md
§6.1), with a day's plan of a few grids of their streets. The year's patrols are derived from the
demo's inspector reports: an inspector who reported on a day patrolled the grids of those reports that
day, with his plan; on a day without reports he walked his plan. So the year's person-times are 12 a
day (about 3,300 in nine months: the seeds' "巡查 3,200 余人次" of the nine-month 市政管家 drive).
Today's patrols also get tracks (along the grids' centres), summarised by the real rule, so the coverage
map has lines to draw. Idempotent: a demo that already has patrols is left as it is.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from citysteward.demo.world import DemoWorld
from citysteward.kernel import geo
from citysteward.kernel.actor import Role
from citysteward.patrols.domain import tracks
from citysteward.patrols.domain.duty import RosterEntry, shift_bounds
from citysteward.patrols.ports import unit_of_work
from citysteward.patrols.services import field, setup
from citysteward.platform.runtime import Runtime

PLAN_GRIDS = 6
SHIFT = "early"


def seed(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    """Adds what is missing of this stage to the demo city."""
    with rt.uow(readonly=True) as uow:
        if uow.patrols.count_patrols():
            return
        inspectors = [u for u in uow.org.users() if u["role"] == Role.INSPECTOR.value and u["active"]]
        now = rt.now()
        reports = uow.patrols.inspector_reports(now - timedelta(days=366), now)
    if not inspectors:
        return
    rng = random.Random(world.seed + 11)
    cfg = setup.config(rt)
    tz = rt.settings.tz
    grids_by_street: dict[str, list[str]] = defaultdict(list)
    centres: dict[str, tuple[float, float]] = {}
    for code, geom in world.areas.grid_geometries():
        grids_by_street[code[:9]].append(code)
        c = geom.representative_point()
        centres[code] = (c.x, c.y)
    streets_by_district: dict[str, list[str]] = defaultdict(list)
    for s in sorted(grids_by_street):
        streets_by_district[s[:6]].append(s)
    # bindings: a district's inspectors share its streets
    by_district: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for u in sorted(inspectors, key=lambda u: u["id"]):
        district = _district_of(u, reports, streets_by_district)
        if district:
            by_district[district].append(u)
    bindings: dict[int, list[str]] = {}
    for district, people in by_district.items():
        for i, u in enumerate(people):
            bindings[u["id"]] = streets_by_district[district][i::len(people)]
    # the year: one patrol per inspector and day
    last_day = now.astimezone(tz).date()
    first_day = last_day - timedelta(days=364)
    reports_of: dict[tuple[int, date], list[dict[str, Any]]] = defaultdict(list)
    for r in reports:
        reports_of[(r["reporter_user_id"], r["reported_at"].astimezone(tz).date())].append(r)
    shift = cfg.shifts[SHIFT] if SHIFT in cfg.shifts else next(iter(cfg.shifts.values()))
    roster: list[RosterEntry] = []
    rows: list[dict[str, Any]] = []
    visits: list[list[dict[str, Any]]] = []
    today: list[tuple[int, list[str]]] = []
    for uid, streets in bindings.items():
        pool = [g for s in streets for g in grids_by_street[s]]
        if not pool:
            continue
        for k in range((last_day - first_day).days + 1):
            day = first_day + timedelta(days=k)
            plan = rng.sample(pool, min(PLAN_GRIDS, len(pool)))
            start, end = shift_bounds(day, shift, tz)
            roster.append(RosterEntry(uid, day, shift.code, start, end, tuple(sorted(plan)), 1))
            found = reports_of.get((uid, day), [])
            if day == last_day:
                today.append((uid, plan))
                continue
            row, vs = _synthetic(rng, uid, day, plan, found, start, end, cfg)
            rows.append(row)
            visits.append(vs)
    with rt.uow() as uow:
        for uid, areas in bindings.items():
            uow.patrols.set_bindings(uid, areas)
        for i in range(0, len(roster), 2000):
            uow.patrols.put_roster(roster[i:i + 2000])
        uow.patrols.bulk_patrols(rows, visits)
        uow.commit()
    _today(rt, today, centres, now)
    say(f"已为 {len(bindings)} 名监督员分配责任街道并排班 {len(roster)} 班次，生成巡查 {len(rows) + len(today)} 人次"
        f"（其中 {sum(1 for r in rows if r['effective'])} 人次有效）")


def _district_of(user: dict[str, Any], reports: list[dict[str, Any]],
                 streets_by_district: dict[str, list[str]]) -> str | None:
    """The district an inspector reported in most (the demo generator keeps each to one district)."""
    counts: dict[str, int] = defaultdict(int)
    for r in reports:
        if r["reporter_user_id"] == user["id"]:
            counts[r["grid_code"][:6]] += 1
    if counts:
        return max(counts, key=lambda d: counts[d])
    free = [d for d in sorted(streets_by_district)]
    return free[user["id"] % len(free)] if free else None


def _synthetic(rng: random.Random, uid: int, day: date, plan: list[str], found: list[dict[str, Any]],
               start: datetime, end: datetime, cfg: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A past patrol's summary: its plan walked (most of it) plus the grids of the day's reports."""
    walked = [g for g in plan if rng.random() < 0.85] or plan[:1]
    extra = [r["grid_code"] for r in found if r["grid_code"] not in walked]
    first = min([r["reported_at"] for r in found], default=start + timedelta(minutes=rng.randint(20, 60)))
    began = max(start, first - timedelta(minutes=rng.randint(15, 45)))
    vs = []
    minutes = own = distance = 0.0
    for g in dict.fromkeys(walked + extra):
        m = rng.uniform(8, 35)
        d = m * 60 * rng.uniform(0.9, 1.3)
        vs.append({"grid_code": g, "user_id": uid, "local_day": day, "minutes": round(m, 2),
                   "passes": 1 + int(rng.random() < 0.3), "points": int(m * 6), "distance_m": round(d, 1)})
        minutes += m
        distance += d
        own += m if g in plan else 0
    ended = min(end, began + timedelta(minutes=minutes + rng.uniform(10, 40)))
    summary = tracks.TrackSummary(points=sum(v["points"] for v in vs), distance_m=distance, minutes=minutes,
                                  own_minutes=own, grids={v["grid_code"]: tracks.GridVisit() for v in vs})
    row = {"user_id": uid, "state": "ended", "local_day": day, "started_at": began, "ended_at": ended,
           "own_grids": sorted(plan), "points": summary.points, "distance_m": round(distance, 1),
           "minutes": round(minutes, 2), "own_minutes": round(own, 2), "grids_visited": len(vs),
           "effective": summary.effective(cfg.effective, plan)}
    return row, vs


def _today(rt: Runtime, today: list[tuple[int, list[str]]], centres: dict[str, tuple[float, float]],
           now: datetime) -> None:
    """Today's patrols with real tracks along the plan's grid centres, ended and summarised by the rule."""
    for uid, plan in today:
        with unit_of_work(rt) as uow:
            duty_start = now - timedelta(hours=2)
            pid = uow.patrols.add_patrol({
                "user_id": uid, "state": "open", "local_day": now.astimezone(rt.settings.tz).date(),
                "started_at": duty_start, "own_grids": sorted(plan), "points": 0, "distance_m": 0.0, "minutes": 0.0,
                "own_minutes": 0.0, "grids_visited": 0, "effective": False})
            points = _route([centres[g] for g in plan if g in centres], int(duty_start.timestamp()))
            for seq, i in enumerate(range(0, len(points), 60)):
                chunk = points[i:i + 60]
                uow.patrols.add_batch(pid, seq, now, len(chunk), chunk[0].t, chunk[-1].t, tracks.encode(chunk))
            uow.commit()
        with unit_of_work(rt) as uow:
            patrol = uow.patrols.patrol(pid)
            assert patrol is not None
            field.close(rt, uow, patrol, now)
            uow.commit()


def _route(stops: list[tuple[float, float]], t0: int, step_s: int = 10, speed: float = 1.3) -> list[tracks.TrackPoint]:
    out: list[tracks.TrackPoint] = []
    t = t0
    for a, b in zip(stops, stops[1:], strict=False):
        n = max(1, int(geo.haversine_m(a[0], a[1], b[0], b[1]) / (speed * step_s)))
        for i in range(n):
            out.append(tracks.TrackPoint(t, a[0] + (b[0] - a[0]) * i / n, a[1] + (b[1] - a[1]) * i / n, 10))
            t += step_s
    return out
