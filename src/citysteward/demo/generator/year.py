"""The demo's year: report times, categories by season, places and plans are drawn for all cases at
once, then each case is numbered and played (`runner.Runner`); every open state ends up with work in it.
Nothing here touches the database; the loader writes the result through the case repository."""

from __future__ import annotations

import random
import secrets
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely

from citysteward.cases.domain.case import Case, Event, case_no
from citysteward.cases.domain.model import Action, CaseState, Source
from citysteward.cases.domain.routing import RoutingDecision, place_of, route_case
from citysteward.catalogue.domain.categories import Urgency
from citysteward.demo.areas import DemoAreas
from citysteward.demo.generator.context import Context, Generated
from citysteward.demo.generator.mix import CATEGORY_MIX, HOLD_MIN_AGE, SAFETY, SEASONAL, SENSOR_CATEGORIES, SOURCE_MIX
from citysteward.demo.generator.places import Places, draw_places
from citysteward.demo.generator.plan import Plan, Spec, assign_holds, draw_plan, force_outcomes, hold_at
from citysteward.demo.generator.runner import Runner
from citysteward.demo.generator.times import report_times
from citysteward.demo.generator.words import DESCRIPTIONS, chinese_name, masked_phone
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.cells import cell_of

A, S = Action, CaseState
SWEEP_EVERY = timedelta(minutes=10)  # how often the worker runs the escalation sweep


