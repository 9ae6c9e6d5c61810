"""The demo city (Jiaozuo): built through the real lifecycle, on a fresh SQLite file and a scratch
PostgreSQL database. A small build (600 cases, 1.5 km grids) keeps this module fast; the default
size (≥ 2,000 grids) is checked in tests/domain/test_demo_areas.py."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from shapely.geometry import shape
from sqlalchemy import func, select

from citysteward.cases import tables as cases_tables
from citysteward.cases.domain.lifecycle import TRANSITIONS
from citysteward.cases.domain.model import Action, CaseState, Source
from citysteward.cases.services import intake
from citysteward.cases.store.cases import row_to_case, row_to_event
from citysteward.config import Settings
from citysteward.demo import units as demo_units
from citysteward.demo.areas import build_demo_areas
from citysteward.demo.loader import build_demo
from citysteward.geography import tables as geography_tables
from citysteward.kernel.actor import Actor, Role
from citysteward.org import tables as org_tables
from citysteward.org.services import accounts, auth
from citysteward.platform.db import make_engine
from citysteward.platform.migrate import upgrade
from citysteward.platform.runtime import Runtime
from citysteward.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import FakeClock, scratch_pg_database

CASES = 600
CELL_M = 1500.0
NOW = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Jiaozuo
CASE_NO = re.compile(r"^JZ(\d{8})-(\d{5})$")


@dataclass
class Demo:
    rt: Runtime
    logins: list[tuple[str, str, str]]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder: Path = tmp_path_factory.mktemp("demo")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{folder / 'demo.db'}"
        else:
            url = stack.enter_context(scratch_pg_database("cs_demo"))
        yield from _built(url, folder)


def _built(url: str, folder: Path) -> Iterator[Demo]:
    upgrade(url)
    engine = make_engine(url)
    rt = Runtime(uow=SqlUnitOfWorkFactory(engine), settings=Settings(database_url=url, media_dir=folder / "media"),
                 clock=FakeClock(NOW))
    logins = build_demo(rt, cases=CASES, cell_m=CELL_M, seed=7)
    yield Demo(rt, logins)
    engine.dispose()


def _load(rt: Runtime) -> tuple[list, dict[int, list]]:
    with rt.uow(readonly=True) as uow:
        conn = uow.conn  # type: ignore[attr-defined]
        cases = [row_to_case(r) for r in conn.execute(select(cases_tables.cases).order_by(cases_tables.cases.c.id))]
        events: dict[int, list] = defaultdict(list)
        for r in conn.execute(select(cases_tables.case_events).order_by(cases_tables.case_events.c.id)):
            events[r.case_id].append(row_to_event(r))
    return cases, events


def _counts(rt: Runtime) -> dict[str, int]:
    with rt.uow(readonly=True) as uow:
        conn = uow.conn  # type: ignore[attr-defined]
        return {tbl.name: conn.execute(select(func.count()).select_from(tbl)).scalar_one()
                for tbl in (cases_tables.cases, cases_tables.case_events, org_tables.units, org_tables.users, cases_tables.responsibility_rules, geography_tables.grid_members,
                            geography_tables.grids, geography_tables.areas, cases_tables.case_numbers)}


def _year(cases: list) -> list:
    """The generated year is written first; later stages (sensors' alarms, citizens' calls) add a few live
    cases of their own through intake."""
    return cases[:CASES]


def test_builds_with_every_state(demo: Demo) -> None:
    cases, _ = _load(demo.rt)
    extra = cases[CASES:]
    assert len(cases) >= CASES and len(extra) < 0.2 * CASES
    assert {c.source for c in extra} <= {Source.SENSOR, Source.CITIZEN, Source.HOTLINE}
    states = Counter(c.state for c in _year(cases))
    assert set(states) == set(CaseState), f"missing: {set(CaseState) - set(states)}"
    assert states[CaseState.CLOSED] > 0.8 * CASES  # a year old: mostly closed
    assert 0 < sum(n for s, n in states.items() if not s.is_final) < 0.15 * CASES


def test_every_history_replays_through_the_transition_table(demo: Demo) -> None:
    cases, events = _load(demo.rt)
    for case in cases:
        steps = events[case.id]
        assert steps[0].action is Action.REPORT and steps[0].from_state is None, case.case_no
        assert steps[-1].to_state is case.state, case.case_no
        assert case.version == len(steps), case.case_no
        previous, at = CaseState.REPORTED, steps[0].at
        for e in steps[1:]:
            assert e.from_state is previous, (case.case_no, e.action)
            nxt, roles = TRANSITIONS[(e.from_state, e.action)]
            assert e.to_state is (nxt or e.from_state) and e.actor.role in roles, (case.case_no, e.action)
            assert at <= e.at <= NOW, (case.case_no, e.action)
            previous, at = e.to_state, e.at
        if case.state in (CaseState.DISPATCHED, CaseState.IN_PROGRESS):
            assert case.main_unit_id and case.deadline and case.limit_minutes and case.light
        if case.state is CaseState.MERGED:
            assert case.merged_into and CASE_NO.match(case.merged_into)


def test_case_numbers_follow_the_local_report_day(demo: Demo) -> None:
    cases, _ = _load(demo.rt)
    per_day: dict[str, list[int]] = defaultdict(list)
    for case in sorted(_year(cases), key=lambda c: c.reported_at):
        m = CASE_NO.match(case.case_no)
        assert m, case.case_no
        assert m.group(1) == case.reported_at.astimezone(demo.rt.settings.tz).strftime("%Y%m%d")
        per_day[m.group(1)].append(int(m.group(2)))
    for day, seqs in per_day.items():
        assert seqs == list(range(1, len(seqs) + 1)), day
    # the stages' cases continue each day's numbering: every day's numbers are 1..n, none twice
    for case in cases[CASES:]:
        m = CASE_NO.match(case.case_no)
        assert m, case.case_no
        per_day[m.group(1)].append(int(m.group(2)))
    for day, seqs in per_day.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), day
    with demo.rt.uow(readonly=True) as uow:
        stored = {r.day: r.last for r in uow.conn.execute(select(cases_tables.case_numbers))}  # type: ignore[attr-defined]
    assert stored == {day: len(seqs) for day, seqs in per_day.items()}


def test_sources_follow_the_mix(demo: Demo) -> None:
    cases = _year(_load(demo.rt)[0])
    share = {s: n / len(cases) for s, n in Counter(c.source for c in cases).items()}
    assert 0.50 <= share[Source.INSPECTOR] <= 0.70
    assert 0.13 <= share[Source.CITIZEN] <= 0.28
    assert 0.09 <= share[Source.HOTLINE] <= 0.21
    assert share.get(Source.OPEN311, 0) + share.get(Source.SYSTEM, 0) + share.get(Source.SENSOR, 0) <= 0.10


def test_routing_follows_the_responsibility_rules(demo: Demo) -> None:
    cases, _ = _load(demo.rt)
    with demo.rt.uow(readonly=True) as uow:
        code_of = {u["id"]: u["code"] for u in uow.org.units()}
    special_roads = {"南通路", *demo_units.HIGH_TECH_ROADS, *demo_units.WANGCHU_ROADS}
    checked = 0
    for case in cases:
        if case.suggested_unit_id is None:
            continue
        assert case.routing_reason and "责任规则" in case.routing_reason
        unit = code_of[case.suggested_unit_id]
        if case.category_code == "06010" and case.road not in special_roads:  # 暴露垃圾 → the district's 环卫
            assert unit == demo_units.sanitation_code(case.district_code), case.case_no
            checked += 1
        if case.category_code in ("09006", "09005"):  # 占道经营 → the street office of the place
            assert unit == case.street_code, case.case_no
            checked += 1
        if case.category_code.startswith("TF"):  # 突发事件 → 设施所, district 城管局 assisting
            assert unit == demo_units.FACILITY, case.case_no
    assert checked > 30


def test_grid_teams_for_every_grid(demo: Demo) -> None:
    with demo.rt.uow(readonly=True) as uow:
        rows = list(uow.conn.execute(select(geography_tables.grid_members)))  # type: ignore[attr-defined]
        grids = uow.areas.grid_count()
    roles = defaultdict(set)
    for r in rows:
        roles[r.grid_code].add(r.team_role)
        assert re.fullmatch(r"1\d\d\*{4}\d{4}", r.phone) and 2 <= len(r.name) <= 3
    assert len(roles) == grids >= 100
    assert all(v == {"party_pioneer", "maintenance", "inspector"} for v in roles.values())


def test_every_login_works(demo: Demo) -> None:
    labels = {label for _, _, label in demo.logins}
    for role in (Role.ADMIN, Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.HOTLINE, Role.SUPERVISOR,
                 Role.LEADER):
        assert role.label in labels
    assert sum(label.startswith(Role.INSPECTOR.label) for label in labels) >= 1
    assert sum(1 for _, _, label in demo.logins if label.startswith(Role.INSPECTOR.label)) == 3
    assert any("市市政设施所" in label for label in labels) and any("王褚街道" in label for label in labels)
    # argon2 is slow by design: every account on SQLite, one per kind on PostgreSQL (same code path)
    sample = demo.logins if demo.rt.settings.database_url.startswith("sqlite") else [
        demo.logins[0], next(x for x in demo.logins if x[2].startswith(Role.INSPECTOR.label)), demo.logins[-1]]
    for username, password, label in sample:
        user = auth.login(demo.rt, username, password).user
        assert label.startswith(user.role.label), username
        if user.role is Role.UNIT:
            assert user.unit_id is not None and label.endswith(accounts.unit_names(demo.rt)[user.unit_id])


def test_live_intake_continues_the_numbering(demo: Demo) -> None:
    rt = demo.rt
    areas = build_demo_areas(CELL_M)
    point = shape(areas.grids["features"][0]["geometry"]).representative_point()
    with rt.uow(readonly=True) as uow:
        inspector = uow.org.user_by_name("inspector1")
        day = rt.now().astimezone(rt.settings.tz).strftime("%Y%m%d")
        last = {r.day: r.last for r in uow.conn.execute(select(cases_tables.case_numbers))}.get(day, 0)  # type: ignore[attr-defined]
    assert inspector is not None
    actor = Actor(role=Role.INSPECTOR, user_id=inspector["id"], name=inspector["display_name"])
    result = intake.report_case(rt, intake.ReportInput(category_code="06010", description="测试：暴露垃圾",
                                                       lon=point.x, lat=point.y), actor)
    assert result.case_no == f"JZ{day}-{last + 1:05d}"


def test_a_second_build_changes_nothing(demo: Demo) -> None:
    before = _counts(demo.rt)
    again = build_demo(demo.rt, cases=CASES, cell_m=CELL_M, seed=7)
    assert again == demo.logins
    assert _counts(demo.rt) == before


def test_the_escalation_sweep_finds_nothing_left_to_do(demo: Demo) -> None:
    """Reminders, overdue marks and automatic supervision were generated as the live sweep makes them,
    so running it at the same moment changes nothing (last: a sweep that did act would change data)."""
    from citysteward.supervision.services.sweep import sweep

    result = sweep(demo.rt)
    assert result.scanned > 0
    assert (result.reminded, result.overdue, result.supervised, result.tickets) == (0, 0, 0, 0)
