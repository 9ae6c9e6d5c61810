"""Build the demo city (Jiaozuo 焦作) in the configured database.

`build_demo` is safe to run again: every stage looks first and only adds what is missing, so a second
run over a complete demo does nothing but print the logins.  The stages:

1. catalogue and working calendar (`services.setup.initialise`); years the built-in holiday data
   does not cover yet get a weekends-only placeholder so deadlines can be counted (import the
   official year with `citysteward import-calendar YEAR --csv …` to replace it);
2. districts, streets, communities and grids from `demo.areas` (imported through the normal service);
3. units, staff and unit accounts, responsibility rules (`demo.units`), in one transaction;
4. a grid team for every grid (党员先锋岗 + 专业维护团队 + 网格巡查员), inserted in bulk;
5. a year of cases generated through the real lifecycle (`demo.generator`) and written in large
   batches through the case repository — with the day counters so live intake continues the numbering.

The demo refuses to touch a database that holds another city's grids.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from itertools import groupby
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from citysteward.bootstrap import initialise
from citysteward.cases.domain.model import CaseState
from citysteward.cases.services import rules as cases_services_rules
from citysteward.catalogue import services as catalogue_services
from citysteward.demo import units
from citysteward.demo.areas import DISTRICTS, DemoAreas, build_demo_areas
from citysteward.demo.generator.context import Context, People
from citysteward.demo.generator.teams import grid_teams
from citysteward.demo.generator.year import generate
from citysteward.demo.stages import AFTER_CASES, BEFORE_CASES
from citysteward.demo.world import DemoWorld
from citysteward.geography import services as geography_services
from citysteward.geography.services import import_areas
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Conflict
from citysteward.org.services import accounts, auth
from citysteward.platform.runtime import Runtime
from citysteward.worktime import services as calendar_service
from citysteward.worktime import services as worktime_services

CASE_BATCH = 2000
ACTOR = Actor.system("演示数据")
T = TypeVar("T")


def build_demo(rt: Runtime, *, cases: int = 20000, cell_m: float = 500.0, seed: int = 42,
               console: Console | None = None) -> list[tuple[str, str, str]]:
    """Build (or complete) the demo city; returns the logins as (username, password, role label)."""
    started = time.perf_counter()
    say = console.print if console is not None else (lambda *a, **k: None)
    areas = build_demo_areas(cell_m)
    unit_defs = units.unit_definitions(areas)
    logins = units.login_list(unit_defs)

    _check_city(rt, areas)
    result = initialise(rt)
    if result.categories or result.calendar_years:
        say(f"已载入问题类别 {result.categories} 个、工作日历 {len(result.calendar_years)} 年")
    _placeholder_years(rt, say)
    _import_areas(rt, areas, say)
    unit_ids = _organisation(rt, areas, unit_defs, say)
    _grid_teams(rt, areas, unit_ids, seed, say)
    world = DemoWorld(areas=areas, unit_defs=unit_defs, unit_ids=unit_ids, seed=seed, console=console)
    for stage in BEFORE_CASES:
        stage(rt, world, say)
    with rt.uow(readonly=True) as uow:
        existing_cases = uow.cases.count()
    missing = cases - existing_cases
    if missing > 0:
        _cases(rt, areas, unit_defs, unit_ids, missing, seed + existing_cases, console)
    else:
        say(f"演示案件已存在（{existing_cases} 件），跳过生成。")
    for stage in AFTER_CASES:
        rt.cache.drop()
        stage(rt, world, say)
    rt.cache.drop()
    say(f"演示城市已就绪，用时 {time.perf_counter() - started:.1f} 秒。")
    return logins


# --------------------------------------------------------------------------------------------------
# stages


def _check_city(rt: Runtime, areas: DemoAreas) -> None:
    demo_grids = {f["properties"]["code"] for f in areas.grids["features"]}
    with rt.uow(readonly=True) as uow:
        names = uow.areas.names()
        grids = {g["code"] for g in uow.areas.grids(with_geometry=False)}
    foreign = grids - demo_grids
    renamed = [c for c, n in DISTRICTS.items() if c in names and names[c] != n]
    if foreign or renamed:
        raise Conflict("数据库中已有其他城市或其他网格划分的区域数据，演示城市只能建在空数据库或演示数据库中",
                       {"foreign_grids": len(foreign), "districts": renamed})


def _placeholder_years(rt: Runtime, say: Any) -> None:
    """Deadlines need the calendar of every year the demo touches (a year back, two months ahead)."""
    now = rt.now()
    with rt.uow(readonly=True) as uow:
        loaded = uow.calendar.loaded_years()
    for year in range((now - timedelta(days=400)).year, (now + timedelta(days=60)).year + 1):
        if year not in loaded:
            calendar_service.import_year(rt, ACTOR, year, "")
            say(f"[yellow]注意：内置节假日数据不含 {year} 年，已按“周一至周五上班”生成占位日历；"
                f"请用 citysteward import-calendar {year} --csv … 导入正式安排。[/yellow]")


def _import_areas(rt: Runtime, areas: DemoAreas, say: Any) -> None:
    with rt.uow(readonly=True) as uow:
        have = uow.areas.grid_count()
    if have >= len(areas.grids["features"]):
        return
    for level, collection in areas.levels():
        import_areas(rt, ACTOR, collection, "wgs84", level)
    say(f"已导入 {len(DISTRICTS)} 个区、{len(areas.streets['features'])} 个街道、"
        f"{len(areas.communities['features'])} 个社区、{len(areas.grids['features'])} 个网格（{areas.cell_m:g} 米）")


def _organisation(rt: Runtime, areas: DemoAreas, unit_defs: Sequence[units.UnitDef], say: Any) -> dict[str, int]:
    """Units, accounts and rules, once; returns unit code -> id."""
    with rt.uow() as uow:
        present = {u["code"]: u["id"] for u in uow.org.units()}
        if units.FACILITY in present:
            return present
        now = rt.now()
        # One argon2 hash for the shared demo password: hashing is slow by design (~150 ms) and every
        # demo account has the same, published password anyway.
        password_hash = auth.hash_password(units.DEMO_PASSWORD)
        ids = dict(present)
        for u in unit_defs:
            if u.code not in ids:
                ids[u.code] = uow.org.add_unit({"code": u.code, "name": u.name, "kind": u.kind,
                                                "district_code": u.district_code, "phone": None, "active": True})
        users = [{"username": s.username, "role": s.role.value, "display_name": s.display_name, "unit_id": None,
                  "phone": None} for s in units.staff_definitions()]
        users += [{"username": u.username, "role": Role.UNIT.value, "display_name": u.contact, "unit_id": ids[u.code],
                   "phone": None} for u in unit_defs]
        made = 0
        for row in users:
            if uow.org.user_by_name(row["username"]) is None:
                uow.org.add_user({**row, "password_hash": password_hash, "active": True, "created_at": now})
                made += 1
        rules = units.rule_definitions(areas, ids)
        for rule in rules:
            uow.rules.add(rule)
        uow.audit.record(now, None, ACTOR.name, "demo", "organisation", "import", None,
                         {"units": len(unit_defs), "users": made, "rules": len(rules)})
        uow.commit()
    rt.cache.drop("unit_names", "rules")
    say(f"已创建责任单位 {len(unit_defs)} 个、账号 {made} 个、责任规则 {len(rules)} 条")
    return ids


def _grid_teams(rt: Runtime, areas: DemoAreas, unit_ids: dict[str, int], seed: int, say: Any) -> None:
    with rt.uow() as uow:
        # all teams are written in one transaction: the first grid's team stands for them all
        if uow.areas.grid_members(areas.grids["features"][0]["properties"]["code"]):
            return
        streets = {f["properties"]["code"]: unit_ids[f["properties"]["code"]] for f in areas.streets["features"]
                   if f["properties"]["code"] in unit_ids}
        sanitation = {d: unit_ids[units.sanitation_code(d)] for d in DISTRICTS}
        rows = grid_teams(areas, streets, unit_ids[units.FACILITY], sanitation, seed)
        for code, members in groupby(rows, key=lambda r: r["grid_code"]):
            uow.areas.set_grid_members(code, list(members))
        uow.commit()
    say(f"已为 {len(areas.grids['features'])} 个网格配置网格团队（党员先锋岗 + 专业维护团队 + 网格巡查员），"
        f"共 {len(rows)} 人")


def _cases(rt: Runtime, areas: DemoAreas, unit_defs: Sequence[units.UnitDef], unit_ids: dict[str, int], n: int,
           seed: int, console: Console | None) -> None:
    ctx = _context(rt, unit_defs, unit_ids)
    with _progress(console) as progress:
        task = progress.add_task("生成案件（按真实流程推演）", total=n) if progress else None
        generated = generate(
            ctx, areas, n, seed, (lambda k: progress.advance(task, k)) if progress and task is not None else None)
        pairs = generated.cases
        write = progress.add_task("写入数据库", total=len(pairs)) if progress else None
        with rt.uow() as uow:
            for batch in _batches(pairs, CASE_BATCH):
                uow.cases.bulk_add(batch)
                if progress and write is not None:
                    progress.advance(write, len(batch))
            for day, last in sorted(generated.last_numbers.items()):  # the numbers the demo took
                uow.cases.next_number(day, last - ctx.numbers_used.get(day, 0))
            uow.audit.record(rt.now(), None, ACTOR.name, "demo", "cases", "import", None, {"cases": len(pairs)})
            uow.commit()
    if console is not None:
        counts: dict[CaseState, int] = {}
        for case, _events in pairs:
            counts[case.state] = counts.get(case.state, 0) + 1
        console.print("已生成案件 {} 件：{}".format(
            len(pairs), "，".join(f"{s.label} {counts[s]}" for s in CaseState if counts.get(s))))


def _context(rt: Runtime, unit_defs: Sequence[units.UnitDef], unit_ids: dict[str, int]) -> Context:
    rt.cache.drop()
    catalogue = catalogue_services.catalogue(rt)
    with rt.uow(readonly=True) as uow:
        users = uow.org.users()
        numbers = uow.cases.day_numbers()
    actor_of = {u["username"]: Actor(role=Role(u["role"]), user_id=u["id"], name=u["display_name"],
                                     unit_id=u["unit_id"]) for u in users}
    staff = units.staff_definitions()

    def role(r: Role) -> list[Actor]:
        return [actor_of[s.username] for s in staff if s.role is r and s.username in actor_of]

    inspectors: dict[str, list[Actor]] = {}
    for s in staff:
        if s.role is Role.INSPECTOR and s.district_code and s.username in actor_of:
            inspectors.setdefault(s.district_code, []).append(actor_of[s.username])
    unit_actors = {a.unit_id: a for a in actor_of.values() if a.role is Role.UNIT and a.unit_id is not None}
    for u in unit_defs:  # a unit without its demo account (edited away) still acts, unnamed
        uid = unit_ids[u.code]
        unit_actors.setdefault(uid, Actor(role=Role.UNIT, name=u.contact, unit_id=uid))
    people = People(
        acceptors=role(Role.ACCEPTOR) + role(Role.SHIFT_LEADER)[:1], shift_leaders=role(Role.SHIFT_LEADER),
        dispatchers=role(Role.DISPATCHER), hotline=role(Role.HOTLINE), supervisors=role(Role.SUPERVISOR),
        inspectors=inspectors, units=unit_actors)
    names = {**dict(catalogue.class_names), **{k: v.name for k, v in catalogue.by_code.items()}}
    return Context(
        now=rt.now(), tz=rt.settings.tz, calendar=worktime_services.calendar(rt), categories=catalogue.by_code,
        rules=cases_services_rules.rules(rt), unit_names=accounts.unit_names(rt), category_names=names,
        area_names=geography_services.area_names(rt), people=people,
        territorial_units={d: unit_ids[units.district_bureau_code(d)] for d in DISTRICTS},
        sanitation_units={d: unit_ids[units.sanitation_code(d)] for d in DISTRICTS},
        prefix=rt.settings.city_prefix, numbers_used=numbers)


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


@contextmanager
def _progress(console: Console | None) -> Iterator[Progress | None]:
    if console is None:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as progress:
        yield progress
