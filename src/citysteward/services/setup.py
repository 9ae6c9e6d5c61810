"""First run: bring the schema to head, load the standard catalogue and the working calendar."""

from __future__ import annotations

from dataclasses import dataclass

from citysteward.domain.cases import Actor
from citysteward.domain.catalogue import load_default_catalogue
from citysteward.services import admin, calendar
from citysteward.services.runtime import Runtime


@dataclass
class InitResult:
    categories: int
    calendar_years: list[int]


def initialise(rt: Runtime) -> InitResult:
    """Idempotent: categories are upserted, calendar years already loaded are kept (with their edits)."""
    actor = Actor.system("初始化")
    with rt.uow(readonly=True) as uow:
        existing = {c.code for c in uow.catalogue.all()}
    fresh = [c for c in load_default_catalogue() if c.code not in existing]
    admin.load_catalogue(rt, fresh)
    years = calendar.seed_default_years(rt, actor)
    return InitResult(len(fresh), years)
