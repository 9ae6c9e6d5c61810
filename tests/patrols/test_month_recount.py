"""A generated month of patrols, findings and public reports, counted by the figures service and again
here, independently, from what the generator did: person-times, coverage (grids, passes, distance),
effective patrols, reports, on-time verification and 漏报."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from citysteward.cases.domain.model import Action
from citysteward.cases.services import intake
from citysteward.kernel import geo
from citysteward.kernel.periods import Period
from citysteward.patrols.services import field, figures, setup
from tests.builders.cases import act
from tests.conftest import City, FakeClock, grid_point
from tests.patrols.conftest import add_inspector, grid, walk
from tests.patrols.test_services import grid_of

DAYS = 30
RULE = {"min_minutes_in_own_grids": 2, "min_share_of_own_grids": 0.5, "min_distance_m": 1000}


def spot(c: int, s: int) -> tuple[float, float]:
    x, y = grid_point(c, s)
    return x + 0.0013, y + 0.0011  # off the centre lines: no point falls on a grid edge


def test_a_generated_month_recounts(city: City, clock: FakeClock):
    rt, rng = city.rt, random.Random(11)
    leader, admin = city.actor("leader"), city.actor("admin")
    add_inspector(city, "inspector2", "监督员小刘")
    people = {"inspector": [(1, 1), (1, 2), (1, 3)], "inspector2": [(2, 1), (2, 2)]}
    for who, cells in people.items():
        setup.bind(rt, leader, city.users[who]["id"], [grid(*c) for c in cells])
    setup.set_config(rt, admin, {"effective": RULE})
    rt.cache.drop()

    walked: dict[tuple[str, str], int] = defaultdict(int)  # (grid, day) -> patrols
    expect = defaultdict(lambda: defaultdict(float))  # user -> figure -> value
    grids_of_user: dict[int, set[str]] = defaultdict(set)
    walkers: dict[tuple[str, date], set[int]] = defaultdict(set)
    public: list[tuple[str, date, int, bool]] = []  # grid, day, minutes to verify, true?
    start = datetime(2026, 11, 1, 0, 30, tzinfo=UTC)  # 08:30 in Jiaozuo
    for d in range(DAYS):
        day_start = start + timedelta(days=d)
        local_day = (day_start + timedelta(hours=8)).date()
        for who, own_cells in people.items():
            if rng.random() < 0.25:
                continue  # a day off
            uid = city.users[who]["id"]
            actor = city.actor(who)
            clock.set(day_start + timedelta(minutes=rng.randint(0, 60)))
            field.clock(rt, actor, "in")
            pid = field.start_patrol(rt, actor)["patrol_id"]
            stops = [rng.choice(own_cells) for _ in range(rng.randint(1, 3))] + [(rng.randint(1, 2), rng.randint(1, 8))]
            route = [spot(*stops[0])]
            points: list[dict] = []
            for a, b in zip([stops[0], *stops], stops, strict=False):
                leg = walk(spot(*a), spot(*b), clock.now + timedelta(seconds=10 * len(points)), speed=5)
                points += leg if not points else leg[1:]
                route.append(spot(*b))
            for seq, i in enumerate(range(0, len(points), 25)):
                field.post_track(rt, actor, pid, seq, points[i:i + 25])
            clock.advance(seconds=10 * len(points))
            field.end_patrol(rt, actor, pid)
            field.clock(rt, actor, "out")
            # the recount
            own = {grid(*c) for c in own_cells}
            cells = [grid_of(p["lon"], p["lat"]) for p in points]
            distance = sum(geo.haversine_m(a["lon"], a["lat"], b["lon"], b["lat"]) for a, b in zip(points, points[1:], strict=False))
            own_min = sum(10 for c in cells[:-1] if c in own) / 60
            visited = {c for c in cells if c}
            passes = sum(1 for i, c in enumerate(cells) if c and (i == 0 or cells[i - 1] != c))
            e = expect[uid]
            e["patrols"] += 1
            e["effective"] += int(own_min >= RULE["min_minutes_in_own_grids"] and distance >= RULE["min_distance_m"]
                                  and len(visited & own) / len(own) >= RULE["min_share_of_own_grids"])
            e["km"] += distance / 1000
            e["passes"] += passes
            grids_of_user[uid] |= visited
            for c in visited:
                walkers[(c, local_day)].add(uid)
                walked[(c, str(local_day))] += 1
            # findings: some reported, some fixed on the spot
            for _ in range(rng.randint(0, 2)):
                c = rng.choice(own_cells)
                self_handled = rng.random() < 0.4
                intake.report_case(rt, intake.ReportInput(category_code="06010", description="暴露垃圾", lon=spot(*c)[0],
                                                          lat=spot(*c)[1], self_handled=self_handled), actor)
                e["reports"] += 1
                e["self_handled"] += int(self_handled)
                e["registered"] += int(self_handled)
        # a public report or two a day, verified (true or not) by 老王 some minutes later
        for _ in range(rng.randint(0, 2)):
            c = (rng.randint(1, 2), rng.randint(1, 8))
            clock.set(day_start + timedelta(hours=rng.randint(2, 6)))
            case_no = intake.report_case(rt, intake.ReportInput(category_code="06010", description="市民反映暴露垃圾",
                                                                lon=spot(*c)[0], lat=spot(*c)[1]), city.actor("hotline")).case_no
            act(city, "acceptor", case_no, Action.ACCEPT)
            minutes = rng.choice([30, 90, 119, 121, 200])
            clock.advance(minutes=minutes)
            true = rng.random() < 0.7
            act(city, "inspector", case_no, Action.VERIFY if true else Action.REFUTE, note="" if true else "现场未见")
            public.append((grid(*c), (day_start + timedelta(hours=8)).date(), minutes, true))

    wang = city.users["inspector"]["id"]
    expect[wang]["verified"] = len(public)
    expect[wang]["verified_on_time"] = sum(1 for _g, _d, m, _t in public if m <= 120)
    missed_by_grid: dict[str, int] = defaultdict(int)
    for g, d, _m, true in public:
        if true and walkers.get((g, d)):
            missed_by_grid[g] += 1
            for uid in walkers[(g, d)]:
                expect[uid]["missed"] += 1

    period = Period.days(date(2026, 11, 1), date(2026, 11, DAYS), rt.settings.tz)
    got = {r["key"]: r for r in figures.figures(rt, leader, period, "inspector")["rows"]}
    assert set(got) == set(expect)
    for uid, e in expect.items():
        counts = got[uid]["counts"]
        for name in ("patrols", "effective", "passes", "reports", "self_handled", "registered", "verified",
                     "verified_on_time", "missed"):
            assert counts[name] == e[name], (uid, name)
        assert counts["km"] == pytest.approx(e["km"], abs=0.05)
        assert counts["grids_visited"] == len(grids_of_user[uid])
        missed, registered = e["missed"], e["registered"]
        rate = got[uid]["rates"]["missed_rate"]
        assert rate == (round(100 * missed / (missed + registered), 2) if missed + registered else None)
    by_grid = {r["key"]: r["counts"] for r in figures.figures(rt, leader, period, "grid")["rows"]}
    for g in {g for g, _d in walked}:
        assert by_grid[g]["patrols"] == sum(n for (gg, _d), n in walked.items() if gg == g)
        assert by_grid[g]["missed"] == missed_by_grid.get(g, 0)
    total = figures.figures(rt, leader, period, "total")["total"]["counts"]
    assert total["patrols"] == sum(e["patrols"] for e in expect.values())
    assert total["missed"] == sum(missed_by_grid.values())
    assert total["verified"] == len(public)
    # the month exercises every branch: effective and not, on time and late, missed and not
    assert 0 < total["effective"] < total["patrols"] and 0 < total["verified_on_time"] < total["verified"]
    assert 0 < total["missed"] < sum(1 for p in public if p[3]) and total["self_handled"] > 0
