"""The fake database: one dict per table, and what every fake repository shares. Stored values are
never mutated in place, only replaced, so a copy of the tables is a dict copy per table; values are
copied in and out (JSON columns through `json`, as the database would), so a caller that mutates what
it got back changes nothing stored."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Protocol, TypeVar, cast

from citysteward.cases.domain.case import Case, Event
from citysteward.cases.domain.routing import ResponsibilityRule
from citysteward.catalogue.domain.categories import Category
from citysteward.kernel.calendar import DayOverride, WorkSchedule

Row = dict[str, Any]
T = TypeVar("T")


class FakeIntegrityError(Exception):
    """A unique key the database would refuse (case number, user name …)."""


def as_json(value: T) -> T:
    """What a JSON column gives back: tuples become lists, and a value JSON cannot hold fails here."""
    return cast(T, json.loads(json.dumps(value)))


def new_row(row: Row, defaults: Row | None = None) -> Row:
    return {**(defaults or {}), **copy.deepcopy(row)}


@dataclass
class FakeData:
    """The whole fake database: one dict per table, id sequences, the day's last case number."""

    units: dict[int, Row] = field(default_factory=dict)
    users: dict[int, Row] = field(default_factory=dict)
    tokens: dict[str, Row] = field(default_factory=dict)
    audit: dict[int, Row] = field(default_factory=dict)
    settings: dict[str, Row] = field(default_factory=dict)
    areas: dict[str, Row] = field(default_factory=dict)
    grids: dict[str, Row] = field(default_factory=dict)
    grid_members: dict[int, Row] = field(default_factory=dict)
    cases: dict[int, Case] = field(default_factory=dict)
    events: dict[int, Event] = field(default_factory=dict)
    photos: dict[int, Row] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)
    rules: dict[int, ResponsibilityRule] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    days: dict[date, DayOverride] = field(default_factory=dict)
    years: dict[int, Row] = field(default_factory=dict)
    schedules: dict[int, WorkSchedule] = field(default_factory=dict)
    outbox: dict[int, Row] = field(default_factory=dict)
    notices: dict[int, Row] = field(default_factory=dict)
    contacts: dict[int, Row] = field(default_factory=dict)
    access: dict[int, Row] = field(default_factory=dict)
    throttle: dict[tuple[str, int], Row] = field(default_factory=dict)
    me_too: dict[tuple[int, str], Row] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], Row] = field(default_factory=dict)
    seq: dict[str, int] = field(default_factory=dict)

    def copy(self) -> FakeData:
        return FakeData(**{f.name: dict(getattr(self, f.name)) for f in fields(self)})

    def next_id(self, table: str) -> int:
        self.seq[table] = self.seq.get(table, 0) + 1
        return self.seq[table]


class Unit(Protocol):
    """What a repository needs of its unit of work: the unit's copy of the tables."""

    data: FakeData
    wrote: bool


class FakeRepository:
    def __init__(self, uow: Unit) -> None:
        self._uow = uow

    @property
    def _r(self) -> FakeData:
        return self._uow.data

    @property
    def _w(self) -> FakeData:
        """The tables, for writing: a read-only unit that commits after this fails."""
        self._uow.wrote = True
        return self._uow.data


def ordered(table: dict[Any, T]) -> list[T]:
    """Rows in key order (ids: insertion order, as `ORDER BY id`)."""
    return [table[k] for k in sorted(table)]
