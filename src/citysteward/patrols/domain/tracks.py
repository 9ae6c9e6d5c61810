"""Patrol tracks (巡查轨迹): the points a phone posts, stored compactly, and what they add up to.

A phone posts its points in batches numbered by the client (`seq`); a batch resent after a lost
connection carries the same number and is stored once. A batch is one row holding its points as a
delta-encoded integer array (seconds, micro-degrees, metres), about 20 bytes a point.

The summary of a patrol (FIELDWORK.md §6.3, "recording model"): grids visited, minutes inside each
grid and inside one's own grids, distance, passes (entries into a grid). Points less accurate than the
rule allows are dropped; a silence longer than `max_gap_s` or a jump faster than `max_speed_mps`
counts neither time nor distance.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from citysteward.kernel import geo
from citysteward.kernel.errors import InvalidInput
from citysteward.patrols.domain.config import EffectiveRule, TrackRule

E6 = 1_000_000


@dataclass(frozen=True, slots=True)
class TrackPoint:
    t: int  # epoch seconds (UTC)
    lon: float
    lat: float
    acc: float = 0.0

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)


def parse_points(raw: Sequence[object], limit: int) -> list[TrackPoint]:
    """Points as the phone sends them: `[{t (epoch s or ISO time), lon, lat, acc?}, …]`, WGS-84."""
    if not raw:
        raise InvalidInput("轨迹批次中没有点", {"field": "points"})
    if len(raw) > limit:
        raise InvalidInput(f"每批最多 {limit} 个点", {"field": "points"})
    out = []
    for i, p in enumerate(raw):
        if not isinstance(p, dict):
            raise InvalidInput(f"第 {i + 1} 个点格式不正确", {"field": "points", "index": i})
        try:
            t: Any = p.get("t")
            seconds = int(datetime.fromisoformat(t).timestamp()) if isinstance(t, str) else int(t)
            lon, lat = geo.validate_lonlat(float(p["lon"]), float(p["lat"]))
            acc = float(p.get("acc") or 0.0)
        except (KeyError, TypeError, ValueError, InvalidInput) as exc:
            raise InvalidInput(f"第 {i + 1} 个点的时间或坐标无效", {"field": "points", "index": i}) from exc
        if not 946684800 <= seconds <= 4102444800 or not 0 <= acc < 1e5:
            raise InvalidInput(f"第 {i + 1} 个点的时间或精度超出范围", {"field": "points", "index": i})
        out.append(TrackPoint(seconds, lon, lat, acc))
    return out


def encode(points: Sequence[TrackPoint]) -> str:
    """Delta-encoded integers: t, lon·1e6, lat·1e6, accuracy (m) for the first point, differences after."""
    flat: list[int] = []
    pt = plon = plat = 0
    for p in points:
        t, lon, lat = p.t, round(p.lon * E6), round(p.lat * E6)
        flat += [t - pt, lon - plon, lat - plat, round(p.acc)]
        pt, plon, plat = t, lon, lat
    return json.dumps(flat, separators=(",", ":"))


def decode(text: str) -> list[TrackPoint]:
    flat = json.loads(text)
    out = []
    t = lon = lat = 0
    for i in range(0, len(flat), 4):
        t += flat[i]
        lon += flat[i + 1]
        lat += flat[i + 2]
        out.append(TrackPoint(t, lon / E6, lat / E6, float(flat[i + 3])))
    return out


def merged(batches: Iterable[Sequence[TrackPoint]]) -> list[TrackPoint]:
    """All batches' points in time order, one point per second (a resent point is not counted twice)."""
    by_t: dict[int, TrackPoint] = {}
    for batch in batches:
        for p in batch:
            by_t.setdefault(p.t, p)
    return [by_t[t] for t in sorted(by_t)]


@dataclass(slots=True)
class GridVisit:
    minutes: float = 0.0
    passes: int = 0
    points: int = 0
    distance_m: float = 0.0


@dataclass(slots=True)
class TrackSummary:
    points: int = 0
    distance_m: float = 0.0
    minutes: float = 0.0
    own_minutes: float = 0.0
    grids: dict[str, GridVisit] = field(default_factory=dict)
    first_t: int | None = None
    last_t: int | None = None

    def own_grids_visited(self, own: Collection[str]) -> int:
        return sum(1 for g in self.grids if g in own)

    def effective(self, rule: EffectiveRule, own: Collection[str]) -> bool:
        """有效巡查 by the configured rule; without own grids the grid thresholds cannot hold."""
        if self.own_minutes < rule.min_minutes_in_own_grids or self.distance_m < rule.min_distance_m:
            return False
        if rule.min_share_of_own_grids:
            return bool(own) and self.own_grids_visited(own) / len(own) >= rule.min_share_of_own_grids
        return True


Locate = Callable[[Sequence[float], Sequence[float]], Sequence[str | None]]


def summarise(points: Sequence[TrackPoint], locate: Locate, own: Collection[str], rule: TrackRule) -> TrackSummary:
    """Walk the points in time order; each step's time and distance belong to the grid it starts in."""
    pts = [p for p in points if p.acc <= rule.max_accuracy_m]
    s = TrackSummary()
    if not pts:
        return s
    grids = list(locate([p.lon for p in pts], [p.lat for p in pts]))
    s.points, s.first_t, s.last_t = len(pts), pts[0].t, pts[-1].t
    prev: TrackPoint | None = None
    prev_grid: str | None = None
    for p, g in zip(pts, grids, strict=True):
        linked = prev is not None and 0 < p.t - prev.t <= rule.max_gap_s
        if prev is not None and linked:
            d = geo.haversine_m(prev.lon, prev.lat, p.lon, p.lat)
            dt = p.t - prev.t
            if d / dt <= rule.max_speed_mps:
                s.distance_m += d
                s.minutes += dt / 60.0
                if prev_grid is not None:
                    v = s.grids[prev_grid]
                    v.minutes += dt / 60.0
                    v.distance_m += d
                    if prev_grid in own:
                        s.own_minutes += dt / 60.0
            else:
                continue  # a glitch: skip this point, keep walking from the last good one
        if g is not None:
            v = s.grids.setdefault(g, GridVisit())
            v.points += 1
            if not linked or prev_grid != g:
                v.passes += 1
        prev, prev_grid = p, g
    return s
