"""Recurring hot spots (反复反弹的难点点位): places where a problem of one category keeps coming back.

A recurrence is either a new report of the same category within `distance_m` metres of a case that
was closed at most `window_days` before it (closed, then reported again), or a citizen reopening a
closed case (市民反映未解决) within the window. Cases joined by recurrences form one place; a place
with at least `min_recurrences` recurrences is a hot spot. Candidates are found through the cases'
H3 cells (resolution 9, the `cell` column) and confirmed with the great-circle distance.

One search costs at most what the settings allow (docs/security.md, "Crash safety and expensive
queries"): the distance, window and period a caller may ask for have ceilings, the recurrence threshold a
floor; the store reads at most `max_cases` cases (the newest) and the finder does at most
`MAX_STEPS` steps; a search cut short by either says so (`truncated`).
Source: DESIGN.md ("Around the cases"), GLOSSARY.md (反复反弹 / 难点点位 / 挂牌督办).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import h3

from citysteward.kernel.actor import Role
from citysteward.kernel.cells import H3_RESOLUTION, cell_of, cells_within
from citysteward.kernel.errors import Forbidden, InvalidInput
from citysteward.kernel.geo import EARTH_RADIUS_M, haversine_m

# Who may search for hot spots: those who supervise, and a unit for its own places (the service scopes
# it); the system runs it for the daily paper.
SEARCHERS = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.UNIT, Role.SYSTEM})
# Work of one search in the finder (a cell looked up or a candidate compared): a few seconds of CPU at
# most, enough for `max_cases` cases at the default limits.
MAX_STEPS = 1_500_000
_METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180

# (name, lowest, highest) of each setting an administrator may give; the limits come after the rules.
_RANGES: tuple[tuple[str, float, float], ...] = (
    ("distance_m", 1, 5000), ("window_days", 1, 365), ("min_recurrences", 1, 100), ("lookback_days", 1, 3660),
    ("max_distance_m", 1, 5000), ("max_window_days", 1, 365), ("min_recurrences_floor", 1, 100),
    ("max_period_days", 1, 3660), ("max_cases", 100, 500_000),
)
# a rule and the limit that bounds it: (rule, limit, the rule must be at most the limit)
_BOUNDS = (("distance_m", "max_distance_m", True), ("window_days", "max_window_days", True),
           ("min_recurrences", "min_recurrences_floor", False), ("lookback_days", "max_period_days", True))


@dataclass(frozen=True, slots=True)
class HotspotRules:
    distance_m: float = 100.0
    window_days: float = 30.0
    min_recurrences: int = 2
    lookback_days: int = 90  # how far back the list looks by default
    # what one search may ask for, so that its cost stays bounded
    max_distance_m: float = 500.0
    max_window_days: float = 90.0
    min_recurrences_floor: int = 2
    max_period_days: int = 366
    max_cases: int = 20_000

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> HotspotRules:
        """A limit left out of `data` widens to fit the rule it bounds, so settings saved before the
        limits existed still load; a limit given explicitly must hold."""
        base = cls()
        data = dict(data or {})
        unknown = set(data) - {name for name, _, _ in _RANGES}
        if unknown:
            raise InvalidInput(f"未知的难点点位配置项：{'、'.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, lo, hi in _RANGES:
            value = data.get(name, getattr(base, name))
            if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
                raise InvalidInput(f"难点点位配置 {name} 应在 {lo:g}–{hi:g} 之间", {"field": name})
            values[name] = value
        for rule, limit, at_most in _BOUNDS:
            if limit not in data:
                values[limit] = max(values[limit], values[rule]) if at_most else min(values[limit], values[rule])
            elif (values[rule] > values[limit]) if at_most else (values[rule] < values[limit]):
                raise InvalidInput(f"难点点位配置 {rule}（{values[rule]:g}）{'不能超过' if at_most else '不能低于'} "
                                   f"{limit}（{values[limit]:g}）", {"field": rule})
        return cls(distance_m=float(values["distance_m"]), window_days=float(values["window_days"]),
                   min_recurrences=int(values["min_recurrences"]), lookback_days=int(values["lookback_days"]),
                   max_distance_m=float(values["max_distance_m"]), max_window_days=float(values["max_window_days"]),
                   min_recurrences_floor=int(values["min_recurrences_floor"]),
                   max_period_days=int(values["max_period_days"]), max_cases=int(values["max_cases"]))

    def to_dict(self) -> dict[str, Any]:
        return {"distance_m": self.distance_m, "window_days": self.window_days,
                "min_recurrences": self.min_recurrences, "lookback_days": self.lookback_days,
                "max_distance_m": self.max_distance_m, "max_window_days": self.max_window_days,
                "min_recurrences_floor": self.min_recurrences_floor, "max_period_days": self.max_period_days,
                "max_cases": self.max_cases}


@dataclass(frozen=True, slots=True)
class HotspotSearch:
    """One search, within the limits: recurrences in [start, end); cases from `since` (start less the
    window) count as history."""

    rules: HotspotRules
    start: datetime
    end: datetime
    since: datetime


def may_search(role: Role) -> None:
    if role not in SEARCHERS:
        raise Forbidden(f"「{role.label}」不能查询难点点位（限督查员、领导、系统管理员和责任单位）")


def plan_search(rules: HotspotRules, start: datetime, end: datetime, distance_m: float | None = None,
                window_days: float | None = None, min_recurrences: int | None = None) -> HotspotSearch:
    """The rules of one search: the request's values where given, refused beyond the configured limits."""
    if distance_m is not None and not 1 <= distance_m <= rules.max_distance_m:
        raise InvalidInput(f"距离应在 1–{rules.max_distance_m:g} 米之间（上限由难点点位配置 max_distance_m 设定）",
                           {"field": "distance_m", "max": rules.max_distance_m})
    if window_days is not None and not 1 <= window_days <= rules.max_window_days:
        raise InvalidInput(f"反弹时间窗应在 1–{rules.max_window_days:g} 天之间（上限由难点点位配置 max_window_days 设定）",
                           {"field": "window_days", "max": rules.max_window_days})
    if min_recurrences is not None and not rules.min_recurrences_floor <= min_recurrences <= 100:
        raise InvalidInput(f"反弹次数下限应在 {rules.min_recurrences_floor}–100 之间（最小值由难点点位配置 "
                           f"min_recurrences_floor 设定）", {"field": "min_recurrences", "min": rules.min_recurrences_floor})
    if end <= start:
        raise InvalidInput("结束时间必须晚于开始时间", {"field": "date_to"})
    if end - start > timedelta(days=rules.max_period_days):
        raise InvalidInput(f"查询时间段不能超过 {rules.max_period_days} 天（上限由难点点位配置 max_period_days 设定）",
                           {"field": "date_from", "max": rules.max_period_days})
    use = replace(rules, distance_m=float(distance_m or rules.distance_m),
                  window_days=float(window_days or rules.window_days),
                  min_recurrences=int(min_recurrences or rules.min_recurrences))
    if start - datetime.min.replace(tzinfo=start.tzinfo) <= timedelta(days=use.window_days):
        raise InvalidInput("开始日期超出可查询范围", {"field": "date_from"})
    return HotspotSearch(rules=use, start=start, end=end, since=start - timedelta(days=use.window_days))


