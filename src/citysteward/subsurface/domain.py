"""Road-subsurface defects (道路地下病害 / 塌陷隐患): surveys, defects, re-surveys, treatment.

Sources: standards/FIELDWORK.md §1. Defect types 空洞 / 脱空 / 疏松体（一般、严重）/ 富水体 are confirmed; the
risk-grade scale, its direction (is Ⅳ or Ⅰ the worst?) and the treatment time limits per grade are
unknown, so they are configuration (`SubsurfaceRules`). Re-survey intervals default to the 3 / 6 months of
one real system [P] and are configurable too.

The defect's life is one table of (state, action) → (next state, roles), like cases and tickets.
A re-survey (复测) is an observation of the same defect: it may change the type (脱空 → 空洞), the size and
the grade; the defect row is the latest observation, the observations are its history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden, IllegalTransition, InvalidInput
from citysteward.kernel.labels import Labelled


class DefectType(Labelled):
    CAVITY = "cavity"
    VOID = "void"
    LOOSE_SEVERE = "loose_severe"
    LOOSE_GENERAL = "loose_general"
    WATER_RICH = "water_rich"

    @property
    def short_code(self) -> str:
        """The short codes real systems use (kd / tk / sstyz / sstyb / fst)."""
        return _SHORT[self]

    @property
    def is_loose(self) -> bool:
        return self in (DefectType.LOOSE_SEVERE, DefectType.LOOSE_GENERAL)


DefectType.set_labels({
    "cavity": ("空洞", "#c62828"),
    "void": ("脱空", "#ef6c00"),
    "loose_severe": ("严重疏松体", "#f9a825"),
    "loose_general": ("一般疏松体", "#fdd835"),
    "water_rich": ("富水体", "#1565c0"),
})
_SHORT = {DefectType.CAVITY: "kd", DefectType.VOID: "tk", DefectType.LOOSE_SEVERE: "sstyz",
          DefectType.LOOSE_GENERAL: "sstyb", DefectType.WATER_RICH: "fst"}


class SurveyMethod(Labelled):
    VEHICLE_RADAR = "vehicle_radar"
    HANDHELD_RADAR = "handheld_radar"
    BOREHOLE_ENDOSCOPE = "borehole_endoscope"
    SURFACE_WAVE = "surface_wave"
    VISUAL = "visual"


SurveyMethod.set_labels({
    "vehicle_radar": ("车载三维探地雷达", "#0d6efd"),
    "handheld_radar": ("手持雷达复核", "#6610f2"),
    "borehole_endoscope": ("钻孔+内窥镜验证", "#198754"),
    "surface_wave": ("面波法", "#20c997"),
    "visual": ("现场目视", "#6c757d"),
})


class DefectState(Labelled):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    TREATING = "treating"
    TREATED = "treated"
    OBSERVING = "observing"
    CLOSED = "closed"


DefectState.set_labels({
    "pending": ("待核实", "#6c757d"),
    "confirmed": ("已确认", "#0d6efd"),
    "treating": ("处置中", "#fd7e14"),
    "treated": ("已治理", "#198754"),
    "observing": ("观察中", "#6f42c1"),
    "closed": ("闭环", "#212529"),
})


class DefectAction(Labelled):
    CONFIRM = "confirm"
    DISMISS = "dismiss"
    START_TREATMENT = "start_treatment"
    COMPLETE_TREATMENT = "complete_treatment"
    OBSERVE = "observe"
    CLOSE = "close"


DefectAction.set_labels({
    "confirm": ("核实确认", "#0d6efd"),
    "dismiss": ("核实排除", "#6c757d"),
    "start_treatment": ("开始处置", "#fd7e14"),
    "complete_treatment": ("治理完成", "#198754"),
    "observe": ("转入观察", "#6f42c1"),
    "close": ("闭环销号", "#212529"),
})


class TreatmentMethod(Labelled):
    GROUTING = "grouting"
    EXCAVATION = "excavation"
    PERIODIC_RESURVEY = "periodic_resurvey"


TreatmentMethod.set_labels({
    "grouting": ("注浆加固", "#0d6efd"),
    "excavation": ("开挖回填", "#fd7e14"),
    "periodic_resurvey": ("定期复测", "#6f42c1"),
})

S, A, R = DefectState, DefectAction, Role
FIELD_STAFF = frozenset({R.UNIT, R.DISPATCHER, R.SHIFT_LEADER, R.SUPERVISOR, R.LEADER, R.ADMIN})
DECIDERS = frozenset({R.SHIFT_LEADER, R.SUPERVISOR, R.LEADER, R.ADMIN})
# (state, action) -> (next state, roles)
DEFECT_TRANSITIONS: Mapping[tuple[DefectState, DefectAction], tuple[DefectState, frozenset[Role]]] = {
    (S.PENDING, A.CONFIRM): (S.CONFIRMED, FIELD_STAFF),
    (S.PENDING, A.DISMISS): (S.CLOSED, DECIDERS | {R.UNIT}),
    (S.CONFIRMED, A.START_TREATMENT): (S.TREATING, FIELD_STAFF),
    (S.CONFIRMED, A.OBSERVE): (S.OBSERVING, FIELD_STAFF),
    (S.TREATING, A.COMPLETE_TREATMENT): (S.TREATED, FIELD_STAFF),
    (S.TREATED, A.OBSERVE): (S.OBSERVING, FIELD_STAFF),
    (S.TREATED, A.CLOSE): (S.CLOSED, DECIDERS),
    (S.OBSERVING, A.START_TREATMENT): (S.TREATING, FIELD_STAFF),
    (S.OBSERVING, A.CLOSE): (S.CLOSED, DECIDERS),
}


def check_defect_action(state: DefectState, action: DefectAction, actor: Actor) -> DefectState:
    entry = DEFECT_TRANSITIONS.get((state, action))
    if entry is None:
        raise IllegalTransition(f"隐患当前状态为「{state.label}」，不能执行「{action.label}」",
                                {"state": state.value, "action": action.value})
    nxt, roles = entry
    if actor.role not in roles:
        raise Forbidden(f"「{actor.role.label}」无权执行「{action.label}」",
                        {"role": actor.role.value, "allowed": sorted(r.value for r in roles)})
    return nxt


def allowed_defect_actions(state: DefectState, actor: Actor) -> list[DefectAction]:
    return [a for (s, a), (_n, roles) in DEFECT_TRANSITIONS.items() if s is state and actor.role in roles]


def transition_table_markdown() -> str:
    lines = ["| 状态 state | 动作 action | 下一状态 next | 角色 roles |", "|---|---|---|---|"]
    for (state, action), (nxt, roles) in DEFECT_TRANSITIONS.items():
        who = "、".join(r.label for r in Role if r in roles)
        lines.append(f"| {state.label} `{state.value}` | {action.label} `{action.value}` | {nxt.label} `{nxt.value}` "
                     f"| {who} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- configuration
SEVERITY_COLOURS = ("#c62828", "#ef6c00", "#f9a825", "#1565c0", "#2e7d32", "#6c757d")  # worst first


@dataclass(frozen=True, slots=True)
class SubsurfaceRules:
    """Local policy (FIELDWORK §1.4, §1.6: thresholds, scale direction and time limits are unknown).

    - `grades`: the ordinal risk scale as written on paper (default Ⅰ–Ⅳ);
    - `worst_first`: False when the last grade is the most severe (the Hangzhou sample: Ⅳ worst), True
      when the first is (the "Ⅰ…Ⅳ, 安全" systems);
    - `deadline_days`: rows {type, grade, days}; "*" matches any type or grade; the most specific row
      wins. No row: the treatment has no compulsory deadline (it is not invented);
    - `resurvey_months`: per defect type (default 3 for 空洞 / 脱空 / 严重疏松体, 6 for the rest [P]).
    """

    grades: tuple[str, ...] = ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ")
    worst_first: bool = False
    deadline_days: tuple[tuple[str, str, float], ...] = ()
    resurvey_months: Mapping[str, int] = field(default_factory=lambda: {
        "cavity": 3, "void": 3, "loose_severe": 3, "loose_general": 6, "water_rich": 6})

    def check_grade(self, grade: str) -> str:
        grade = (grade or "").strip()
        if grade not in self.grades:
            raise InvalidInput(f"风险等级只能是：{'、'.join(self.grades)}", {"field": "grade", "value": grade})
        return grade

    def severity(self, grade: str | None) -> int:
        """0 = the most severe grade; larger = milder; len(grades) for an unknown or missing grade."""
        if grade not in self.grades:
            return len(self.grades)
        i = self.grades.index(grade)
        return i if self.worst_first else len(self.grades) - 1 - i

    def grades_worst_first(self) -> list[str]:
        return sorted(self.grades, key=self.severity)

    def colour(self, grade: str | None) -> str:
        rank = self.severity(grade)
        return SEVERITY_COLOURS[min(rank, len(SEVERITY_COLOURS) - 1)] if grade in self.grades else "#6c757d"

    def deadline_for(self, defect_type: DefectType, grade: str, start: datetime) -> datetime | None:
        days = self.days_for(defect_type, grade)
        return None if days is None else start + timedelta(days=days)

    def days_for(self, defect_type: DefectType, grade: str) -> float | None:
        best: tuple[int, float] | None = None
        for t, g, days in self.deadline_days:
            if t not in ("*", defect_type.value) or g not in ("*", grade):
                continue
            specificity = (t != "*") * 2 + (g != "*")
            if best is None or specificity > best[0]:
                best = (specificity, days)
        return None if best is None else best[1]

    def resurvey_due(self, defect_type: DefectType, after: date) -> date | None:
        months = self.resurvey_months.get(defect_type.value)
        return None if not months else add_months(after, months)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> SubsurfaceRules:
        data = dict(data or {})
        default = cls()
        grades = data.get("grades", list(default.grades))
        if (not isinstance(grades, list | tuple) or not 2 <= len(grades) <= 6
                or not all(isinstance(g, str) and g.strip() for g in grades) or len(set(grades)) != len(grades)):
            raise InvalidInput("风险等级须为 2–6 个互不相同的名称", {"field": "grades"})
        grades = tuple(g.strip() for g in grades)
        worst_first = data.get("worst_first", default.worst_first)
        if not isinstance(worst_first, bool):
            raise InvalidInput("worst_first 须为 true 或 false", {"field": "worst_first"})
        rows = []
        for i, row in enumerate(data.get("deadline_days") or []):
            if isinstance(row, list | tuple) and len(row) == 3:
                t, g, days = row
            elif isinstance(row, Mapping):
                t, g, days = row.get("type", "*"), row.get("grade", "*"), row.get("days")
            else:
                raise InvalidInput("处置时限表的每行须含 type、grade、days", {"field": f"deadline_days.{i}"})
            if t != "*" and t not in {m.value for m in DefectType}:
                raise InvalidInput(f"未知的病害类型：{t}", {"field": f"deadline_days.{i}.type"})
            if g != "*" and g not in grades:
                raise InvalidInput(f"处置时限表中的风险等级「{g}」不在等级表中", {"field": f"deadline_days.{i}.grade"})
            if isinstance(days, bool) or not isinstance(days, int | float) or days <= 0:
                raise InvalidInput("处置时限（天）须为正数", {"field": f"deadline_days.{i}.days"})
            rows.append((str(t), str(g), float(days)))
        if len({(t, g) for t, g, _ in rows}) != len(rows):
            raise InvalidInput("处置时限表中有重复的类型与等级组合", {"field": "deadline_days"})
        months = dict(default.resurvey_months)
        for key, value in dict(data.get("resurvey_months") or {}).items():
            if key not in months:
                raise InvalidInput(f"未知的病害类型：{key}", {"field": "resurvey_months"})
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 60:
                raise InvalidInput("复测周期（月）须为 0–60 的整数（0 表示不复测）", {"field": f"resurvey_months.{key}"})
            months[key] = value
        return cls(grades=grades, worst_first=worst_first, deadline_days=tuple(rows), resurvey_months=months)

    def to_dict(self) -> dict[str, Any]:
        return {"grades": list(self.grades), "worst_first": self.worst_first,
                "deadline_days": [{"type": t, "grade": g, "days": d} for t, g, d in self.deadline_days],
                "resurvey_months": dict(self.resurvey_months)}


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class Measure:
    """What one look at a defect established: type, size, depth, grade."""

    defect_type: DefectType
    grade: str
    length_m: float | None = None
    width_m: float | None = None
    area_m2: float | None = None
    top_depth_m: float | None = None
    height_m: float | None = None

    @property
    def plan_area(self) -> float | None:
        if self.area_m2 is not None:
            return self.area_m2
        if self.length_m is not None and self.width_m is not None:
            return round(self.length_m * self.width_m, 2)
        return None


def check_measure(measure: Measure, rules: SubsurfaceRules) -> Measure:
    rules.check_grade(measure.grade)
    for name in ("length_m", "width_m", "area_m2", "height_m"):
        value = getattr(measure, name)
        if value is not None and not 0 < value <= 1000:
            raise InvalidInput("尺寸须为 0–1000 米（平方米）之间的正数", {"field": name})
    if measure.top_depth_m is not None and not 0 <= measure.top_depth_m <= 100:
        raise InvalidInput("顶板埋深须在 0–100 米之间", {"field": "top_depth_m"})
    return measure


@dataclass(slots=True)
class Defect:
    code: str
    survey_id: int
    road: str
    measure: Measure
    state: DefectState
    found_at: datetime
    detect_method: SurveyMethod
    lon: float | None = None
    lat: float | None = None
    chainage_m: float | None = None
    verify_method: SurveyMethod | None = None
    note: str = ""
    next_resurvey: date | None = None
    id: int | None = None
    version: int = 1
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    defect_id: int
    observed_at: datetime
    method: SurveyMethod
    measure: Measure
    kind: str  # initial | resurvey | verify
    by: str
    note: str = ""
    id: int | None = None


def type_change(before: Measure, after: Measure) -> str:
    """"脱空 → 空洞" when a re-survey finds another type; "" when the type stayed."""
    if before.defect_type is after.defect_type:
        return ""
    return f"{before.defect_type.label} → {after.defect_type.label}"


def chainage_label(metres: float | None) -> str:
    """K1+250 style road chainage (桩号)."""
    if metres is None:
        return ""
    km, m = divmod(int(round(metres)), 1000)
    return f"K{km}+{m:03d}"


def treatment_overdue(deadline: datetime | None, completed_at: datetime | None, now: datetime) -> bool:
    return deadline is not None and completed_at is None and now > deadline


def count_by(rows: Sequence[Mapping[str, Any]], key: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        out[str(r[key])] = out.get(str(r[key]), 0) + 1
    return out
