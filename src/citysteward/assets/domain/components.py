"""City components (管理部件): lamps, inlets, manhole covers, pump stations … with the GB/T 47678.5
identifier, a state and attributes per class.

标识码 (GLBJBSM): 17 digits = 6 division (GB/T 2260) + 2 class + 3 item + 6 sequence; the older
CJ/T 214 / GB/T 30428.2 form has 16 = 6 + 2 + 2 + 6 and is accepted as it is (never rewritten).
States (GLBJZT) are an open list: 完好/破损/丢失/废弃/移除 … [P — FIELDWORK.md §7.1].
The 5-digit class (大类 + 小类) is the component's category in the catalogue (01037 路灯), so a case
of category 01037 路灯异常 offers the nearest components of class 01037.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.labels import Labelled


class ComponentState(Labelled):
    INTACT = "intact"
    DAMAGED = "damaged"
    LOST = "lost"
    SCRAPPED = "scrapped"
    REMOVED = "removed"


ComponentState.set_labels({
    "intact": ("完好", "#2e7d32"), "damaged": ("破损", "#c62828"), "lost": ("丢失", "#6a1b9a"),
    "scrapped": ("废弃", "#6c757d"), "removed": ("移除", "#495057"),
})
_STATE_BY_LABEL = {m.label: m for m in ComponentState}


def component_state(value: str) -> ComponentState:
    text = str(value or "").strip()
    if text in ComponentState._value2member_map_:
        return ComponentState(text)
    if text in _STATE_BY_LABEL:
        return _STATE_BY_LABEL[text]
    raise InvalidInput(f"部件状态「{text}」无效（可选：{'、'.join(_STATE_BY_LABEL)}）", {"field": "state"})


class DataSource(Labelled):
    SURVEYED = "surveyed"
    TOPOGRAPHIC = "topographic"
    BASEMAP = "basemap"
    OTHER = "other"


DataSource.set_labels({"surveyed": ("实测", "#2e7d32"), "topographic": ("地形图", "#3d6a99"),
                       "basemap": ("基础地理数据", "#6c8fb5"), "other": ("其他", "#6c757d")})


@dataclass(frozen=True, slots=True)
class ComponentCode:
    value: str

    @property
    def legacy(self) -> bool:
        return len(self.value) == 16

    @property
    def division(self) -> str:
        return self.value[:6]

    @property
    def class_code(self) -> str:
        """The 5-digit class of the 17-digit form; the legacy form's 4 digits (2 + 2)."""
        return self.value[6:10] if self.legacy else self.value[6:11]

    @property
    def sequence(self) -> str:
        return self.value[-6:]

    @classmethod
    def parse(cls, raw: Any) -> ComponentCode:
        text = str(raw if raw is not None else "").strip()
        if not text.isascii() or not text.isdigit() or len(text) not in (16, 17):
            raise InvalidInput(f"部件标识码「{text[:40]}」应为 17 位数字（6 位行政区划 + 5 位类别 + 6 位顺序码），"
                               "或旧标准的 16 位数字", {"field": "code"})
        if text[:2] == "00" or text[-6:] == "000000":
            raise InvalidInput(f"部件标识码「{text}」的行政区划或顺序码无效", {"field": "code"})
        return cls(text)


@dataclass(frozen=True, slots=True)
class Attr:
    key: str
    label: str
    kind: str  # "text" | "number" | "choice"
    choices: tuple[str, ...] = ()
    unit: str = ""


# Attributes per class, beyond the 18 standard ones (FIELDWORK.md §7.2 suggests the lighting set).
CLASS_ATTRIBUTES: dict[str, tuple[Attr, ...]] = {
    "01037": (Attr("lamp_type", "灯具类型", "choice", ("LED", "高压钠灯", "金卤灯", "其他")),
              Attr("power_w", "功率", "number", unit="W"), Attr("circuit", "回路/箱变", "text"),
              Attr("pole_height_m", "灯杆高度", "number", unit="m")),
    "01004": (Attr("kind", "类型", "choice", ("平箅", "立箅", "联合式")),),
    "01003": (Attr("material", "材质", "choice", ("铸铁", "球墨铸铁", "复合材料", "混凝土")),),
    "01072": (Attr("capacity_m3h", "排水能力", "number", unit="m³/h"), Attr("pumps", "水泵台数", "number")),
}


def clean_attributes(class_code: str, raw: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """The class's attributes from raw values (numbers parsed, choices checked); others are dropped."""
    out: dict[str, Any] = {}
    for a in CLASS_ATTRIBUTES.get(class_code, ()):
        value = raw.get(a.key)
        if value is None or str(value).strip() == "":
            continue
        if a.kind == "number":
            try:
                number = float(value)
            except (TypeError, ValueError) as exc:
                raise InvalidInput(f"{where}{a.label}应为数字", {"field": a.key}) from exc
            if not 0 <= number < 1e9:
                raise InvalidInput(f"{where}{a.label}超出范围", {"field": a.key})
            out[a.key] = number
        elif a.kind == "choice":
            if str(value) not in a.choices:
                raise InvalidInput(f"{where}{a.label}「{value}」无效（可选：{'、'.join(a.choices)}）", {"field": a.key})
            out[a.key] = str(value)
        else:
            out[a.key] = str(value).strip()[:100]
    return out


@dataclass(frozen=True, slots=True)
class Component:
    code: str
    name: str
    class_code: str
    lon: float
    lat: float
    state: ComponentState = ComponentState.INTACT
    id: int | None = None
    grid_code: str | None = None
    road_id: int | None = None
    department: str = ""  # 主管部门
    owner: str = ""  # 权属单位
    maintainer: str = ""  # 养护单位
    maintainer_unit_id: int | None = None
    initial_date: date | None = None
    changed_at: datetime | None = None
    data_source: DataSource = DataSource.SURVEYED
    attributes: dict[str, Any] = field(default_factory=dict)
    note: str = ""


class HistoryKind(Labelled):
    REGISTERED = "registered"
    STATE = "state"
    CASE_LINKED = "case_linked"
    CASE_CLOSED = "case_closed"
    WORK = "work"


HistoryKind.set_labels({
    "registered": ("登记", "#6c757d"), "state": ("状态变更", "#3d6a99"), "case_linked": ("关联案件", "#f9a825"),
    "case_closed": ("案件结案", "#2e7d32"), "work": ("养护作业", "#1f3a5f"),
})


def state_after_case(opened_state: ComponentState | None) -> ComponentState:
    """A closed case means the problem was handled (结案 requires a passed check): the component is
    intact again, unless it was scrapped or removed meanwhile (those are not repaired by a case)."""
    if opened_state in (ComponentState.SCRAPPED, ComponentState.REMOVED):
        return opened_state
    return ComponentState.INTACT
