"""Who may see a case, and which actions are not staff work.

Visibility: staff see every case; a responsible unit's staff (责任单位) only their unit's cases — on the
case page those it leads or assists, in the ledger and what is drawn from it (hot spots, the papers,
indicators) those it leads (an assisting unit is told through its notices). A unit asking for another
unit's case learns nothing, not even that it exists.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from citysteward.cases.domain.case import Case
from citysteward.cases.domain.ledger import CaseFilter
from citysteward.cases.domain.model import Action
from citysteward.kernel.actor import Actor, Role

# What a citizen does on a case without an account: "me too", and (with the reporter's token) rate
# or say "not fixed".
CITIZEN_ACTIONS = frozenset({Action.ME_TOO, Action.RATE, Action.REOPEN})
# Case numbers are sequential and easy to guess: rating and "not fixed" need the reporter's token.
REPORTER_ACTIONS = frozenset({Action.RATE, Action.REOPEN})
# Not staff work on a case: the citizen's own actions, the report itself (intake) and the clock's
# "overdue" (the sweep's). Everything else is offered to staff, subject to the transition table.
NOT_STAFF_ACTIONS = CITIZEN_ACTIONS | {Action.REPORT, Action.OVERDUE}
STAFF_ACTIONS: tuple[Action, ...] = tuple(a for a in Action if a not in NOT_STAFF_ACTIONS)


def is_staff_action(action: Action) -> bool:
    """Whether staff take this action through the case's action endpoint or form."""
    return action not in NOT_STAFF_ACTIONS


def _unit_limited(actor: Actor) -> bool:
    return actor.role is Role.UNIT


def can_view(case: Case, actor: Actor) -> bool:
    """The case page: a unit's staff see the cases their unit leads or assists; other staff all."""
    if _unit_limited(actor):
        return actor.unit_id is not None and (
            actor.unit_id == case.main_unit_id or actor.unit_id in case.assisting_unit_ids
        )
    return actor.role.is_staff


def may_act_on(case: Case, actor: Actor, action: Action | None) -> bool:
    """Whether the case may be loaded for this action: visible to the actor, or a citizen's own action."""
    return (actor.role is Role.CITIZEN and action in CITIZEN_ACTIONS) or can_view(case, actor)


def is_reporter(case: Case, token: str | None) -> bool:
    """The reporter proves who they are with the random token handed out with the case number."""
    # compared as bytes: compare_digest refuses non-ASCII str, and a token typed by anyone may be anything
    return bool(token and case.public_token
                and secrets.compare_digest(token.encode("utf-8", "surrogatepass"), case.public_token.encode()))


def led_units(actor: Actor) -> tuple[int, ...] | None:
    """Whose cases this actor may see, named by number and address, in the ledger and in everything
    drawn from it (hot spots, papers, indicators): a unit's staff only the cases their unit leads (an
    account without a unit: none); other staff every unit's (None); a citizen none."""
    if _unit_limited(actor):
        return (actor.unit_id,) if actor.unit_id is not None else ()
    return None if actor.role.is_staff else ()


def visible_ledger(f: CaseFilter, actor: Actor) -> CaseFilter:
    """The ledger this actor may read (see `led_units`)."""
    return replace(f, led_by=led_units(actor))