@dataclass(frozen=True, slots=True)
class PlaceCase:
    case_id: int
    case_no: str
    category_code: str
    lon: float
    lat: float
    cell: str
    reported_at: datetime
    state: str
    address: str = ""
    closes: tuple[datetime, ...] = ()
    reopens: tuple[datetime, ...] = ()


@dataclass(frozen=True, slots=True)
class Recurrence:
    kind: str  # "re_report" | "reopen"
    case_no: str
    at: datetime
    after_case_no: str
    distance_m: float = 0.0

    @property
    def label(self) -> str:
        return "闭环后再次上报" if self.kind == "re_report" else "市民反映未解决（重新打开）"


@dataclass(slots=True)
class Hotspot:
    key: str
    category_code: str
    lon: float
    lat: float
    cell: str
    address: str
    cases: list[PlaceCase]
    recurrences: list[Recurrence] = field(default_factory=list)

    @property
    def recurrence_count(self) -> int:
        return len(self.recurrences)

    @property
    def first_at(self) -> datetime:
        return min(c.reported_at for c in self.cases)

    @property
    def last_at(self) -> datetime:
        return max([c.reported_at for c in self.cases] + [r.at for r in self.recurrences])


def rings_for(distance_m: float, resolution: int = H3_RESOLUTION) -> int:
    """How many H3 rings around a cell hold every point within `distance_m` of a point in it."""
    edge = float(h3.average_hexagon_edge_length(resolution, unit="m"))
    return max(1, math.ceil((distance_m + 2 * edge) / (1.5 * edge)))


def near(cell: str, distance_m: float) -> set[str]:
    return set(cells_within(cell, rings_for(distance_m)))


def bucket_resolution(distance_m: float) -> int:
    """The finest H3 resolution (at most the cells' own) at which three rings hold `distance_m`, so a
    wide search looks at a few large cells rather than a thousand small ones."""
    for resolution in range(H3_RESOLUTION, 0, -1):
        if rings_for(distance_m, resolution) <= 3:
            return resolution
    return 0


