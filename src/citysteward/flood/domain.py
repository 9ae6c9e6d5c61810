"""The flood season (防汛): rainstorm warnings, response levels Ⅳ–Ⅰ, duty, 易涝点, deployments, materials,
the pre-flood checklist and the after-action figures. Pure rules only.

Sources: standards/FIELDWORK.md §2. The four 暴雨 signal colours and the usual warning → response mapping
(蓝 → Ⅳ, 黄 → Ⅲ, 橙 → Ⅱ, 红 → Ⅰ) are confirmed [C]; who signs (Ⅳ/Ⅲ 城防指, Ⅱ/Ⅰ 防指) too. The mapping is
kept as configuration (`FloodRules`) since a city's 应急预案 decides it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from citysteward.kernel.actor import Role
from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.labels import Labelled


class WarningColour(Labelled):
    BLUE = "blue"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"

    @property
    def rank(self) -> int:
        return list(WarningColour).index(self) + 1


WarningColour.set_labels({
    "blue": ("暴雨蓝色预警", "#1565c0"),
    "yellow": ("暴雨黄色预警", "#f9a825"),
    "orange": ("暴雨橙色预警", "#ef6c00"),
    "red": ("暴雨红色预警", "#c62828"),
})
# The national signal thresholds (FIELDWORK §2.1), shown beside the colours.
WARNING_THRESHOLDS = {
    "blue": "12 小时内降雨量将达 50 毫米以上，或已达 50 毫米以上且降雨可能持续",
    "yellow": "6 小时内降雨量将达 50 毫米以上，或已达 50 毫米以上且降雨可能持续",
    "orange": "3 小时内降雨量将达 50 毫米以上，或已达 50 毫米以上且降雨可能持续",
    "red": "3 小时内降雨量将达 100 毫米以上，或已达 100 毫米以上且降雨可能持续",
}


class ResponseLevel(Labelled):
    """Ⅳ is the lowest response, Ⅰ the highest."""

    IV = "iv"
    III = "iii"
    II = "ii"
    I = "i"  # noqa: E741 - the level's own name

    @property
    def rank(self) -> int:
        return list(ResponseLevel).index(self) + 1

    @property
    def signer(self) -> str:
        return "城市防汛指挥部指挥长（城防指）" if self.rank <= 2 else "市防汛指挥部（防指）"


ResponseLevel.set_labels({
    "iv": ("Ⅳ级响应", "#1565c0"),
    "iii": ("Ⅲ级响应", "#f9a825"),
    "ii": ("Ⅱ级响应", "#ef6c00"),
    "i": ("Ⅰ级响应", "#c62828"),
})

DECLARERS = frozenset({Role.SHIFT_LEADER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
RECORDERS = frozenset({Role.SHIFT_LEADER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.DISPATCHER, Role.UNIT})


class CheckKind(Labelled):
    INLETS_CLEARED = "inlets_cleared"
    PUMP_TESTED = "pump_tested"
    MATERIALS_READY = "materials_ready"
    SIGNS_IN_PLACE = "signs_in_place"
    PLAN_UPDATED = "plan_updated"


CheckKind.set_labels({
    "inlets_cleared": ("雨水口、检查井清掏", "#0d6efd"),
    "pump_tested": ("泵站试机", "#6610f2"),
    "materials_ready": ("防汛物资到位", "#198754"),
    "signs_in_place": ("积水点警示标志", "#fd7e14"),
    "plan_updated": ("一点一策预案更新", "#6c757d"),
})


class CheckResult(Labelled):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


CheckResult.set_labels({
    "pending": ("待检查", "#6c757d"),
    "passed": ("合格", "#198754"),
    "failed": ("不合格", "#dc3545"),
})


@dataclass(frozen=True, slots=True)
class FloodRules:
    """Configurable: which response level each warning colour calls for (None: no automatic raise)."""

    warning_levels: Mapping[str, str | None] = field(default_factory=lambda: {
        "blue": "iv", "yellow": "iii", "orange": "ii", "red": "i"})

    def level_for(self, colour: WarningColour) -> ResponseLevel | None:
        value = self.warning_levels.get(colour.value)
        return ResponseLevel(value) if value else None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> FloodRules:
        data = dict(data or {})
        levels = dict(cls().warning_levels)
        for key, value in dict(data.get("warning_levels") or {}).items():
            if key not in levels:
                raise InvalidInput(f"未知的预警颜色：{key}", {"field": "warning_levels"})
            if value not in (None, "", *(lv.value for lv in ResponseLevel)):
                raise InvalidInput("响应级别只能是 iv、iii、ii、i 或留空", {"field": f"warning_levels.{key}"})
            levels[key] = value or None
        return cls(warning_levels=levels)

    def to_dict(self) -> dict[str, Any]:
        return {"warning_levels": dict(self.warning_levels)}


def raised_level(current: ResponseLevel | None, proposed: ResponseLevel | None) -> ResponseLevel | None:
    """The level a warning moves an event to: up only, never down (lowering is a declared decision)."""
    if proposed is None:
        return None
    if current is None or proposed.rank > current.rank:
        return proposed
    return None


def higher_colour(a: WarningColour | None, b: WarningColour) -> WarningColour:
    return b if a is None or b.rank > a.rank else a


def depth_state(depth_cm: float, orange_cm: float | None, red_cm: float | None) -> str:
    """A depth against a point's thresholds: red / orange / normal."""
    if red_cm is not None and depth_cm >= red_cm:
        return "red"
    if orange_cm is not None and depth_cm >= orange_cm:
        return "orange"
    return "normal"


DEPTH_LABELS = {"red": ("超红色阈值", "#c62828"), "orange": ("超橙色阈值", "#ef6c00"), "normal": ("未超阈值", "#198754")}


def roster_gaps(shifts: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) no duty shift covers (24-h 值班 means none)."""
    gaps: list[tuple[datetime, datetime]] = []
    cursor = start
    for s, e in sorted(shifts):
        if e <= cursor:
            continue
        if s > cursor:
            gaps.append((cursor, min(s, end)))
        cursor = max(cursor, e)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return [g for g in gaps if g[0] < g[1]]


@dataclass(frozen=True, slots=True)
class Figures:
    """The after-action report's headline figures."""

    warnings: int
    warnings_by_colour: Mapping[str, int]
    person_times: int
    vehicle_times: int
    pump_times: int
    points_observed: int
    points_cleared: int
    cases: int
    cases_by_type: list[tuple[str, int]]

    @property
    def equipment_times(self) -> int:
        return self.vehicle_times + self.pump_times
