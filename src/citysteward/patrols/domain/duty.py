"""Who patrols where (责任网格与排班), and whose task a case's verification or check is.

Inspectors (监督员/网格员) are bound to grids or to a whole street. A roster entry (排班) puts one
inspector on one shift of one day, with that day's plan: the grids to walk and how often (passes).

Tasks are computed, not pushed: a case waiting for verification (待核实, 核实) or for a check after the
unit reported back (待核查, 核查) in grid G belongs to
1. the inspector the shift leader reassigned it to (改派), if any; else
2. the inspectors on duty at that moment whose plan (or, without a plan, whose binding) covers G; else
3. the inspectors bound to G; else
4. the street's inspectors: those bound to the whole street, else those bound to any grid of it;
   on-duty ones first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from citysteward.kernel import geo
from citysteward.kernel.deadlines import Light
from citysteward.kernel.labels import Labelled
from citysteward.patrols.domain.config import Shift


class TaskKind(Labelled):
    VERIFY = "verify"
    CHECK = "check"


TaskKind.set_labels({"verify": ("核实", "#0dcaf0"), "check": ("核查", "#d63384")})

# the case state each task waits in
TASK_STATE = {TaskKind.VERIFY: "pending_verify", TaskKind.CHECK: "handled"}
STATE_TASK = {state: kind for kind, state in TASK_STATE.items()}


@dataclass(frozen=True, slots=True)
class Binding:
    user_id: int
    area_code: str  # a 15-digit grid or a 9-digit street

    @property
    def is_street(self) -> bool:
        return len(self.area_code) == 9

    @property
    def street_code(self) -> str:
        return self.area_code[:9]


@dataclass(frozen=True, slots=True)
class RosterEntry:
    user_id: int
    day: date
    shift: str
    starts_at: datetime
    ends_at: datetime
    grid_codes: tuple[str, ...] = ()
    passes: int = 1
    id: int | None = None

    def on_duty(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


def shift_bounds(day: date, shift: Shift, tz: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, shift.start, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1) if shift.overnight else day, shift.end, tzinfo=tz)
    return start, end


@dataclass(frozen=True, slots=True)
class Duty:
    """Everything the assignment rule reads, for one street or more."""

    bindings: Sequence[Binding]
    roster: Sequence[RosterEntry]
    reassigned: Mapping[tuple[int, str], int] = field(default_factory=dict)  # (case id, task kind) -> user

    def grids_of(self, user_id: int) -> set[str]:
        return {b.area_code for b in self.bindings if b.user_id == user_id and not b.is_street}

    def streets_of(self, user_id: int) -> set[str]:
        return {b.street_code for b in self.bindings if b.user_id == user_id}

    def own_grids(self, user_id: int, at: datetime) -> set[str]:
        """One's own grids at a moment: the plan of the shift on duty, else the bound grids."""
        planned = {g for r in self.roster if r.user_id == user_id and r.on_duty(at) for g in r.grid_codes}
        return planned or self.grids_of(user_id)

    def responsible(self, grid_code: str, at: datetime, case_id: int | None = None,
                    kind: TaskKind | None = None) -> tuple[tuple[int, ...], str]:
        """Who holds a task in this grid at this moment, and why (shown beside the task)."""
        if case_id is not None and kind is not None and (case_id, kind.value) in self.reassigned:
            return (self.reassigned[(case_id, kind.value)],), "值班长改派"
        on_duty = sorted({r.user_id for r in self.roster if r.on_duty(at)})
        here = tuple(u for u in on_duty if grid_code in self.own_grids(u, at))
        if here:
            return here, "当班责任网格"
        bound = tuple(sorted({b.user_id for b in self.bindings if b.area_code == grid_code}))
        if bound:
            return bound, "网格责任监督员"
        street = grid_code[:9]
        of_street = {b.user_id for b in self.bindings if b.area_code == street} or {
            b.user_id for b in self.bindings if b.street_code == street}
        duty_first = tuple(u for u in on_duty if u in of_street) or tuple(sorted(of_street))
        return duty_first, ("街道当班监督员" if any(u in on_duty for u in duty_first) else "街道监督员")


@dataclass(frozen=True, slots=True)
class Task:
    case_id: int
    case_no: str
    kind: TaskKind
    grid_code: str
    lon: float
    lat: float
    since: datetime
    deadline: datetime
    light: Light
    assignees: tuple[int, ...]
    reason: str
    version: int
    category_code: str
    description: str
    address: str
    distance_m: float | None = None


def nearest_first(tasks: Iterable[Task], here: tuple[float, float] | None) -> list[Task]:
    """With a position: nearest first; without: the most urgent (earliest deadline) first."""
    items = list(tasks)
    if here is None:
        return sorted(items, key=lambda t: (t.deadline, t.case_id))
    placed = [_with_distance(t, here) for t in items]
    return sorted(placed, key=lambda t: (t.distance_m if t.distance_m is not None else math.inf, t.case_id))


def _with_distance(t: Task, here: tuple[float, float]) -> Task:
    d = geo.haversine_m(here[0], here[1], t.lon, t.lat)
    return Task(t.case_id, t.case_no, t.kind, t.grid_code, t.lon, t.lat, t.since, t.deadline, t.light, t.assignees,
                t.reason, t.version, t.category_code, t.description, t.address, round(d, 1))
