"""Local policy of the assets context (settings key `assets`): how far a pin may be from a road's centre
line to take that road, how far to look for nearby components, and the 亮灯率 targets per road class."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from citysteward.assets.domain.maintenance import LightingTargets
from citysteward.assets.domain.roads import RoadClass
from citysteward.kernel.errors import InvalidInput

SETTINGS_KEY = "assets"


@dataclass(frozen=True, slots=True)
class AssetsConfig:
    road_snap_m: float = 30.0
    nearby_components_m: float = 100.0
    lighting: LightingTargets = field(default_factory=LightingTargets)

    @classmethod
    def from_dict(cls, raw: Any) -> AssetsConfig:
        raw = raw if isinstance(raw, dict) else {}
        base = cls()
        try:
            snap = float(raw.get("road_snap_m", base.road_snap_m))
            near = float(raw.get("nearby_components_m", base.nearby_components_m))
            targets = {**base.lighting.by_class, **{str(k): float(v) for k, v in (raw.get("lighting_targets") or {}).items()}}
        except (TypeError, ValueError, AttributeError) as exc:
            raise InvalidInput("道路部件设置的数值格式有误") from exc
        if not 0 <= snap <= 500:
            raise InvalidInput("道路吸附距离应在 0 至 500 米之间", {"field": "road_snap_m"})
        if not 1 <= near <= 2000:
            raise InvalidInput("附近部件搜索半径应在 1 至 2000 米之间", {"field": "nearby_components_m"})
        for k, v in targets.items():
            if k not in RoadClass._value2member_map_ or not 0 < v <= 100:
                raise InvalidInput(f"亮灯率目标「{k}」无效（道路等级之一，0–100）", {"field": "lighting_targets"})
        return cls(snap, near, LightingTargets(targets))

    def to_dict(self) -> dict[str, Any]:
        return {"road_snap_m": self.road_snap_m, "nearby_components_m": self.nearby_components_m,
                "lighting_targets": dict(self.lighting.by_class)}
