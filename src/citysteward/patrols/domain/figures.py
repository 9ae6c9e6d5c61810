"""Patrol figures (巡查统计) per inspector, grid, street or in total, for a period.

- 巡查人次 (`patrols`): patrols started in the period — one inspector walking once; per grid or street,
  the patrols that entered it. 有效巡查人次 (`effective`): those the configured rule accepts.
- 巡查时长 / 责任网格内时长 (hours), 巡查里程 (km), 走到的网格数 (`grids_visited`), 经过次数 (`passes`).
- 上报数 (`reports`): the inspector's own reports (findings); 立案数 (`registered`): those registered or
  self-handled; 自处理数 (`self_handled`).
- 核实数 / 按时核实数, 核查数 / 按时核查数: verify/refute and check pass/fail steps taken by the
  inspector, on time when taken within the configured minutes of the case entering that state.
- 漏报数 (`missed`): public reports (市民、热线、Open311) verified true in a grid an inspector patrolled
  on the day they were reported (FIELDWORK.md §6.2): per inspector, each one who patrolled that grid that
  day; per grid, street or in total, once per case.
- 漏报率 = 漏报数 / (本人发现立案数 + 漏报数): of the problems in the grids walked that became cases, the
  share the inspectors did not find themselves (§6.2: 漏报数 / 立案数, the 立案 of that scope).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from citysteward.kernel.errors import InvalidInput

CUTS = {"inspector": "监督员", "grid": "网格", "street": "街道", "total": "合计"}
COUNTS: tuple[tuple[str, str], ...] = (
    ("patrols", "巡查人次"), ("effective", "有效巡查人次"), ("grids_visited", "走到网格数"), ("passes", "经过网格次数"),
    ("reports", "上报数"), ("registered", "发现立案数"), ("self_handled", "自处理数"),
    ("verified", "核实数"), ("verified_on_time", "按时核实数"), ("checked", "核查数"), ("checked_on_time", "按时核查数"),
    ("missed", "漏报数"),
)
AMOUNTS: tuple[tuple[str, str], ...] = (("hours", "巡查时长（小时）"), ("own_hours", "责任网格内时长（小时）"),
                                        ("km", "巡查里程（公里）"))
RATES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("effective_rate", "有效巡查率", "effective", ("patrols",)),
    ("on_time_verify_rate", "按时核实率", "verified_on_time", ("verified",)),
    ("on_time_check_rate", "按时核查率", "checked_on_time", ("checked",)),
    ("missed_rate", "漏报率", "missed", ("registered", "missed")),
)


@dataclass(frozen=True, slots=True)
class PatrolRow:
    id: int
    user_id: int
    day: date
    effective: bool
    minutes: float
    own_minutes: float
    distance_m: float


@dataclass(frozen=True, slots=True)
class VisitRow:
    patrol_id: int
    user_id: int
    day: date
    grid_code: str
    passes: int


@dataclass(frozen=True, slots=True)
class ReportRow:
    user_id: int
    grid_code: str
    registered: bool
    self_handled: bool


@dataclass(frozen=True, slots=True)
class StepRow:
    """A 核实 or 核查 step: who took it, where, when the case entered the state, when it was taken."""

    user_id: int
    grid_code: str
    since: datetime | None
    at: datetime


@dataclass(frozen=True, slots=True)
class PublicRow:
    """A public report verified true, with the local day it was reported."""

    case_id: int
    grid_code: str
    day: date


@dataclass(frozen=True, slots=True)
class FigureInput:
    patrols: Sequence[PatrolRow]
    visits: Sequence[VisitRow]
    reports: Sequence[ReportRow]
    verifications: Sequence[StepRow]
    checks: Sequence[StepRow]
    public: Sequence[PublicRow]
    verify_minutes: float
    check_minutes: float


def _key(cut: str, user_id: int | None, grid: str | None) -> Any:
    if cut == "inspector":
        return user_id
    if cut == "grid":
        return grid
    if cut == "street":
        return grid[:9] if grid else None
    return ""


def _on_time(step: StepRow, minutes: float) -> bool:
    return step.since is not None and (step.at - step.since).total_seconds() <= minutes * 60


def count(data: FigureInput, cut: str) -> dict[Any, dict[str, float]]:
    """Counts and amounts by key of the cut (user id, grid code, street code, or "" for the total)."""
    if cut not in CUTS:
        raise InvalidInput(f"不支持的统计维度：{cut}（可选 {'、'.join(CUTS)}）", {"field": "cut"})
    out: dict[Any, dict[str, float]] = defaultdict(lambda: {c: 0 for c, _ in (*COUNTS, *AMOUNTS)})
    patrol_of = {p.id: p for p in data.patrols}
    # patrol-based figures: an inspector's own patrols; a grid's or street's, the patrols that entered it
    places: dict[int, set[Any]] = defaultdict(set)
    grids_seen: dict[Any, set[str]] = defaultdict(set)
    for v in data.visits:
        if v.patrol_id not in patrol_of:
            continue
        k = _key(cut, v.user_id, v.grid_code)
        places[v.patrol_id].add(k)
        grids_seen[k].add(v.grid_code)
        out[k]["passes"] += v.passes
    for p in data.patrols:
        keys = {p.user_id} if cut == "inspector" else ({""} if cut == "total" else places.get(p.id, set()))
        for k in keys:
            row = out[k]
            row["patrols"] += 1
            row["effective"] += int(p.effective)
            row["hours"] += p.minutes / 60
            row["own_hours"] += p.own_minutes / 60
            row["km"] += p.distance_m / 1000
    for k, grids in grids_seen.items():
        out[k]["grids_visited"] = len(grids)
    for r in data.reports:
        row = out[_key(cut, r.user_id, r.grid_code)]
        row["reports"] += 1
        row["registered"] += int(r.registered)
        row["self_handled"] += int(r.self_handled)
    for s in data.verifications:
        row = out[_key(cut, s.user_id, s.grid_code)]
        row["verified"] += 1
        row["verified_on_time"] += int(_on_time(s, data.verify_minutes))
    for s in data.checks:
        row = out[_key(cut, s.user_id, s.grid_code)]
        row["checked"] += 1
        row["checked_on_time"] += int(_on_time(s, data.check_minutes))
    walkers: dict[tuple[str, date], set[int]] = defaultdict(set)
    for v in data.visits:
        walkers[(v.grid_code, v.day)].add(v.user_id)
    for c in data.public:
        who = walkers.get((c.grid_code, c.day))
        if not who:
            continue  # nobody walked that grid that day: not an inspector's miss
        for k in ({_key(cut, u, c.grid_code) for u in who} if cut == "inspector" else {_key(cut, None, c.grid_code)}):
            out[k]["missed"] += 1
    return dict(out)


def rates(counts: Mapping[str, float]) -> dict[str, float | None]:
    """Percentages with two decimals; None where nothing was counted (a rate of nothing is not 0 %)."""
    result: dict[str, float | None] = {}
    for code, _label, numerator, denominator in RATES:
        d = sum(counts.get(x, 0) for x in denominator)
        result[code] = round(100.0 * counts.get(numerator, 0) / d, 2) if d else None
    return result


def rounded(counts: Mapping[str, float]) -> dict[str, float]:
    return {k: (round(v, 2) if k in dict(AMOUNTS) else int(v)) for k, v in counts.items()}


def total_of(rows: Iterable[Mapping[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {c: 0 for c, _ in (*COUNTS, *AMOUNTS)}
    for r in rows:
        for k, v in r.items():
            total[k] = total.get(k, 0) + v
    return total