class YearOfCases:
    """Draws a year of cases and plays each one; keeps what the cases share (routing, the sweep's
    schedule, recent cases for merges)."""

    def __init__(self, ctx: Context, areas: DemoAreas, seed: int) -> None:
        self.ctx = ctx
        self.areas = areas
        self.rnd = random.Random(seed)
        self.np = np.random.default_rng(seed)
        # the escalation sweep's three voices (services/sweep.py), running every SWEEP_EVERY
        self._sweep_epoch = datetime(2020, 1, 1, tzinfo=ctx.now.tzinfo) + timedelta(seconds=self.rnd.uniform(0, 600))
        self.citizen = Actor(role=Role.CITIZEN, name="市民")
        self.open311 = Actor(role=Role.SYSTEM, name="Open311 客户端")
        self.platform = Actor.system("市城市运行管理服务平台")
        self.sensor = Actor.system("物联感知平台")
        self._route_cache: dict[tuple[Any, ...], RoutingDecision] = {}
        rules = list(ctx.rules)
        self._key_grid = any(r.grid_code for r in rules)
        self._key_community = any(r.area_code and len(r.area_code) == 12 for r in rules)
        self.recent: list[tuple[Case, Runner]] = []  # earlier cases, for merges

    def sweep_after(self, moment: datetime) -> datetime:
        """The first sweep run strictly after `moment`."""
        k = (moment - self._sweep_epoch) // SWEEP_EVERY + 1
        return self._sweep_epoch + k * SWEEP_EVERY

    def pick(self, actors: Sequence[Actor]) -> Actor:
        return actors[self.rnd.randrange(len(actors))]

    def route(self, case: Case) -> RoutingDecision:
        cat = self.ctx.categories[case.category_code]
        key = (case.category_code, case.grid_code if self._key_grid else None,
               case.community_code if self._key_community else None, case.street_code, case.road)
        hit = self._route_cache.get(key)
        if hit is None:
            place = place_of(case, cat.class_code)
            hit = route_case(place, self.ctx.rules, self.ctx.unit_names, self.ctx.category_names,
                             self.ctx.area_names)
            self._route_cache[key] = hit
        return hit

    def other_unit(self, case: Case, not_this: int | None) -> int:
        """Where a returned (or re-routed) case goes: the district's 城管局, else its sanitation centre."""
        for unit in (self.ctx.territorial_units[case.district_code], self.ctx.sanitation_units[case.district_code]):
            if unit != not_this:
                return unit
        return self.ctx.territorial_units[case.district_code]

    def merge_target(self, case: Case, at: datetime) -> str | None:
        for other, runner in reversed(self.recent[-400:]):
            if other.case_no == case.case_no:
                continue
            if other.category_code == case.category_code and other.reported_at < at and (
                    runner.final_at is None or runner.final_at > at) and other.state is not S.MERGED:
                return other.case_no
        return None

    # --- the year ------------------------------------------------------------------------------
    def generate(self, n: int, progress: Callable[[int], None] | None = None) -> Generated:
        ctx = self.ctx
        rng = self.np
        src_values = [s for s, _ in SOURCE_MIX]
        src_p = np.array([w for _, w in SOURCE_MIX])
        sources = [src_values[i] for i in rng.choice(len(src_values), size=n, p=src_p / src_p.sum())]
        times = report_times(n, ctx.now, ctx.tz, sources, rng)
        order = sorted(range(n), key=lambda i: times[i])
        sources = [sources[i] for i in order]
        times = [times[i] for i in order]
        months = [t.astimezone(ctx.tz).month for t in times]
        codes = [c for c in CATEGORY_MIX if c in ctx.categories and ctx.categories[c].active]
        month_p = []
        for m in range(1, 13):
            w = np.array([CATEGORY_MIX[c] * SEASONAL.get(c, (1.0,) * 12)[m - 1] for c in codes])
            month_p.append(w / w.sum())
        cat_idx = np.empty(n, dtype=int)
        months_arr = np.array(months)
        for m in range(1, 13):
            sel = np.flatnonzero(months_arr == m)
            if len(sel):
                cat_idx[sel] = rng.choice(len(codes), size=len(sel), p=month_p[m - 1])
        categories = [codes[i] for i in cat_idx]
        places, geoms = draw_places(self.areas, n, rng, self.rnd)
        hot_spots = self._hot_spots(places, categories, n)

        # sensors only raise their own kinds of alarms
        for i, s in enumerate(sources):
            if s is Source.SENSOR and categories[i] not in SENSOR_CATEGORIES:
                categories[i] = self.rnd.choice(SENSOR_CATEGORIES)

        plans = []
        for i in range(n):
            age = (ctx.now - times[i]).total_seconds() / 86400
            plans.append(draw_plan(self.rnd, ctx.categories, sources[i], categories[i], age))
        assign_holds(self.rnd, ctx.now, ctx.categories, plans, sources, times, categories)
        force_outcomes(self.rnd, plans, sources, n)

        numbers = dict(ctx.numbers_used)
        specs: list[Spec] = []
        runners: list[Runner] = []
        for i in range(n):
            lon, lat, grid = float(places.lon[i]), float(places.lat[i]), places.grid[i]
            road, address = places.road[i], places.address[i]
            code = categories[i]
            if i in hot_spots:
                spot = hot_spots[i]
                lon, lat, grid, road, address = self._jitter(spot, geoms)
                code = spot["code"]
            plan = plans[i]
            if plan.fate == "merge":
                target = self._duplicate_of(times[i])
                if target is not None:  # a duplicate report: same problem, same place
                    code = target.category_code
                    lon, lat, grid, road, address = self._jitter(
                        {"lon": target.lon, "lat": target.lat, "grid": target.grid_code, "road": target.road,
                         "address": target.address}, geoms)
            day = times[i].astimezone(ctx.tz).strftime("%Y%m%d")
            numbers[day] = numbers.get(day, 0) + 1
            spec = Spec(case_no(ctx.prefix, day, numbers[day]), sources[i], code, times[i], lon, lat, grid, road,
                         address)
            runner = self._play(spec, plan)
            specs.append(spec)
            runners.append(runner)
            self.recent.append((runner.case, runner))
            if len(self.recent) > 2000:
                del self.recent[:1000]
            if progress is not None and (i + 1) % 250 == 0:
                progress(250)
        if progress is not None and n % 250:
            progress(n % 250)
        self._ensure_states(specs, runners)
        return Generated([(r.case, r.events) for r in runners],
                         {d: v for d, v in numbers.items() if v != ctx.numbers_used.get(d)})

    def _play(self, spec: Spec, plan: Plan) -> Runner:
        case = self._case(spec)
        inspector = self.pick(self.ctx.people.inspectors[case.district_code])
        if spec.source is Source.INSPECTOR:
            case.reporter_user_id = inspector.user_id
        runner = Runner(self, case, plan, inspector)
        runner.record(Event(
            action=A.REPORT, from_state=None, to_state=S.REPORTED, actor=self._reporter(case, inspector),
            at=case.reported_at, note=case.description[:200],
            payload={"source": spec.source.value, "attributes": {},
                     "crs": "gcj02" if spec.source is Source.CITIZEN else "wgs84"}))
        runner.run()
        return runner

    def _ensure_states(self, specs: list[Spec], runners: list[Runner]) -> None:
        """Every state should have at least one case, even in a small demo: where one is missing, replay a
        recent closed case (one nobody was merged into) held at that state, until one gets there."""
        now = self.ctx.now
        present = Counter(r.case.state for r in runners)
        targets = {r.case.merged_into for r in runners if r.case.merged_into}
        for state in (S.REPORTED, S.PENDING_VERIFY, S.VERIFIED, S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS,
                      S.SUSPENDED, S.HANDLED, S.CHECKED):
            if present[state]:
                continue
            min_age = HOLD_MIN_AGE.get(state, timedelta(hours=8))
            pool = sorted((i for i, r in enumerate(runners)
                           if r.case.state is S.CLOSED and r.plan.hold is None and r.case.case_no not in targets
                           and min_age <= now - specs[i].at <= timedelta(days=60)),
                          key=lambda i: now - specs[i].at)
            for i in pool[:60]:
                plan = draw_plan(self.rnd, self.ctx.categories, specs[i].source, specs[i].code, 0)
                spec = replace(specs[i], source=hold_at(plan, state, specs[i].source))
                runner = self._play(spec, plan)
                if runner.case.state is state:
                    present[S.CLOSED] -= 1
                    present[state] += 1
                    specs[i], runners[i] = spec, runner
                    break

    def _hot_spots(self, places: Places, categories: list[str], n: int) -> dict[int, dict[str, Any]]:
        """A few places where the same problem keeps coming back (反复反弹的难点点位)."""
        spots_n = max(3, min(40, n // 500))
        kinds = ("06010", "06011", "09006", "06036", "06012", "06042")
        base = self.rnd.sample(range(n), min(spots_n, n))
        spots = [{"lon": float(places.lon[i]), "lat": float(places.lat[i]), "grid": places.grid[i],
                  "road": places.road[i], "address": places.address[i], "code": self.rnd.choice(kinds)} for i in base]
        out: dict[int, dict[str, Any]] = {}
        for i in range(n):
            if i not in base and self.rnd.random() < 0.04:
                out[i] = spots[self.rnd.randrange(len(spots))]
        return out

    def _jitter(self, spot: Mapping[str, Any], geoms: Mapping[str, Any]) -> tuple[float, float, str, str | None, str]:
        lon = spot["lon"] + self.rnd.uniform(-1, 1) * 8e-5
        lat = spot["lat"] + self.rnd.uniform(-1, 1) * 6e-5
        if not shapely.contains_xy(geoms[spot["grid"]], lon, lat):
            lon, lat = spot["lon"], spot["lat"]
        return lon, lat, spot["grid"], spot["road"], spot["address"]

    def _duplicate_of(self, at: datetime) -> Case | None:
        for other, runner in reversed(self.recent[-300:]):
            if other.reported_at < at and (runner.final_at is None or runner.final_at > at + timedelta(hours=2)) \
                    and not other.state.is_final and other.state is not S.REPORTED:
                return other
        for other, runner in reversed(self.recent[-300:]):
            if other.reported_at < at and (runner.final_at is None or runner.final_at > at + timedelta(hours=2)):
                return other
        return None

    def _case(self, spec: Spec) -> Case:
        source, code, address, grid = spec.source, spec.code, spec.address, spec.grid
        cat = self.ctx.categories[code]
        urgency = cat.default_urgency
        up = 0.2 if code in SAFETY else 0.06
        order = [Urgency.NORMAL, Urgency.URGENT, Urgency.CRITICAL]
        x = self.rnd.random()
        if x < up and urgency.rank < 2 and order[urgency.rank + 1] in cat.limits:
            urgency = order[urgency.rank + 1]
        elif x > 0.9 and urgency.rank > 0 and order[urgency.rank - 1] in cat.limits:
            urgency = order[urgency.rank - 1]
        templates = DESCRIPTIONS.get(code) or ("{addr}发现" + cat.name.removesuffix("异常") + "问题，请尽快处置",)
        description = self.rnd.choice(templates).format(addr=address, n=self.rnd.randrange(2, 12))
        name = phone = None
        if source in (Source.CITIZEN, Source.HOTLINE, Source.OPEN311):
            if source is Source.HOTLINE or self.rnd.random() < 0.6:
                name = chinese_name(self.rnd)
                phone = masked_phone(self.rnd)
        return Case(
            case_no=spec.case_no, state=S.REPORTED, source=source, category_code=code, urgency=urgency.value,
            description=description, lon=spec.lon, lat=spec.lat, grid_code=grid, community_code=grid[:12],
            street_code=grid[:9], district_code=grid[:6], reported_at=spec.at, updated_at=spec.at,
            address=address[:200], road=spec.road, cell=cell_of(spec.lon, spec.lat),
            reporter_name=name, reporter_phone=phone, public_token=secrets.token_urlsafe(12),
        )

    def _reporter(self, case: Case, inspector: Actor) -> Actor:
        s = case.source
        if s is Source.INSPECTOR:
            return inspector
        if s is Source.HOTLINE:
            return self.pick(self.ctx.people.hotline)
        if s is Source.CITIZEN:
            return self.citizen
        if s is Source.OPEN311:
            return self.open311
        if s is Source.SENSOR:
            return self.sensor
        return self.platform


def generate(ctx: Context, areas: DemoAreas, n: int, seed: int = 42,
             progress: Callable[[int], None] | None = None) -> Generated:
    """`n` cases over the year ending `ctx.now`, each with its full event history."""
    return YearOfCases(ctx, areas, seed).generate(n, progress)