@dataclass(frozen=True, slots=True)
class HotspotScan:
    hotspots: list[Hotspot]
    scanned: int  # cases whose recurrences were looked for (the newest first)
    truncated: bool  # the step budget ran out before the oldest cases were looked at


def find_hotspots(cases: Iterable[PlaceCase], rules: HotspotRules) -> list[Hotspot]:
    """Hot spots among `cases`, worst first (most recurrences, then most recent)."""
    return scan_hotspots(cases, rules).hotspots


def scan_hotspots(cases: Iterable[PlaceCase], rules: HotspotRules, max_steps: int = MAX_STEPS) -> HotspotScan:
    """`find_hotspots` within a budget: a new report looks only at the closes of its category in the
    cells around it that fall in the window before it; newest reports first, so a search cut short
    keeps the recent places."""
    window = timedelta(days=rules.window_days)
    items = sorted(cases, key=lambda c: (c.reported_at, c.case_id))
    by_id = {c.case_id: c for c in items}
    resolution = bucket_resolution(rules.distance_m)
    rings = rings_for(rules.distance_m, resolution)
    home_of = {c.case_id: c.cell if resolution == H3_RESOLUTION else str(h3.latlng_to_cell(c.lat, c.lon, resolution))
              for c in items}
    disks: dict[str, list[str]] = {}
    closes: dict[tuple[str, str], list[tuple[datetime, int]]] = defaultdict(list)
    for c in items:
        for at in c.closes:
            closes[(c.category_code, home_of[c.case_id])].append((at, c.case_id))
    for bucket in closes.values():
        bucket.sort()
    parent: dict[int, int] = {c.case_id: c.case_id for c in items}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    recurrences: dict[int, list[Recurrence]] = defaultdict(list)
    steps = scanned = 0
    for b in reversed(items):
        if steps > max_steps:
            break
        scanned += 1
        best: tuple[datetime, float, PlaceCase] | None = None  # the latest close it follows
        home = home_of[b.case_id]
        around = disks.get(home) or disks.setdefault(home, cells_within(home, rings))
        steps += len(around)
        for cell in around:
            here = closes.get((b.category_code, cell))
            if not here:
                continue
            lo, hi = bisect_left(here, (b.reported_at - window,)), bisect_left(here, (b.reported_at,))
            steps += hi - lo
            for closed_at, a_id in here[lo:hi]:
                a = by_id[a_id]
                if a_id == b.case_id or abs(a.lat - b.lat) * _METRES_PER_DEGREE > rules.distance_m:
                    continue  # the difference in latitude alone is a lower bound of the distance
                d = haversine_m(a.lon, a.lat, b.lon, b.lat)
                if d <= rules.distance_m:
                    parent[find(a_id)] = find(b.case_id)
                    if best is None or closed_at > best[0]:
                        best = (closed_at, d, a)
        if best is not None:  # one recurrence per new report, however many earlier cases it follows
            recurrences[b.case_id].append(Recurrence("re_report", b.case_no, b.reported_at, best[2].case_no,
                                                     round(best[1], 1)))
        for at in b.reopens:
            if any(c < at <= c + window for c in b.closes):
                recurrences[b.case_id].append(Recurrence("reopen", b.case_no, at, b.case_no))
    clusters: dict[int, list[PlaceCase]] = defaultdict(list)
    for c in items:
        clusters[find(c.case_id)].append(c)
    out = []
    for members in clusters.values():
        found = sorted((r for m in members for r in recurrences.get(m.case_id, ())), key=lambda r: r.at)
        if len(found) < rules.min_recurrences:
            continue
        out.append(_hotspot(members, found))
    out.sort(key=lambda h: (-h.recurrence_count, -h.last_at.timestamp(), h.key))
    return HotspotScan(hotspots=out, scanned=scanned, truncated=scanned < len(items))


def _hotspot(members: Sequence[PlaceCase], found: list[Recurrence]) -> Hotspot:
    members = sorted(members, key=lambda c: (c.reported_at, c.case_id))
    lon = sum(c.lon for c in members) / len(members)
    lat = sum(c.lat for c in members) / len(members)
    first = members[0]
    address = next((c.address for c in reversed(members) if c.address), "")
    return Hotspot(key=f"{first.category_code}-{first.cell}", category_code=first.category_code, lon=lon,
                   lat=lat, cell=cell_of(lon, lat), address=address,
                   cases=list(members), recurrences=found)


def within(lon: float, lat: float, other_lon: float, other_lat: float, distance_m: float) -> bool:
    return haversine_m(lon, lat, other_lon, other_lat) <= distance_m
