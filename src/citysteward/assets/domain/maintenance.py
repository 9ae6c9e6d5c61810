"""Maintenance work (养护作业): work orders with quantities by type, their totals per month, unit and
district, streetlight 亮灯率 from night checks against a configurable target table, and the report
paragraph the bureau writes ("维修路灯 N 盏次，更换电缆 N 米，清挖雨水井 N 眼 …", seeds/000).

Targets are local policy: the defaults are Hebei's 2012 rule (主干道 98 %, 次干道/支路 96 %) [C —
FIELDWORK.md §7.2]; an administrator replaces them. 亮灯率 = 亮灯数 / 路灯总数 (lamps lit / lamps checked).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from citysteward.assets.domain.roads import RoadClass
from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.labels import Labelled


class WorkType(Labelled):
    LAMP_REPAIR = "lamp_repair"
    CABLE = "cable"
    SIGN = "sign"
    POST = "post"
    INLET_CLEAR = "inlet_clear"
    WELL_CLEAR = "well_clear"
    HAZARD_FIX = "hazard_fix"
    PUMP_OVERHAUL = "pump_overhaul"
    LED_RETROFIT = "led_retrofit"


WorkType.set_labels({
    "lamp_repair": ("维修路灯", "#f9a825"), "cable": ("更换电缆", "#6c757d"),
    "sign": ("维修更换河道警示牌", "#3d6a99"), "post": ("更换立柱", "#3d6a99"),
    "inlet_clear": ("清挖雨水井", "#1565c0"), "well_clear": ("清挖检查井", "#1565c0"),
    "hazard_fix": ("整治路面坑槽、井盖破损等隐患", "#c62828"), "pump_overhaul": ("检修泵站", "#1f3a5f"),
    "led_retrofit": ("LED 路灯改造", "#2e7d32"),
})
# The measure each quantity is counted in (the seeds' own words).
WORK_UNIT = {
    WorkType.LAMP_REPAIR: "盏次", WorkType.CABLE: "米", WorkType.SIGN: "块", WorkType.POST: "根",
    WorkType.INLET_CLEAR: "眼", WorkType.WELL_CLEAR: "座", WorkType.HAZARD_FIX: "处",
    WorkType.PUMP_OVERHAUL: "座次", WorkType.LED_RETROFIT: "套",
}
# A case of this component class, when closed, is one piece of this work.
WORK_OF_CLASS = {"01037": WorkType.LAMP_REPAIR, "01004": WorkType.INLET_CLEAR, "01003": WorkType.HAZARD_FIX,
                 "01072": WorkType.PUMP_OVERHAUL}
MAX_QUANTITY = 1_000_000


class WorkOrigin(Labelled):
    PLANNED = "planned"
    CASE = "case"


WorkOrigin.set_labels({"planned": ("计划养护", "#3d6a99"), "case": ("案件维修", "#f9a825")})


class WorkStatus(Labelled):
    PLANNED = "planned"
    DONE = "done"


WorkStatus.set_labels({"planned": ("待实施", "#6c757d"), "done": ("已完成", "#2e7d32")})


@dataclass(frozen=True, slots=True)
class Quantity:
    work_type: WorkType
    amount: float
    watts_before: float | None = None  # LED retrofit: power per lamp before and after
    watts_after: float | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any], where: str = "") -> Quantity:
        kind = str(raw.get("work_type") or "")
        if kind not in WorkType._value2member_map_:
            raise InvalidInput(f"{where}作业类型「{kind}」无效", {"field": "work_type"})
        wt = WorkType(kind)
        try:
            amount = float(raw.get("amount") or 0)
            before = float(raw["watts_before"]) if raw.get("watts_before") not in (None, "") else None
            after = float(raw["watts_after"]) if raw.get("watts_after") not in (None, "") else None
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"{where}{wt.label}的数量或功率应为数字", {"field": "amount"}) from exc
        if not 0 < amount <= MAX_QUANTITY:
            raise InvalidInput(f"{where}{wt.label}的数量应大于 0 且不超过 {MAX_QUANTITY}", {"field": "amount"})
        if wt is WorkType.LED_RETROFIT:
            if before is None or after is None or not 0 < after < before <= 5000:
                raise InvalidInput(f"{where}LED 改造需填写改造前后单灯功率（瓦），且改造后小于改造前", {"field": "watts"})
        else:
            before = after = None
        return cls(wt, amount, before, after)


@dataclass(frozen=True, slots=True)
class WorkOrder:
    title: str
    origin: WorkOrigin
    status: WorkStatus
    unit_id: int | None
    district_code: str | None
    planned_on: date | None
    done_at: datetime | None
    quantities: tuple[Quantity, ...] = ()
    id: int | None = None
    no: str = ""
    team: str = ""
    crew: int = 0
    equipment: str = ""
    road_id: int | None = None
    component_id: int | None = None
    case_no: str | None = None
    note: str = ""
    created_by: str = ""


def check_order(order: WorkOrder) -> None:
    if not order.title.strip():
        raise InvalidInput("请填写作业名称", {"field": "title"})
    if order.status is WorkStatus.DONE and order.done_at is None:
        raise InvalidInput("已完成的作业需填写完成时间", {"field": "done_at"})
    if order.status is WorkStatus.DONE and not order.quantities:
        raise InvalidInput("已完成的作业至少填写一项工作量", {"field": "quantities"})
    if not 0 <= order.crew <= 10_000:
        raise InvalidInput("出动人数超出范围", {"field": "crew"})
    seen = [q.work_type for q in order.quantities]
    if len(seen) != len(set(seen)):
        raise InvalidInput("同一作业中每种工作量只填一行", {"field": "quantities"})


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums of done work by type (and LED watts saved) over a period and scope."""

    amounts: dict[WorkType, float] = field(default_factory=dict)
    orders: int = 0
    watts_before: float = 0.0  # LED retrofits: Σ amount × watts before / after
    watts_after: float = 0.0

    @property
    def saving_rate(self) -> float | None:
        return 1 - self.watts_after / self.watts_before if self.watts_before else None


