"""Recurring hot spots (反复反弹的难点点位): places where a problem of one category keeps coming back.

A recurrence is either a new report of the same category within `distance_m` metres of a case that
was closed at most `window_days` before it (closed, then reported again), or a citizen reopening a
closed case (市民反映未解决) within the window. Cases joined by recurrences form one place; a place
with at least `min_recurrences` recurrences is a hot spot. Candidates are found through the cases'
H3 cells (resolution 9, the `cell` column) and confirmed with the great-circle distance.
Source: DESIGN.md ("Around the cases"), GLOSSARY.md (反复反弹 / 难点点位 / 挂牌督办).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import h3

from citysteward.kernel.cells import H3_RESOLUTION, cell_of, cells_within
from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.geo import haversine_m


@dataclass(frozen=True, slots=True)
class HotspotRules:
    distance_m: float = 100.0
    window_days: float = 30.0
    min_recurrences: int = 2
    lookback_days: int = 90  # how far back the list looks by default

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> HotspotRules:
        base = cls()
        data = dict(data or {})
        unknown = set(data) - {"distance_m", "window_days", "min_recurrences", "lookback_days"}
        if unknown:
            raise InvalidInput(f"未知的难点点位配置项：{'、'.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, lo, hi in (("distance_m", 1, 5000), ("window_days", 1, 365), ("min_recurrences", 1, 100),
                             ("lookback_days", 1, 3660)):
            value = data.get(name, getattr(base, name))
            if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
                raise InvalidInput(f"难点点位配置 {name} 应在 {lo}–{hi} 之间", {"field": name})
            values[name] = value
        return cls(distance_m=float(values["distance_m"]), window_days=float(values["window_days"]),
                   min_recurrences=int(values["min_recurrences"]), lookback_days=int(values["lookback_days"]))

    def to_dict(self) -> dict[str, Any]:
        return {"distance_m": self.distance_m, "window_days": self.window_days,
                "min_recurrences": self.min_recurrences, "lookback_days": self.lookback_days}


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


def find_hotspots(cases: Iterable[PlaceCase], rules: HotspotRules) -> list[Hotspot]:
    """Hot spots among `cases`, worst first (most recurrences, then most recent)."""
    window = timedelta(days=rules.window_days)
    by_key: dict[tuple[str, str], list[PlaceCase]] = defaultdict(list)
    items = sorted(cases, key=lambda c: (c.reported_at, c.case_id))
    for c in items:
        by_key[(c.category_code, c.cell)].append(c)
    parent: dict[int, int] = {c.case_id: c.case_id for c in items}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    recurrences: dict[int, list[Recurrence]] = defaultdict(list)
    rings = rings_for(rules.distance_m)
    for b in items:
        best: tuple[float, PlaceCase] | None = None
        for cell in cells_within(b.cell, rings):
            for a in by_key.get((b.category_code, cell), ()):
                if a.case_id == b.case_id or not _closed_before(a, b.reported_at, window):
                    continue
                d = haversine_m(a.lon, a.lat, b.lon, b.lat)
                if d <= rules.distance_m:
                    parent[find(a.case_id)] = find(b.case_id)
                    if best is None or _last_close(a, b.reported_at) > _last_close(best[1], b.reported_at):
                        best = (d, a)
        if best is not None:  # one recurrence per new report, however many earlier cases it follows
            recurrences[b.case_id].append(Recurrence("re_report", b.case_no, b.reported_at, best[1].case_no,
                                                     round(best[0], 1)))
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
    return out


def _closed_before(a: PlaceCase, moment: datetime, window: timedelta) -> bool:
    return any(c < moment <= c + window for c in a.closes)


def _last_close(a: PlaceCase, moment: datetime) -> datetime:
    return max(c for c in a.closes if c < moment)


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
