"""Deadline sweep (超期巡检): recompute the timer lights of cases on the clock and act on the changes.

- turning yellow (≥ 80% of the limit used): one automatic reminder (催办: a `remind` event and a notice
  to the unit);
- turning red (past the deadline): one `overdue` event, and automatic supervision (督办: a `supervise`
  event and a white supervision ticket to the unit, unless the case already has an open ticket).

"Once" means once per clock episode: an episode starts with the dispatch, a rework (返工), an approved
extension (延期) or a resumption after suspension (挂账恢复); each of those gives the case a new
deadline, so it may be reminded and supervised again. The guard is the case's own step log (the last
automatic remind / overdue / supervise compared with the last episode start), re-read under the
case's row lock inside the transaction that writes the events, the ticket and the outbox rows. So a
second sweep, or a second worker racing this one, does nothing, and a crash leaves nothing half-done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from citysteward.cases.domain.case import Case
from citysteward.cases.domain.lifecycle import Timing, apply_action
from citysteward.cases.domain.model import Action
from citysteward.catalogue import services as catalogue_services
from citysteward.kernel import deadlines
from citysteward.kernel.actor import Actor
from citysteward.kernel.calendar import WorkCalendar
from citysteward.notify import services as notify
from citysteward.org.services import accounts
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain import escalation
from citysteward.supervision.domain.tickets import SupervisionRules, TicketSource
from citysteward.supervision.ports import unit_of_work
from citysteward.supervision.services import tickets as supervision_service
from citysteward.worktime import services as worktime_services

EPISODE_STARTS = tuple(sorted(a.value for a in escalation.EPISODE_STARTS))
_NO_MARKS = {"start": 0, "remind": 0, "overdue": 0, "supervise": 0}
Light = deadlines.Light


@dataclass
class SweepResult:
    scanned: int = 0
    changed: int = 0
    overdue: int = 0
    reminded: int = 0
    supervised: int = 0
    tickets: int = 0


def _light(case: Case, now: datetime, calendar: WorkCalendar) -> str | None:
    if case.deadline is None or not case.limit_minutes:
        return None
    clock = deadlines.clock_for(case.limit) if case.limit else "working"
    return deadlines.timer_light(now, case.deadline, case.limit_minutes, clock, calendar).value


def _due(light: str | None, marks: dict[str, int]) -> set[str]:
    """What this episode still lacks at this light (the rule: `supervision.domain.escalation`)."""
    episode = escalation.Episode.from_markers(marks["start"], marks["remind"], marks["overdue"], marks["supervise"])
    return {a.value for a in escalation.escalation_due(Light(light) if light is not None else None, episode)}


def sweep(rt: Runtime, batch: int = 500) -> SweepResult:
    result = SweepResult()
    calendar = worktime_services.calendar(rt)
    sup_rules = supervision_service.rules(rt)
    now = rt.now()
    after = 0
    while True:
        with unit_of_work(rt, readonly=True) as uow:
            cases = uow.cases.open_for_sweep(after, batch)
            lights = {c.id: _light(c, now, calendar) for c in cases}
            warm = [c.id for c in cases if c.id is not None and lights[c.id] in (Light.YELLOW, Light.RED)]
            marks = uow.supervision.case_markers(warm, EPISODE_STARTS)
        to_act: list[int] = []
        repaint: list[tuple[int, str, int]] = []
        for case in cases:
            assert case.id is not None
            after = case.id
            result.scanned += 1
            light = lights[case.id]
            if light is None:
                continue
            if _due(light, marks.get(case.id, _NO_MARKS)):
                to_act.append(case.id)
            elif light != case.light:
                repaint.append((case.id, light, case.version))
        if repaint:
            with unit_of_work(rt) as uow:
                for case_id, light, version in repaint:
                    result.changed += int(uow.supervision.set_light(case_id, light, version))
                uow.commit()
        for case_id in to_act:
            _act(rt, case_id, calendar, sup_rules, result)
        if len(cases) < batch:
            return result


def _act(rt: Runtime, case_id: int, calendar: WorkCalendar, sup_rules: SupervisionRules,
         result: SweepResult) -> None:
    """One case, one transaction: re-check under the row lock, then the events, ticket and notices."""
    now = rt.now()
    units = accounts.unit_names(rt)
    catalogue = catalogue_services.catalogue(rt)
    with unit_of_work(rt) as uow:
        uow.supervision.lock_case(case_id)
        case = uow.cases.get_by_id(case_id)
        if case is None or not case.state.clock_running:
            return
        light = _light(case, now, calendar)
        marks = uow.supervision.case_markers([case_id], EPISODE_STARTS).get(case_id, _NO_MARKS)
        due = _due(light, marks)
        if not due:
            if light is not None and light != case.light:
                uow.supervision.set_light(case_id, light, case.version)
                uow.commit()
            return
        marks_start = marks["start"]
        version = case.version
        timing = Timing(calendar)
        events = []
        unit_name = units.get(case.main_unit_id or 0, "责任单位")
        deadline = case.deadline.astimezone(rt.settings.tz) if case.deadline else None
        link = f"/api/v1/cases/{case.case_no}"
        if "remind" in due:
            actor, params = escalation.escalation_step(Action.REMIND, case, unit_name=unit_name, tz=rt.settings.tz,
                                                           at=now)
            events.append(apply_action(case, Action.REMIND, actor, now, params, timing))
            if case.main_unit_id:
                notify.notify_unit(uow, rt.settings, now, case.main_unit_id, f"【催办】案件 {case.case_no} 即将超期",
                                   f"处置期限 {deadline:%Y-%m-%d %H:%M}，请抓紧处置并反馈。", link,
                                   dedupe=f"remind:{case.id}:{marks_start}")
            result.reminded += 1
        if "overdue" in due:
            actor, params = escalation.escalation_step(Action.OVERDUE, case, unit_name=unit_name, tz=rt.settings.tz,
                                                           at=now)
            events.append(apply_action(case, Action.OVERDUE, actor, now, params, timing))
            result.overdue += 1
        if "supervise" in due:
            assert case.id is not None  # loaded from the store
            ticket_id = uow.supervision.open_ticket_for_case(case.id)
            ticket_no = None
            system = Actor.system(escalation.SIGNED_BY[Action.SUPERVISE])
            if ticket_id is None and case.main_unit_id:
                ticket = supervision_service.issue_in(
                    uow, rt, now, system, level=sup_rules.auto_level, source=TicketSource.AUTO,
                    title=f"案件 {case.case_no} 超期未处置",
                    content=f"案件 {case.case_no}（{catalogue.name(case.category_code)}，{case.address}）"
                            f"已超过处置期限 {deadline:%Y-%m-%d %H:%M}，请立即处置并回复整改情况。",
                    unit_ids=(case.main_unit_id,), case_ids=(case.id,), lon=case.lon, lat=case.lat,
                    address=case.address)
                ticket_no = ticket.ticket_no
                result.tickets += 1
            elif ticket_id is not None:
                existing = uow.supervision.get_ticket_by_id(ticket_id)
                ticket_no = existing.ticket_no if existing else None
            actor, params = escalation.escalation_step(Action.SUPERVISE, case, unit_name=unit_name, tz=rt.settings.tz,
                                                           at=now, ticket_no=ticket_no)
            events.append(apply_action(case, Action.SUPERVISE, actor, now, params, timing))
            result.supervised += 1
        case.light = light
        uow.cases.save(case, version)
        for event in events:
            uow.cases.append_event(event)
        uow.commit()
    result.changed += 1