def totals_from_rows(rows: Iterable[Mapping[str, Any]]) -> Totals:
    """Rows of (work_type, amount, watts_before_total, watts_after_total, orders)."""
    amounts: dict[WorkType, float] = {}
    before = after = 0.0
    orders = 0
    for r in rows:
        wt = WorkType(r["work_type"])
        amounts[wt] = amounts.get(wt, 0.0) + float(r["amount"] or 0)
        before += float(r.get("watts_before") or 0)
        after += float(r.get("watts_after") or 0)
        orders = max(orders, int(r.get("orders") or 0))
    return Totals(amounts, orders, before, after)


def _n(x: float) -> str:
    return f"{x:,.0f}".replace(",", "") if float(x).is_integer() else f"{x:.1f}"


def report_sentence(t: Totals) -> str:
    """The seeds' paragraph: "维修路灯 4702 盏次，更换电缆 3529 米，…"; types with no work are left out."""
    parts = [f"{wt.label} {_n(t.amounts[wt])} {WORK_UNIT[wt]}" for wt in WorkType if t.amounts.get(wt)]
    if not parts:
        return "本期无养护作业记录。"
    text = "，".join(parts)
    if t.saving_rate is not None:
        text += f"（LED 改造节电率 {t.saving_rate:.0%}）"
    return text + "。"


# ---- 亮灯率 --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LightingTargets:
    """Target 亮灯率 per road class (percent); local policy."""

    by_class: dict[str, float] = field(default_factory=lambda: {
        RoadClass.ARTERIAL.value: 98.0, RoadClass.SECONDARY.value: 96.0,
        RoadClass.BRANCH.value: 96.0, RoadClass.ALLEY.value: 96.0})

    def target(self, cls: RoadClass) -> float:
        return self.by_class.get(cls.value, 96.0)


@dataclass(frozen=True, slots=True)
class LightingRate:
    road_class: RoadClass
    lamps: int
    dark: int
    target: float

    @property
    def rate(self) -> float | None:
        return 100.0 * (self.lamps - self.dark) / self.lamps if self.lamps else None

    @property
    def meets(self) -> bool | None:
        return None if self.rate is None else self.rate >= self.target


def lighting_rates(rows: Iterable[Mapping[str, Any]], targets: LightingTargets) -> list[LightingRate]:
    """Rows of (road_class, lamps, dark) summed over checks → one rate per class."""
    sums: dict[RoadClass, list[int]] = {}
    for r in rows:
        s = sums.setdefault(RoadClass(r["road_class"]), [0, 0])
        s[0] += int(r["lamps"] or 0)
        s[1] += int(r["dark"] or 0)
    return [LightingRate(c, sums[c][0], sums[c][1], targets.target(c)) for c in RoadClass if c in sums]


def check_lighting(lamps: int, dark: int) -> None:
    if lamps <= 0 or lamps > 100_000:
        raise InvalidInput("检查路灯总数应在 1 至 100000 之间", {"field": "lamps"})
    if not 0 <= dark <= lamps:
        raise InvalidInput("不亮灯数应在 0 与路灯总数之间", {"field": "dark"})
