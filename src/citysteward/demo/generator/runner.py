"""The life of one case: its plan played step by step through the real transition table
(`cases.domain.lifecycle.apply_action`), with the escalation sweep acting between the steps as the live
worker would (`supervision.domain.escalation`). A step due after `now` has not happened yet."""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from citysteward.cases.domain.case import Case, Event
from citysteward.cases.domain.lifecycle import TRANSITIONS, ActionParams, Timing, apply_action
from citysteward.cases.domain.model import Action, CaseState, Satisfaction, Source
from citysteward.cases.domain.routing import RoutingDecision, record_suggestion
from citysteward.demo.generator.plan import Plan
from citysteward.demo.generator.words import NOTES, handle_note
from citysteward.kernel import deadlines
from citysteward.kernel.actor import Actor
from citysteward.kernel.deadlines import Light
from citysteward.kernel.timelimit import LimitUnit, TimeLimit
from citysteward.supervision.domain.escalation import Episode, escalation_due, escalation_step

if TYPE_CHECKING:
    from citysteward.demo.generator.year import YearOfCases

A, S = Action, CaseState


class _Stop(Exception):
    """The next step has not happened yet (it is due after now, or the case is held)."""


class Runner:
    """Plays one case's plan through the real transition table."""

    def __init__(self, gen: YearOfCases, case: Case, plan: Plan, inspector: Actor) -> None:
        self.g = gen
        self.ctx = gen.ctx
        self.case = case
        self.plan = plan
        self.inspector = inspector
        self.events: list[Event] = []
        self.last = case.reported_at
        self.cat = gen.ctx.categories[case.category_code]
        self.limit = self.cat.limit_for(case.urgency)
        self.clock = deadlines.clock_for(self.limit)
        self.extras: list[tuple[datetime, Action, Actor, str]] = []
        self.episode = Episode()  # the clock episode: what the sweep already did since the last (re)start
        self.suggested: RoutingDecision | None = None
        self.final_at: datetime | None = None

    # --- time helpers --------------------------------------------------------------------------
    def daytime(self, t: datetime, start: float = 7.5, end: float = 21.5) -> datetime:
        """Push `t` into the command centre's hours (local `start`..`end`)."""
        local = t.astimezone(self.ctx.tz)
        h = local.hour + local.minute / 60
        if start <= h < end:
            return t
        day = local.date() if h < start else local.date() + timedelta(days=1)
        opening = datetime(day.year, day.month, day.day, tzinfo=self.ctx.tz) + timedelta(hours=start)
        return (opening + timedelta(minutes=self.g.rnd.uniform(2, 45))).astimezone(t.tzinfo)

    def later(self, t: datetime, lo_min: float, hi_min: float, start: float = 7.5, end: float = 21.5) -> datetime:
        return self.daytime(t + timedelta(minutes=self.g.rnd.uniform(lo_min, hi_min)), start, end)

    def on_clock(self, t: datetime, minutes: float) -> datetime:
        """`minutes` after t on the case's clock (working time or wall clock)."""
        if self.clock == "natural":
            return t + timedelta(minutes=minutes)
        return self.ctx.calendar.add_working_minutes(t, minutes)

    def between(self, t: datetime, end: datetime, frac: float) -> datetime:
        if end <= t:
            return t + timedelta(minutes=self.g.rnd.uniform(5, 40))
        span = deadlines.elapsed_minutes(t, end, self.clock, self.ctx.calendar)
        return self.on_clock(t, max(1.0, frac * span))

    # --- stepping ------------------------------------------------------------------------------
    def step(self, action: Action, actor: Actor, at: datetime, **kw: Any) -> Event:
        at = max(at.replace(microsecond=0), self.last)
        if at > self.ctx.now:
            raise _Stop
        self.catch_up(at)
        at = max(at, self.last)
        case = self.case
        if case.state.clock_running and case.deadline is not None and case.limit_minutes:
            case.light = deadlines.timer_light(at, case.deadline, case.limit_minutes, self.clock,
                                               self.ctx.calendar).value
        params = ActionParams(**kw)
        routing = None
        if action is A.REGISTER:
            decision = self.g.route(case)
            self.suggested = decision
            routing = record_suggestion(case, decision)
        event = apply_action(case, action, actor, at, params, Timing(self.ctx.calendar, self.limit))
        if routing is not None:
            event.payload["routing"] = routing
        self.record(event)
        if self.plan.hold is case.state or self.plan.hold is action:
            raise _Stop
        return event

    def record(self, event: Event) -> None:
        self.events.append(event)
        self.last = event.at
        if len(self.events) > 1:
            self.case.version += 1
        if self.case.state.is_final and self.final_at is None:
            self.final_at = event.at
        self.episode = self.episode.after(event)

    def catch_up(self, until: datetime) -> None:
        """What happened before `until` without anyone acting on the case: the escalation sweep
        (what it does is `escalation_due`'s, the rule services/sweep.py follows) and citizens' "me too"."""
        while True:
            case = self.case
            run = self.sweep_due()
            extra = self.extras[0] if self.extras and self.extras[0][0] < until else None
            if run is not None and run[0] < until and (extra is None or run[0] <= extra[0]):
                self.sweep(*run)
                continue
            if extra is None:
                return
            self.extras.pop(0)
            at, action, actor, note = extra
            at = max(at.replace(microsecond=0), self.last)
            if (case.state, action) not in TRANSITIONS:
                continue
            event = apply_action(case, action, actor, at, ActionParams(note=note), Timing(self.ctx.calendar, self.limit))
            self.record(event)

    def sweep_due(self) -> tuple[datetime, Light, tuple[Action, ...]] | None:
        """The first sweep run that has something to do on this case: when, the light it sees, what."""
        case = self.case
        if not case.state.clock_running or case.deadline is None or not case.limit_minutes:
            return None
        total, start, cal = case.limit_minutes, self.last, self.ctx.calendar
        if escalation_due(Light.YELLOW, self.episode):  # a reminder may still come before the deadline
            if self.clock == "natural":
                yellow = case.deadline - timedelta(minutes=0.2 * total - 0.5)
            else:
                left = deadlines.elapsed_minutes(start, case.deadline, "working", cal)
                yellow = cal.add_working_minutes(start, max(0.0, left - 0.2 * total + 0.5))
            at = self.g.sweep_after(max(yellow, start))
            if at <= case.deadline:
                light = deadlines.timer_light(at, case.deadline, total, self.clock, cal)
                due = escalation_due(light, self.episode)
                if due:
                    return at, light, due
        if escalation_due(Light.RED, self.episode):
            at = self.g.sweep_after(max(case.deadline, start))
            light = deadlines.timer_light(at, case.deadline, total, self.clock, cal)
            return at, light, escalation_due(light, self.episode)
        return None

    def sweep(self, at: datetime, light: Light, due: tuple[Action, ...]) -> None:
        case, cal = self.case, self.ctx.calendar
        unit = self.ctx.unit_names.get(case.main_unit_id or 0, "责任单位")
        for action in due:
            actor, params = escalation_step(action, case, unit_name=unit, tz=self.ctx.tz, at=at)
            self.record(apply_action(case, action, actor, at, params, Timing(cal)))
        case.light = light.value

    def schedule(self, at: datetime, action: Action, actor: Actor, note: str = "") -> None:
        bisect.insort(self.extras, (at, action, actor, note), key=lambda e: e[0])

    def finish(self) -> None:
        """Bring the case up to `now`: pending sweeps and extras, and the live timer light."""
        self.catch_up(self.ctx.now)
        case = self.case
        if case.state.clock_running and case.deadline is not None and case.limit_minutes:
            case.light = deadlines.timer_light(self.ctx.now, case.deadline, case.limit_minutes, self.clock,
                                               self.ctx.calendar).value

    # --- the story -----------------------------------------------------------------------------
    def run(self) -> None:
        try:
            if self.plan.hold is S.REPORTED:
                raise _Stop
            self.intake()
            if self.case.state.is_final or self.case.state is S.CHECKED:
                self.close_and_after()
                return
            self.dispatch_and_handle()
            self.close_and_after()
        except _Stop:
            pass
        self.finish()

    def intake(self) -> None:
        g, p, case, people = self.g, self.plan, self.case, self.ctx.people
        t = case.reported_at
        if p.fate == "self_handle":
            self.step(A.SELF_HANDLE, self.inspector, t, note="现场自处理")
            return
        acceptor = g.pick(people.acceptors)
        if p.me_too:
            for _ in range(p.me_too):
                self.schedule(t + timedelta(minutes=g.rnd.uniform(20, 3 * 24 * 60)), A.ME_TOO, g.citizen)
        t = self.later(t, 3, 40)
        if p.fate in ("void", "reject"):
            self.step(A.VOID if p.fate == "void" else A.REJECT, acceptor, t, note=g.rnd.choice(NOTES[p.fate]))
            return
        if p.fate == "merge":
            target = g.merge_target(case, t)
            if target is None:
                self.step(A.VOID, acceptor, t, note="重复上报，作废")
            else:
                self.step(A.MERGE, acceptor, t, merged_into=target, note=f"与案件 {target} 重复，合并处理")
            return
        if p.verify:
            self.step(A.ACCEPT, acceptor, t)
            t = self.later(t, 20, 240, 8.0, 19.0)
            if p.fate == "refute":
                self.step(A.REFUTE, self.inspector, t, note=g.rnd.choice(NOTES["refute"]))
                return
            self.step(A.VERIFY, self.inspector, t, note=g.rnd.choice(NOTES["verify"]))
            t = self.later(t, 3, 30)
        self.step(A.REGISTER, acceptor, t)

    def dispatch_and_handle(self) -> None:
        g, p, case, people = self.g, self.plan, self.case, self.ctx.people
        dispatcher = g.pick(people.dispatchers)
        decision = self.suggested
        override = ""
        assisting: tuple[int, ...]
        if decision is None or decision.unit_id is None:  # no rule: the district (属地) takes it
            unit_id, assisting = self.ctx.territorial_units[case.district_code], ()
        else:
            unit_id, assisting = decision.unit_id, decision.assisting_unit_ids
            if p.override:
                other = g.other_unit(case, unit_id)
                if other != unit_id:
                    override = g.rnd.choice(NOTES["override"]).format(unit=self.ctx.unit_names[other])
                    unit_id, assisting = other, ()
        t = self.later(self.last, 5, 45)
        self.step(A.DISPATCH, dispatcher, t, unit_id=unit_id, assisting_unit_ids=assisting, override_reason=override)
        if p.ret:
            self.unit_return(dispatcher)
        self.handle(dispatcher, first=True)
        while True:
            t = self.later(self.last, 20, 300, 8.0, 19.0)
            if p.reworks > 0 and case.rework_count < p.reworks:
                self.step(A.CHECK_FAIL, self.inspector, t, note=g.rnd.choice(NOTES["check_fail"]))
                self.handle(dispatcher, first=False)
                continue
            self.step(A.CHECK_PASS, self.inspector, t)
            if p.close_fail and case.rework_count == p.reworks:
                p.close_fail = False
                t = self.later(self.last, 10, 240)
                self.step(A.CHECK_FAIL, g.pick(people.shift_leaders), t, note=g.rnd.choice(NOTES["close_fail"]))
                self.handle(dispatcher, first=False)
                continue
            return

    def unit_return(self, dispatcher: Actor) -> None:
        g, p, case = self.g, self.plan, self.case
        unit = self.ctx.people.units[case.main_unit_id or 0]
        t = self.ctx.calendar.add_working_minutes(self.last, g.rnd.uniform(20, 480))
        self.step(A.REQUEST_RETURN, unit, t, note=g.rnd.choice(NOTES["return"]))
        t = self.later(self.last, 10, 180)
        if p.ret == "deny":
            self.step(A.DENY_RETURN, dispatcher, t, note=g.rnd.choice(NOTES["deny"]))
            return
        self.step(A.APPROVE_RETURN, dispatcher, t)
        previous = self.events[-1].payload.get("returned_by_unit")
        other = g.other_unit(case, previous)
        t = self.later(self.last, 5, 60)
        self.step(A.DISPATCH, dispatcher, t, unit_id=other,
                  override_reason=g.rnd.choice(NOTES["override"]).format(unit=self.ctx.unit_names[other]))

    def handle(self, dispatcher: Actor, first: bool) -> None:
        g, p, case = self.g, self.plan, self.case
        unit = self.ctx.people.units[case.main_unit_id or 0]
        if first and p.accept_task:
            self.step(A.ACCEPT_TASK, unit, self.on_clock(self.last, g.rnd.uniform(5, 90)))
        if first and p.extension and case.deadline is not None:
            t = self.between(self.last, case.deadline, g.rnd.uniform(0.4, 0.9))
            self.step(A.REQUEST_EXTENSION, unit, t, note=g.rnd.choice(NOTES["extension"]),
                      extension=self.extension_amount())
            t = self.later(self.last, 10, 240)
            if p.extension == "approve":
                self.step(A.APPROVE_EXTENSION, dispatcher, t)
            else:
                self.step(A.DENY_EXTENSION, dispatcher, t, note=g.rnd.choice(NOTES["deny"]))
        if first and p.suspend and case.state is S.IN_PROGRESS and case.deadline is not None:
            t = self.between(self.last, case.deadline, g.rnd.uniform(0.2, 0.6))
            self.step(A.REQUEST_SUSPEND, unit, t, note=g.rnd.choice(NOTES["suspend"]))
            t = self.later(self.last, 30, 480)
            if p.suspend == "approve":
                self.step(A.APPROVE_SUSPEND, dispatcher, t)
                days = g.rnd.uniform(60, 300) if p.long_suspend else g.rnd.uniform(2, 40)
                self.step(A.RESUME, dispatcher, self.daytime(self.last + timedelta(days=days)))
            else:
                self.step(A.DENY_SUSPEND, dispatcher, t, note=g.rnd.choice(NOTES["deny"]))
        deadline = case.deadline or self.last
        if p.on_time and first:
            t = self.between(self.last, deadline, g.rnd.betavariate(2.0, 2.6))
        elif first:
            over = g.rnd.uniform(1.5, 8.0) if p.long_overdue else g.rnd.uniform(0.05, 1.0)
            t = max(self.on_clock(deadline, over * (case.limit_minutes or 240)), self.last)
        else:  # rework: a fresh limit, usually kept
            t = self.between(self.last, deadline, g.rnd.uniform(0.2, 0.95))
        self.step(A.HANDLE, unit, t, note=handle_note(g.rnd, case.category_code))

    def extension_amount(self) -> TimeLimit:
        rnd = self.g.rnd
        if self.limit.unit is LimitUnit.WORKING_DAYS:
            return TimeLimit(float(rnd.choice((1, 2, 3, 5))), LimitUnit.WORKING_DAYS)
        if self.limit.unit is LimitUnit.WORKING_HOURS:
            return TimeLimit(float(rnd.choice((2, 4, 8))), LimitUnit.WORKING_HOURS)
        return TimeLimit(float(rnd.choice((6, 12, 24))), LimitUnit.NATURAL_HOURS)

    def close_and_after(self) -> None:
        g, p, case, people = self.g, self.plan, self.case, self.ctx.people
        if case.state is not S.CHECKED:
            return
        leader = g.pick(people.shift_leaders)
        self.step(A.CLOSE, leader, self.later(self.last, 10, 360))
        citizen_side = case.source in (Source.CITIZEN, Source.HOTLINE, Source.OPEN311)
        if not citizen_side:
            return
        rater = g.citizen if case.source is not Source.HOTLINE else g.pick(people.hotline)
        if p.reopen:
            self.step(A.REOPEN, rater, self.later(self.last, 120, 3 * 24 * 60, 8.0, 21.0),
                      note=g.rnd.choice(NOTES["reopen"]))
            self.step(A.CHECK_PASS, self.inspector, self.later(self.last, 60, 600, 8.0, 19.0))
            self.step(A.CLOSE, leader, self.later(self.last, 10, 360))
        if p.rate:
            r = g.rnd.random()
            sat = Satisfaction.SATISFIED if r < 0.8 else Satisfaction.BASICALLY if r < 0.95 else Satisfaction.UNSATISFIED
            self.step(A.RATE, rater, self.later(self.last, 60, 3 * 24 * 60, 8.0, 21.0), satisfaction=sat)
