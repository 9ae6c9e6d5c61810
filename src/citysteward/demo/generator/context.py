"""What the generator takes from the system (`Context`, `People`) and what it gives back (`Generated`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from citysteward.cases.domain.case import Case, Event
from citysteward.cases.domain.routing import ResponsibilityRule
from citysteward.catalogue.domain.categories import Category
from citysteward.kernel.actor import Actor
from citysteward.kernel.calendar import WorkCalendar


@dataclass(frozen=True)
class People:
    """The actors who take the steps: staff accounts and one account per responsible unit."""

    acceptors: Sequence[Actor]
    shift_leaders: Sequence[Actor]
    dispatchers: Sequence[Actor]
    hotline: Sequence[Actor]
    supervisors: Sequence[Actor]
    inspectors: Mapping[str, Sequence[Actor]]  # district code -> inspectors patrolling it
    units: Mapping[int, Actor]  # unit id -> that unit's account


@dataclass
class Context:
    """Everything the generator needs from the system: the real calendar, catalogue and rules."""

    now: datetime
    tz: ZoneInfo
    calendar: WorkCalendar
    categories: Mapping[str, Category]
    rules: Sequence[ResponsibilityRule]
    unit_names: Mapping[int, str]
    category_names: Mapping[str, str]  # class codes and category codes -> names (as routing uses)
    area_names: Mapping[str, str]
    people: People
    territorial_units: Mapping[str, int]  # district -> 城管局 (where a returned case goes)
    sanitation_units: Mapping[str, int]  # district -> 环卫中心
    prefix: str = "JZ"
    numbers_used: Mapping[str, int] = field(default_factory=dict)  # day -> last sequence already taken


@dataclass
class Generated:
    cases: list[tuple[Case, list[Event]]]
    last_numbers: dict[str, int]  # day -> last sequence used
