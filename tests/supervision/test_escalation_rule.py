"""Escalation at the timer light, once per clock episode — the rule the live sweep and the demo share."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from citysteward.cases.domain.case import Event
from citysteward.cases.domain.model import Action, CaseState
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.deadlines import Light
from citysteward.supervision.domain.escalation import EPISODE_STARTS, Episode, escalation_due

A = Action
T0 = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
SYSTEM = Actor.system("超期巡检")
SUPERVISOR = Actor(Role.SUPERVISOR, 5, "督查员")
DISPATCHER = Actor(Role.DISPATCHER, 3, "派遣员")


def step(action: Action, actor: Actor = SYSTEM) -> Event:
    return Event(action=action, from_state=CaseState.IN_PROGRESS, to_state=CaseState.IN_PROGRESS, actor=actor, at=T0)


def episode(*taken: Action) -> Episode:
    return Episode(started=True, taken=frozenset(taken))


@pytest.mark.parametrize(("light", "taken", "due"), [
    (Light.GREEN, (), ()),
    (Light.YELLOW, (), (A.REMIND,)),
    (Light.YELLOW, (A.REMIND,), ()),
    (Light.RED, (), (A.OVERDUE, A.SUPERVISE)),  # a reminder missed at yellow is not sent late
    (Light.RED, (A.REMIND,), (A.OVERDUE, A.SUPERVISE)),
    (Light.RED, (A.REMIND, A.OVERDUE), (A.SUPERVISE,)),
    (Light.RED, (A.SUPERVISE,), (A.OVERDUE,)),
    (Light.RED, (A.OVERDUE, A.SUPERVISE), ()),
    (Light.RED, (A.REMIND, A.OVERDUE, A.SUPERVISE), ()),
    (None, (), ()),
])
def test_each_light_escalates_once_per_episode(light: Light | None, taken: tuple[Action, ...],
                                               due: tuple[Action, ...]) -> None:
    assert escalation_due(light, episode(*taken)) == due


@pytest.mark.parametrize("light", [Light.GREEN, Light.YELLOW, Light.RED])
def test_nothing_is_due_before_the_clock_first_starts(light: Light) -> None:
    assert escalation_due(light, Episode()) == ()


@pytest.mark.parametrize("start", sorted(EPISODE_STARTS))
def test_dispatch_rework_extension_and_resumption_start_a_new_episode(start: Action) -> None:
    done = episode(A.REMIND, A.OVERDUE, A.SUPERVISE)
    assert escalation_due(Light.RED, done) == ()
    fresh = done.after(step(start, DISPATCHER))
    assert fresh == Episode(started=True)
    assert escalation_due(Light.YELLOW, fresh) == (A.REMIND,)
    assert escalation_due(Light.RED, fresh) == (A.OVERDUE, A.SUPERVISE)


def test_the_episode_of_a_replayed_step_log() -> None:
    ep = Episode()
    for action in (A.DISPATCH, A.ACCEPT_TASK, A.REMIND, A.REQUEST_EXTENSION, A.OVERDUE):
        ep = ep.after(step(action, DISPATCHER if action is A.DISPATCH else SYSTEM))
    assert ep == episode(A.REMIND, A.OVERDUE)
    assert escalation_due(Light.RED, ep) == (A.SUPERVISE,)
    assert escalation_due(Light.RED, ep.after(step(A.APPROVE_EXTENSION, DISPATCHER))) == (A.OVERDUE, A.SUPERVISE)


@pytest.mark.parametrize("action", [A.REMIND, A.SUPERVISE])
def test_a_manual_reminder_or_supervision_does_not_count_as_the_automatic_one(action: Action) -> None:
    ep = episode().after(step(action, SUPERVISOR))
    assert ep == episode()


@pytest.mark.parametrize(("markers", "light", "due"), [
    # (start, remind, overdue, supervise) event ids; 0: no such step
    ((0, 0, 0, 0), Light.RED, ()),  # never dispatched
    ((10, 0, 0, 0), Light.YELLOW, (A.REMIND,)),
    ((10, 12, 0, 0), Light.YELLOW, ()),
    ((10, 12, 0, 0), Light.RED, (A.OVERDUE, A.SUPERVISE)),
    ((10, 12, 14, 15), Light.RED, ()),
    ((20, 12, 14, 15), Light.YELLOW, (A.REMIND,)),  # extended after the last escalation: a new episode
    ((20, 12, 14, 15), Light.RED, (A.OVERDUE, A.SUPERVISE)),
    ((20, 12, 24, 15), Light.RED, (A.SUPERVISE,)),
])
def test_the_episode_read_from_the_step_log_markers(markers: tuple[int, int, int, int], light: Light,
                                                    due: tuple[Action, ...]) -> None:
    assert escalation_due(light, Episode.from_markers(*markers)) == due
