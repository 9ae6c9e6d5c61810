"""Deadline sweep: recompute timer lights of cases on the clock and mark newly overdue ones.

Idempotent: a second run at the same moment changes nothing. A case turning red gets one `overdue`
event (under optimistic concurrency, so a concurrent action wins and the next sweep retries)."""

from __future__ import annotations

from dataclasses import dataclass

from citysteward.domain import deadlines
from citysteward.domain.cases import Actor
from citysteward.domain.errors import StaleCase
from citysteward.domain.lifecycle import ActionParams, Timing, apply_action
from citysteward.domain.model import Action
from citysteward.services import reference
from citysteward.services.runtime import Runtime


@dataclass
class SweepResult:
    scanned: int = 0
    changed: int = 0
    overdue: int = 0


def sweep(rt: Runtime, batch: int = 500) -> SweepResult:
    result = SweepResult()
    calendar = reference.calendar(rt)
    now = rt.now()
    after = 0
    system = Actor.system("超期巡检")
    while True:
        with rt.uow() as uow:
            cases = uow.cases.open_for_sweep(after, batch)
            for case in cases:
                assert case.id is not None
                after = case.id
                result.scanned += 1
                if case.deadline is None or not case.limit_minutes:
                    continue
                clock = deadlines.clock_for(case.limit) if case.limit else "working"
                light = deadlines.timer_light(now, case.deadline, case.limit_minutes, clock, calendar).value
                if light == deadlines.Light.RED and not case.overdue:
                    version = case.version
                    event = apply_action(case, Action.OVERDUE, system, now, ActionParams(), Timing(calendar))
                    try:
                        uow.cases.save(case, version)
                    except StaleCase:
                        continue
                    uow.cases.append_event(event)
                    result.overdue += 1
                    result.changed += 1
                elif light != case.light:
                    uow.cases.update_light(case.id, light, case.overdue)
                    result.changed += 1
            uow.commit()
        if len(cases) < batch:
            return result
