"""Local patrol policy (巡查规则): shifts, what counts as an effective patrol (有效巡查), track
cleaning and retention, the time limits of verification (核实) and check (核查) tasks.

None of these is a national rule: FIELDWORK.md §6 marks a standard 巡查频次 and a definition of
有效巡查 as unknown ([U]), so every value here is a configurable default, replaced by the
administrator (PUT /api/v1/patrols/settings), never a fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from citysteward.kernel.errors import InvalidInput

DEFAULT_PATROL_CONFIG: dict[str, Any] = {
    # shift code -> label and local start/end (end before start: the shift runs past midnight)
    "shifts": {
        "early": {"label": "早班", "start": "07:00", "end": "14:00"},
        "late": {"label": "晚班", "start": "14:00", "end": "21:00"},
    },
    # 有效巡查: a patrol counts when every threshold holds (0 switches one off)
    "effective": {"min_minutes_in_own_grids": 30, "min_share_of_own_grids": 0.5, "min_distance_m": 500},
    "track": {
        "max_gap_s": 120,  # a longer silence between two points counts no time and no distance
        "max_speed_mps": 15.0,  # a faster jump between two points is a GPS glitch: not walked
        "max_accuracy_m": 100.0,  # points less accurate than this are ignored
        "max_points_per_batch": 1000,
        "retention_days": 90,  # raw points are deleted after this; the summaries stay
    },
    # natural minutes for the inspector's tasks (the timer lights of 核实 and 核查)
    "tasks": {"verify_minutes": 120, "check_minutes": 240},
    # the phone: a point every `sample_s` seconds, posted `batch_points` at a time; the categories offered
    # first when reporting a finding (one tap)
    "phone": {"sample_s": 10, "batch_points": 6,
              "quick_categories": ["06010", "06042", "01002", "06013", "01037", "06001", "09001"]},
}


@dataclass(frozen=True, slots=True)
class Shift:
    code: str
    label: str
    start: time
    end: time

    @property
    def overnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True, slots=True)
class EffectiveRule:
    """有效巡查: all thresholds hold."""

    min_minutes_in_own_grids: float = 0.0
    min_share_of_own_grids: float = 0.0
    min_distance_m: float = 0.0

    def explain(self) -> str:
        parts = []
        if self.min_minutes_in_own_grids:
            parts.append(f"责任网格内累计 ≥ {self.min_minutes_in_own_grids:g} 分钟")
        if self.min_share_of_own_grids:
            parts.append(f"走到 ≥ {self.min_share_of_own_grids * 100:g}% 的责任网格")
        if self.min_distance_m:
            parts.append(f"里程 ≥ {self.min_distance_m:g} 米")
        return "，".join(parts) or "每次巡查都计为有效"


@dataclass(frozen=True, slots=True)
class TrackRule:
    max_gap_s: float
    max_speed_mps: float
    max_accuracy_m: float
    max_points_per_batch: int
    retention_days: int


@dataclass(frozen=True, slots=True)
class PatrolConfig:
    shifts: Mapping[str, Shift]
    effective: EffectiveRule
    track: TrackRule
    verify_minutes: float
    check_minutes: float
    sample_s: int = 10
    batch_points: int = 6
    quick_categories: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def default(cls) -> PatrolConfig:
        return cls.from_dict({})

    def to_dict(self) -> dict[str, Any]:
        return dict(self.raw)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> PatrolConfig:
        """The defaults overlaid with `data` (one level deep); anything malformed is refused."""
        data = data or {}
        if not isinstance(data, Mapping):
            raise InvalidInput("巡查规则应为 JSON 对象")
        unknown = set(data) - set(DEFAULT_PATROL_CONFIG)
        if unknown:
            raise InvalidInput(f"未知的巡查规则项：{'、'.join(sorted(unknown))}", {"field": sorted(unknown)[0]})
        merged: dict[str, Any] = {}
        for key, default in DEFAULT_PATROL_CONFIG.items():
            given = data.get(key)
            if given is not None and not isinstance(given, Mapping):
                raise InvalidInput(f"巡查规则「{key}」应为对象", {"field": key})
            extra = set(given or {}) - set(default) if key != "shifts" else set()
            if extra:
                raise InvalidInput(f"巡查规则「{key}」中没有这些项：{'、'.join(sorted(extra))}", {"field": key})
            merged[key] = dict(given) if key == "shifts" and given else {**default, **(given or {})}
        shifts = {code: _shift(code, s) for code, s in merged["shifts"].items()}
        if not shifts:
            raise InvalidInput("至少需要一个班次", {"field": "shifts"})
        eff = merged["effective"]
        track = merged["track"]
        tasks = merged["tasks"]
        phone = merged["phone"]
        quick = phone.get("quick_categories")
        if not isinstance(quick, list) or not all(isinstance(c, str) and 0 < len(c) <= 16 for c in quick):
            raise InvalidInput("巡查规则「quick_categories」应为类别编码列表", {"field": "quick_categories"})
        effective = EffectiveRule(_num(eff, "min_minutes_in_own_grids", 0, 1440),
                                  _num(eff, "min_share_of_own_grids", 0, 1), _num(eff, "min_distance_m", 0, 200000))
        rule = TrackRule(_num(track, "max_gap_s", 10, 3600), _num(track, "max_speed_mps", 1, 100),
                         _num(track, "max_accuracy_m", 5, 5000), int(_num(track, "max_points_per_batch", 10, 10000)),
                         int(_num(track, "retention_days", 1, 3650)))
        return cls(shifts, effective, rule, _num(tasks, "verify_minutes", 1, 100000),
                   _num(tasks, "check_minutes", 1, 100000), int(_num(phone, "sample_s", 1, 600)),
                   int(_num(phone, "batch_points", 1, 500)), tuple(quick), merged)


def _num(section: Mapping[str, Any], key: str, low: float, high: float) -> float:
    value = section.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InvalidInput(f"巡查规则「{key}」应为 {low:g} 到 {high:g} 之间的数", {"field": key})
    return float(value)


def _clock(value: Any, code: str) -> time:
    try:
        hh, mm = str(value).split(":")
        return time(int(hh), int(mm))
    except ValueError as exc:
        raise InvalidInput(f"班次 {code} 的时间 {value!r} 应为 HH:MM", {"field": "shifts"}) from exc


def _shift(code: str, s: Any) -> Shift:
    if not isinstance(s, Mapping) or not str(s.get("label") or "").strip():
        raise InvalidInput(f"班次 {code} 需要名称、开始和结束时间", {"field": "shifts"})
    return Shift(code, str(s["label"]).strip()[:16], _clock(s.get("start"), code), _clock(s.get("end"), code))
