"""The transition table and its guards, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citysteward.cases.domain.case import Case
from citysteward.cases.domain.lifecycle import TRANSITIONS, ActionParams, Timing, allowed_actions, apply_action
from citysteward.cases.domain.model import FINAL_STATES, Action, CaseState, Satisfaction, Source
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.calendar import WorkCalendar
from citysteward.kernel.errors import DomainError, Forbidden, IllegalTransition, InvalidInput
from citysteward.kernel.timelimit import LimitUnit, TimeLimit

T0 = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
CAL = WorkCalendar(loaded_years={2026, 2027})
TIMING = Timing(CAL, TimeLimit(4, LimitUnit.WORKING_HOURS))
UNIT = Actor(Role.UNIT, 7, "单位", unit_id=3)
ACTORS = {r: Actor(r, 1, r.label) for r in Role} | {Role.UNIT: UNIT}


def new_case(**kw: object) -> Case:
    base = dict(case_no="JZ20261117-00001", state=CaseState.REPORTED, source=Source.HOTLINE, category_code="06010",
                urgency="normal", description="x", lon=113.2, lat=35.2, grid_code="410802001001001",
                community_code="410802001001", street_code="410802001", district_code="410802", reported_at=T0,
                id=1, reporter_user_id=1)
    base.update(kw)
    return Case(**base)  # type: ignore[arg-type]


def params_for(action: Action) -> ActionParams:
    return ActionParams(note="说明", unit_id=3, merged_into="JZ20261117-00002", satisfaction=Satisfaction.SATISFIED,
                        extension=TimeLimit(2, LimitUnit.WORKING_HOURS), override_reason="理由")


def test_every_state_is_reachable_and_final_states_have_no_way_out_but_citizen_feedback() -> None:
    reachable = {CaseState.REPORTED}
    for (_state, _action), (nxt, _roles) in TRANSITIONS.items():
        if nxt:
            reachable.add(nxt)
    assert reachable == set(CaseState)
    for (state, action), (nxt, _roles) in TRANSITIONS.items():
        if state in FINAL_STATES and nxt is not None:
            assert (state, action) == (CaseState.CLOSED, Action.REOPEN)


@pytest.mark.parametrize(("state", "action"), [(s, a) for (s, a) in TRANSITIONS if a is not Action.COMMENT])
def test_roles_outside_the_table_are_forbidden(state: CaseState, action: Action) -> None:
    _nxt, roles = TRANSITIONS[(state, action)]
    outsider = next(r for r in Role if r not in roles)
    with pytest.raises(Forbidden):
        apply_action(new_case(state=state, main_unit_id=3), action, ACTORS[outsider], T0, params_for(action), TIMING)


def test_actions_missing_from_the_table_are_illegal_transitions() -> None:
    with pytest.raises(IllegalTransition) as err:
        apply_action(new_case(), Action.CLOSE, ACTORS[Role.SHIFT_LEADER], T0, ActionParams(), TIMING)
    assert "待受理" in err.value.message and "结案" in err.value.message


def test_dispatch_starts_the_clock_and_rework_restarts_it() -> None:
    case = new_case(state=CaseState.REGISTERED)
    apply_action(case, Action.DISPATCH, ACTORS[Role.DISPATCHER], T0, ActionParams(unit_id=3), TIMING)
    # 10:00 local + 4 working hours: 10:00-12:00 and 14:30-16:30
    assert case.deadline == T0 + timedelta(hours=6, minutes=30) and case.light == "green"
    case.state = CaseState.HANDLED
    later = T0 + timedelta(days=1)
    apply_action(case, Action.CHECK_FAIL, ACTORS[Role.INSPECTOR], later, ActionParams(note="未修好"), TIMING)
    assert case.state is CaseState.DISPATCHED and case.rework_count == 1 and case.deadline == later + timedelta(hours=6, minutes=30)


def test_only_the_main_unit_handles_and_requests_wait_for_the_dispatcher() -> None:
    case = new_case(state=CaseState.IN_PROGRESS, main_unit_id=9, deadline=T0 + timedelta(hours=4), limit_minutes=240,
                    limit=TIMING.limit)
    with pytest.raises(Forbidden):
        apply_action(case, Action.HANDLE, UNIT, T0, ActionParams(note="x"), TIMING)
    case.main_unit_id = 3
    with pytest.raises(IllegalTransition):
        apply_action(case, Action.APPROVE_EXTENSION, ACTORS[Role.DISPATCHER], T0, ActionParams(), TIMING)
    apply_action(case, Action.REQUEST_EXTENSION, UNIT, T0, params_for(Action.REQUEST_EXTENSION), TIMING)
    with pytest.raises(IllegalTransition):
        apply_action(case, Action.REQUEST_RETURN, UNIT, T0, ActionParams(note="x"), TIMING)
    apply_action(case, Action.APPROVE_EXTENSION, ACTORS[Role.DISPATCHER], T0, ActionParams(), TIMING)
    assert case.pending_request is None and case.extension_count == 1
    # the old deadline was 14:00 local (lunch break): 2 more working hours run 14:30-16:30
    assert case.deadline == T0 + timedelta(hours=6, minutes=30)


def test_reasons_are_required_where_the_standard_asks_for_them() -> None:
    for action in (Action.VOID, Action.REJECT):
        with pytest.raises(InvalidInput):
            apply_action(new_case(), action, ACTORS[Role.ACCEPTOR], T0, ActionParams(note="  "), TIMING)


def test_allowed_actions_match_the_table_for_each_role() -> None:
    case = new_case()
    assert set(allowed_actions(case, ACTORS[Role.ACCEPTOR])) == {
        Action.ACCEPT, Action.REGISTER, Action.VOID, Action.REJECT, Action.MERGE, Action.COMMENT}
    assert allowed_actions(case, ACTORS[Role.DISPATCHER]) == [Action.COMMENT]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Action)), st.sampled_from(list(Role))), max_size=40))
def test_random_action_sequences_only_ever_follow_the_table(steps: list[tuple[Action, Role]]) -> None:
    case = new_case(main_unit_id=3)
    at = T0
    for action, role in steps:
        at += timedelta(minutes=30)
        before = case.state
        try:
            event = apply_action(case, action, ACTORS[role], at, params_for(action), TIMING)
        except DomainError:
            assert case.state is before  # a refused action changes no state
            continue
        nxt, roles = TRANSITIONS[(before, action)]
        assert role in roles
        assert case.state is (nxt or before)
        assert event.from_state is before and event.to_state is case.state
        if case.state is CaseState.DISPATCHED:
            assert case.deadline is not None and case.main_unit_id is not None
