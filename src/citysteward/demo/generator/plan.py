"""The plan of one case: how it will go (intake path, return, extension, suspension, on time or late,
rework, rating, reopening …), drawn before it is played, and the holds that stop recent cases at an open
state so every queue has work in it."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from citysteward.cases.domain.model import Action, CaseState, Source
from citysteward.catalogue.domain.categories import Category
from citysteward.demo.generator.mix import HOLD_MIN_AGE, HOLDS, INTAKE_HOLDS, SELF_HANDLEABLE
from citysteward.kernel.timelimit import LimitUnit

A, S = Action, CaseState


@dataclass
class Plan:
    fate: str = "register"  # register | void | reject | merge | refute | self_handle
    verify: bool = False  # citizen report checked on site before registration
    accept_task: bool = True
    ret: str | None = None  # None | approve | deny
    extension: str | None = None  # None | approve | deny
    suspend: str | None = None  # None | approve | deny
    long_suspend: bool = False
    on_time: bool = True
    long_overdue: bool = False
    reworks: int = 0
    close_fail: bool = False
    rate: bool = False
    reopen: bool = False
    me_too: int = 0
    override: bool = False
    hold: CaseState | Action | None = None


@dataclass(frozen=True)
class Spec:
    """What a case is and where, before anything happens to it."""

    case_no: str
    source: Source
    code: str
    at: datetime
    lon: float
    lat: float
    grid: str
    road: str | None
    address: str


def draw_plan(rnd: random.Random, categories: Mapping[str, Category], source: Source, code: str,
              age_days: float) -> Plan:
    """How a case of `code` reported through `source` will go (drawn before it is played)."""
    r = rnd.random
    p = Plan()
    if source is Source.INSPECTOR:
        x = r()
        if code in SELF_HANDLEABLE and x < 0.33:
            p.fate = "self_handle"
        elif x > 0.985:
            p.fate = "void"
        elif x > 0.975:
            p.fate = "merge"
    elif source in (Source.CITIZEN, Source.HOTLINE, Source.OPEN311):
        x = r()
        if x < 0.03:
            p.fate = "void"
        elif x < 0.055:
            p.fate = "reject"
        elif x < 0.095:
            p.fate = "merge"
        else:
            p.verify = r() < 0.7
            if p.verify and r() < 0.04:
                p.fate = "refute"
        p.me_too = (1 + int(r() * 3)) if r() < 0.06 else 0
        p.rate = r() < (0.55 if source is Source.HOTLINE else 0.3)
        p.reopen = r() < 0.015
    limit = categories[code].default_urgency
    working_days = categories[code].limit_for(limit).unit is LimitUnit.WORKING_DAYS
    p.accept_task = r() < 0.85
    p.ret = ("approve" if r() < 0.8 else "deny") if r() < 0.03 else None
    p.extension = ("approve" if r() < 0.8 else "deny") if r() < (0.08 if working_days else 0.03) else None
    p.suspend = ("approve" if r() < 0.85 else "deny") if r() < (0.05 if working_days else 0.01) else None
    if p.suspend:
        p.accept_task = True
        p.long_suspend = r() < 0.15
    p.on_time = r() < 0.88
    p.long_overdue = not p.on_time and r() < 0.2
    p.reworks = (2 if r() < 0.1 else 1) if r() < 0.06 else 0
    p.close_fail = r() < 0.01
    p.override = r() < 0.02
    return p


def hold_at(p: Plan, hold: CaseState | Action, source: Source) -> Source:
    """Make the plan reach `hold` and stop there; returns the (possibly changed) source."""
    p.hold = hold
    p.fate = "register"
    if hold in (S.PENDING_VERIFY, S.VERIFIED):
        p.verify = True
        if source not in (Source.CITIZEN, Source.HOTLINE, Source.OPEN311):
            source = Source.CITIZEN
    if hold is S.IN_PROGRESS or hold is A.REQUEST_SUSPEND:
        p.accept_task = True
    if hold is S.SUSPENDED:
        p.accept_task, p.suspend, p.long_suspend = True, "approve", True
    if hold is A.REQUEST_SUSPEND:
        p.suspend = "approve"
    if hold is A.REQUEST_EXTENSION:
        p.extension = "approve"
    if hold is A.REQUEST_RETURN:
        p.ret = "approve"
    p.reworks, p.close_fail = 0, False
    if hold is not A.REQUEST_RETURN:
        p.ret = None
    if hold is not A.REQUEST_EXTENSION:
        p.extension = None
    if hold not in (S.SUSPENDED, A.REQUEST_SUSPEND):
        p.suspend = None
    if hold in (S.HANDLED, S.CHECKED):
        p.on_time = True
    return source


def assign_holds(rnd: random.Random, now: datetime, catalogue: Mapping[str, Category], plans: list[Plan],
                 sources: list[Source], times: list[datetime], categories: list[str]) -> None:
    """Hold about a third of the last ten days' cases at an open state, every state at least once."""
    recent = [i for i in range(len(plans)) if (now - times[i]) <= timedelta(days=10)]
    if not recent:
        return
    tokens = [h for h, _ in HOLDS]
    weights = [w for _, w in HOLDS]
    late_tokens = [h for h in tokens if h not in INTAKE_HOLDS]
    late_weights = [w for h, w in HOLDS if h not in INTAKE_HOLDS]
    k = max(len(tokens), int(len(recent) * 0.3))
    by_age = sorted(recent, key=lambda i: now - times[i])
    chosen: set[int] = set()

    def quick(i: int) -> bool:  # handled within a working day, so a few days are enough to get there
        cat = catalogue[categories[i]]
        limit = cat.limit_for(cat.default_urgency)
        return limit.unit is not LimitUnit.WORKING_DAYS or limit.amount <= 1

    # every hold once, on the youngest case old enough to have got there
    for h in tokens:
        min_age = HOLD_MIN_AGE.get(h, timedelta(hours=8))
        needs_handling = h in (S.SUSPENDED, S.HANDLED, S.CHECKED)
        i = next((j for j in by_age if j not in chosen and now - times[j] >= min_age
                  and (not needs_handling or quick(j))), None)
        if i is None:
            continue
        chosen.add(i)
        sources[i] = hold_at(plans[i], h, sources[i])
    pool = list(recent)
    rnd.shuffle(pool)
    for i in pool:
        if len(chosen) >= k:
            break
        if i in chosen:
            continue
        chosen.add(i)
        young = (now - times[i]) <= timedelta(hours=36)
        h = rnd.choices(tokens if young else late_tokens, weights if young else late_weights)[0]
        sources[i] = hold_at(plans[i], h, sources[i])


def force_outcomes(rnd: random.Random, plans: list[Plan], sources: list[Source], n: int) -> None:
    """Make sure the side exits appear even in a small demo."""
    need = max(2, n // 400)
    counts = {f: sum(1 for p in plans if p.fate == f) for f in ("void", "reject", "merge", "refute")}
    pool = [i for i in range(n // 5, n) if plans[i].hold is None and plans[i].fate == "register"
            and sources[i] in (Source.CITIZEN, Source.HOTLINE)]
    rnd.shuffle(pool)
    for fate, have in counts.items():
        for _ in range(max(0, need - have)):
            if not pool:
                return
            i = pool.pop()
            plans[i].fate = fate
            plans[i].verify = fate == "refute"
