"""Escalation at the timer light (超期巡检): what the deadline sweep does to a case on the clock.

- yellow (≥ 80% of the limit used): one automatic reminder (催办, `remind`);
- red (past the deadline): one `overdue` mark and one automatic supervision (督办, `supervise`).

"One" means once per clock episode. An episode starts with the dispatch, a rework (返工), an approved
extension (延期) or a resumption after suspension (挂账恢复): each gives the case a new deadline, so it
may be reminded and supervised again. The live sweep (`supervision/services/sweep.py`) reads the
episode from the case's step log; the demo generator keeps it while it plays a case. Both ask
`escalation_due` what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from citysteward.cases.domain.case import Case, Event
from citysteward.cases.domain.lifecycle import ActionParams
from citysteward.cases.domain.model import Action
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.deadlines import Light

EPISODE_STARTS: frozenset[Action] = frozenset(
    {Action.DISPATCH, Action.CHECK_FAIL, Action.APPROVE_EXTENSION, Action.RESUME})

# light -> the automatic steps a sweep takes at that light, in this order
ESCALATION: Mapping[Light, tuple[Action, ...]] = {
    Light.YELLOW: (Action.REMIND,),
    Light.RED: (Action.OVERDUE, Action.SUPERVISE),
}
AUTOMATIC: frozenset[Action] = frozenset(a for steps in ESCALATION.values() for a in steps)


@dataclass(frozen=True)
class Episode:
    """The case's current clock episode, as far as escalation goes: whether one has started, and the
    automatic steps already taken in it."""

    started: bool = False
    taken: frozenset[Action] = frozenset()

    def after(self, event: Event) -> Episode:
        """An episode start opens a fresh episode; the system's own remind, overdue or supervise is
        remembered (a supervisor's manual 督办 is not the automatic one)."""
        if event.action in EPISODE_STARTS:
            return Episode(started=True)
        if event.action in AUTOMATIC and event.actor.role is Role.SYSTEM:
            return Episode(self.started, self.taken | {event.action})
        return self

    @classmethod
    def from_markers(cls, start: int, remind: int, overdue: int, supervise: int) -> Episode:
        """From the step log's event ids (0: none): the last episode start and the last automatic
        remind, overdue and supervise. A step not before the start belongs to this episode."""
        last = {Action.REMIND: remind, Action.OVERDUE: overdue, Action.SUPERVISE: supervise}
        return cls(started=start > 0, taken=frozenset(a for a, at in last.items() if at >= start))


def escalation_due(light: Light | None, episode: Episode) -> tuple[Action, ...]:
    """The automatic steps a sweep takes now: those of this light not yet taken in this episode
    (nothing before the first dispatch, nothing without a light)."""
    if light is None or not episode.started:
        return ()
    return tuple(a for a in ESCALATION.get(light, ()) if a not in episode.taken)


# Who the system signs each automatic step as, and what it writes: the live sweep and the demo alike.
SIGNED_BY: Mapping[Action, str] = {
    Action.REMIND: "黄灯自动催办", Action.OVERDUE: "超期巡检", Action.SUPERVISE: "红灯自动督办",
}


def escalation_step(action: Action, case: Case, *, unit_name: str, tz: tzinfo, at: datetime,
                    ticket_no: str | None = None) -> tuple[Actor, ActionParams]:
    """The actor and the parameters of one automatic step (`remind`, `overdue` or `supervise`)."""
    actor = Actor.system(SIGNED_BY[action])
    if action is Action.REMIND:
        local = (case.deadline or at).astimezone(tz)
        return actor, ActionParams(note=f"案件已用时超过处置时限的 80%，请 {unit_name} 抓紧处置（期限 {local:%Y-%m-%d %H:%M}）",
                                   payload={"auto": True, "light": Light.YELLOW.value})
    if action is Action.OVERDUE:
        return actor, ActionParams(payload={"deadline": case.deadline.isoformat() if case.deadline else None})
    if action is Action.SUPERVISE:
        note = f"红灯超期，自动督办（督导单 {ticket_no}）" if ticket_no else "红灯超期，自动督办"
        return actor, ActionParams(note=note, payload={"auto": True, "light": Light.RED.value, "ticket_no": ticket_no})
    raise ValueError(f"not an automatic escalation step: {action}")
