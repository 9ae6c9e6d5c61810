"""Daily rollups (issue 16): the triggers keep them equal to a recount from the steps through every
kind of step and every change of unit, category or on-time mark, and the dashboard reads the same
figures from them as from the live queries. On both databases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from citysteward.cases.domain.case import Event
from citysteward.cases.domain.model import Action
from citysteward.evaluation.services import dashboard, rollups
from tests.builders.cases import GARBAGE, dispatched, report, step
from tests.builders.months import generate_month
from tests.conftest import City


def _month(city: City, clock: Any) -> None:
    tz = city.rt.settings.tz
    clock.set(datetime(2026, 10, 30, 9, 0, tzinfo=tz))
    generate_month(city, clock, n=40, seed=16, first=datetime(2026, 11, 1, 8, 0, tzinfo=tz),
                   last=datetime(2026, 11, 20, 18, 0, tzinfo=tz))
    clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=tz))


def test_rollups_equal_a_recount_from_the_steps(city: City, clock: Any) -> None:
    _month(city, clock)
    result = rollups.check(city.rt)
    assert result.differences == []
    assert result.steps > 100 and result.rows > 10
    # an independent count of the steps, straight from the step log
    with city.rt.uow(readonly=True) as uow:
        stored = uow.rollups.stored()
        steps = uow.conn.exec_driver_sql("SELECT count(*) FROM case_events").scalar_one()
        cases = uow.conn.exec_driver_sql("SELECT count(*) FROM cases").scalar_one()
    for kind, total in (("step", steps), ("day", steps), ("state", cases)):
        assert sum(n for k, (n, _) in stored.items() if k[0] == kind) == total, kind
    actions = {k[2] for k in stored if k[0] == "step"}
    assert {"report", "dispatch", "handle", "close"} <= actions


def _steps(city: City) -> dict[tuple[object, ...], tuple[int, int]]:
    with city.rt.uow(readonly=True) as uow:
        return {k[1:]: v for k, v in uow.rollups.stored().items() if k[0] == "step"}


def _units(city: City) -> set[int]:
    return {int(str(key[2])) for key in _steps(city)}


def test_a_changed_unit_or_on_time_mark_moves_the_counts(city: City, clock: Any) -> None:
    no = report(city)  # a manhole: the rules send it to the facility unit
    dispatched(city, no)
    assert rollups.check(city.rt).ok
    assert _units(city) == {city.units["facility"]}, "the report step moved to the unit it was dispatched to"
    # the unit asks to return it, the dispatcher agrees and sends it to sanitation: every step follows
    step(city, "facility", no, Action.REQUEST_RETURN, note="不属于本单位职责")
    step(city, "dispatcher", no, Action.APPROVE_RETURN, note="同意退回")
    step(city, "dispatcher", no, Action.DISPATCH, unit_id=city.units["sanitation"], override_reason="改派环卫")
    assert rollups.check(city.rt).ok
    assert _units(city) == {city.units["sanitation"]}
    clock.advance(hours=1)
    step(city, "sanitation", no, Action.HANDLE, note="已处理")
    stored = _steps(city)
    assert sum(ok for _, ok in stored.values()) == sum(n for n, _ in stored.values()) > 0, \
        "handled on time: every step of the case counts as on time"
    with city.rt.uow(readonly=True) as uow:
        states = {k[1:]: n for k, (n, _) in uow.rollups.stored().items() if k[0] == "state"}
    assert states == {("handled", "410802"): 1}, states
    assert rollups.check(city.rt).ok


def test_the_dashboard_reads_the_same_figures_from_the_rollups(city: City, clock: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _month(city, clock)
    assert rollups.usable(city.rt)
    from_rollups = dashboard.figures(city.rt).to_dict()
    monkeypatch.setattr(rollups, "usable", lambda *a, **k: False)
    live = dashboard.figures(city.rt).to_dict()
    assert from_rollups == live
    assert sum(live["trend_reported"]) > 0 and live["month"]["closed"] > 0


def test_a_rebuild_refiles_the_same_rows_and_a_zone_change_turns_them_off(city: City, clock: Any) -> None:
    _month(city, clock)
    with city.rt.uow(readonly=True) as uow:
        before = uow.rollups.stored()
    rollups.rebuild(city.rt)
    with city.rt.uow(readonly=True) as uow:
        assert uow.rollups.stored() == before
    with city.rt.uow() as uow:  # as if the rollups had been filed for another zone
        uow.conn.exec_driver_sql("UPDATE rollup_settings SET utc_offset_minutes = 0")
        uow.commit()
    city.rt.cache.drop("rollup_offset")
    assert not rollups.usable(city.rt)
    assert rollups.rebuild(city.rt) == len([k for k in before if k[0] == "step"])
    assert rollups.usable(city.rt) and rollups.check(city.rt).ok


def test_steps_written_in_one_statement_are_filed_together(city: City, clock: Any) -> None:
    """The intake writer and the bulk load write many rows per statement; PostgreSQL files them with one
    trigger call per statement (migration 0018), grouped by rollup key, and two steps of one statement
    may share a key (two comments on one case the same day)."""
    numbers = [report(city), report(city, seq=4), report(city, GARBAGE, seq=5)]
    actor = city.actor("dispatcher")
    with city.rt.uow() as uow:
        cases = [uow.cases.get(no) for no in numbers]
        at = city.rt.now()
        comments = [Event(action=Action.COMMENT, from_state=c.state, to_state=c.state, actor=actor, at=at,
                          note="已电话联系", case_id=c.id)
                    for c in (cases[0], cases[0], cases[1], cases[2]) if c is not None]
        uow.cases.append_notes(comments)
        uow.commit()
    assert rollups.check(city.rt).ok
    stored = _steps(city)
    assert sum(n for key, (n, _) in stored.items() if key[1] == "comment") == 4
    assert sum(n for key, (n, _) in stored.items() if key[1] == "report") == 3
    with city.rt.uow(readonly=True) as uow:
        states = {k[1:]: n for k, (n, _) in uow.rollups.stored().items() if k[0] == "state"}
    assert sum(states.values()) == 3
