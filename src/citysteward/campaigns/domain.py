"""Campaigns (专项行动), checklists (检查标准), inspections (明察暗访 / 第三方测评 / 自查), scoring and
flags (红蓝旗), key tasks (民生实事). Pure rules; sources in standards/FIELDWORK.md §3–§5.

- A checklist template is data an administrator edits: items with pass / fail / NA, a weight, whether a
  failure needs a photo, an optional count rule ("≥ 5 公益广告 / 100 m": a count below the minimum
  fails the item) and the case category a failure becomes. Editing a template makes a new version;
  inspections keep the version they were made with.
- An inspection's score is the weight of the passed items over the weight of the judged ones (NA
  items drop out), 0–100.
- A failed item is a problem (问题) until it is rectified (销号): its case is checked or closed, or its
  supervision ticket accepted.
- An appraisal ranks areas or units by a weighted mix of inspection scores and case indicators; the
  top N get the first flag, the bottom N the second (红/蓝, 红/黑, 红/黄: configurable), and each row
  keeps the rule that made it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.labels import Labelled


class SubjectKind(Labelled):
    SITE = "site"
    RESTAURANT = "restaurant"
    SHOP = "shop"
    VILLAGE = "village"
    POINT = "point"
    ROAD = "road"


SubjectKind.set_labels({
    "site": ("建筑工地", "#fd7e14"),
    "restaurant": ("餐饮门店", "#d63384"),
    "shop": ("沿街商铺", "#0d6efd"),
    "village": ("村庄", "#198754"),
    "point": ("测评点位", "#6f42c1"),
    "road": ("道路", "#6c757d"),
})


class Outcome(Labelled):
    PASS = "pass"
    FAIL = "fail"
    NA = "na"


Outcome.set_labels({"pass": ("合格", "#198754"), "fail": ("不合格", "#dc3545"), "na": ("不适用", "#6c757d")})


class RoundKind(Labelled):
    COVERT = "covert"
    THIRD_PARTY = "third_party"
    SELF_CHECK = "self_check"


RoundKind.set_labels({
    "covert": ("明察暗访", "#0d6efd"),
    "third_party": ("第三方测评", "#6f42c1"),
    "self_check": ("自查", "#198754"),
})


class TaskLevel(Labelled):
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"


TaskLevel.set_labels({"provincial": ("省定民生实事", "#dc3545"), "municipal": ("市定民生实事", "#0d6efd")})

# The pair of flags an appraisal hands out: (top, bottom).
FLAG_SCHEMES: Mapping[str, tuple[str, str]] = {
    "red_blue": ("红旗", "蓝旗"),
    "red_black": ("红旗", "黑旗"),
    "red_yellow": ("红旗", "黄旗"),
}
MAX_ITEMS = 60


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    code: str
    text: str
    weight: float = 1.0
    photo_required: bool = False
    count_min: int | None = None
    count_unit: str = ""
    category_code: str = ""
    id: int | None = None

    @property
    def rule_text(self) -> str:
        return f"≥ {self.count_min} {self.count_unit}".strip() if self.count_min is not None else ""


@dataclass(frozen=True, slots=True)
class Template:
    code: str
    name: str
    subject_kind: SubjectKind
    version: int
    items: tuple[ChecklistItem, ...]
    note: str = ""
    id: int | None = None


def check_template(code: str, name: str, kind: str, items: Sequence[ChecklistItem]) -> SubjectKind:
    """Refuse a template people could not use: no name, unknown kind, no items, duplicate codes."""
    if not code.strip() or not code.replace("-", "").replace("_", "").isalnum() or len(code) > 32:
        raise InvalidInput("模板编码只能由字母、数字、- 和 _ 组成（不超过 32 位）", {"field": "code"})
    if not name.strip():
        raise InvalidInput("请填写模板名称", {"field": "name"})
    try:
        subject_kind = SubjectKind(kind)
    except ValueError as exc:
        raise InvalidInput(f"未知的检查对象类型：{kind}", {"field": "subject_kind"}) from exc
    if not items:
        raise InvalidInput("模板至少需要一个检查项", {"field": "items"})
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"一个模板最多 {MAX_ITEMS} 个检查项", {"field": "items"})
    seen: set[str] = set()
    for i, item in enumerate(items, start=1):
        if not item.text.strip():
            raise InvalidInput(f"第 {i} 个检查项没有内容", {"field": "items"})
        if item.code in seen:
            raise InvalidInput(f"检查项编号重复：{item.code}", {"field": "items"})
        seen.add(item.code)
        if not 0 < item.weight <= 100:
            raise InvalidInput(f"检查项「{item.text}」的分值应在 0–100 之间", {"field": "items"})
        if item.count_min is not None and item.count_min < 1:
            raise InvalidInput(f"检查项「{item.text}」的数量要求应为正整数", {"field": "items"})
    return subject_kind


@dataclass(frozen=True, slots=True)
class ItemResult:
    item_code: str
    outcome: Outcome
    count: int | None = None
    note: str = ""
    photo_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Judged:
    results: tuple[ItemResult, ...]
    score: float | None
    passed: int
    failed: int


def judge(template: Template, given: Mapping[str, ItemResult]) -> Judged:
    """Every item judged once. A count rule decides its item (a count below the minimum fails, at or
    above passes); a failure of an item that requires a photo must carry one."""
    out: list[ItemResult] = []
    for item in template.items:
        r = given.get(item.code)
        if r is None:
            raise InvalidInput(f"检查项「{item.text}」尚未判定", {"field": item.code})
        outcome = r.outcome
        if item.count_min is not None and r.count is not None and outcome is not Outcome.NA:
            if r.count < 0:
                raise InvalidInput(f"检查项「{item.text}」的数量不能为负数", {"field": item.code})
            outcome = Outcome.PASS if r.count >= item.count_min else Outcome.FAIL
        if outcome is Outcome.FAIL and item.photo_required and not r.photo_ids:
            raise InvalidInput(f"检查项「{item.text}」不合格，须附现场照片", {"field": item.code})
        out.append(ItemResult(item.code, outcome, r.count, r.note.strip()[:500], r.photo_ids))
    unknown = set(given) - {i.code for i in template.items}
    if unknown:
        raise InvalidInput(f"模板中没有检查项：{'、'.join(sorted(unknown))}", {"field": "items"})
    weights = {i.code: i.weight for i in template.items}
    judged = [r for r in out if r.outcome is not Outcome.NA]
    total = sum(weights[r.item_code] for r in judged)
    got = sum(weights[r.item_code] for r in judged if r.outcome is Outcome.PASS)
    score = round(100.0 * got / total, 2) if total > 0 else None
    return Judged(tuple(out), score, sum(r.outcome is Outcome.PASS for r in out),
                  sum(r.outcome is Outcome.FAIL for r in out))


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine; ample for "nearby")."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(min(1.0, math.sqrt(a)))


RECTIFIED_CASE_STATES = frozenset({"checked", "closed"})


def problem_state(case_state: str | None, ticket_state: str | None) -> str:
    """open (待整改) | handed (已交办) | rectified (已销号): a problem is 销号 when its case passed the
    on-site check or its ticket was accepted."""
    if case_state in RECTIFIED_CASE_STATES or ticket_state == "rectified":
        return "rectified"
    if case_state is not None or ticket_state is not None:
        return "handed"
    return "open"


PROBLEM_LABELS = {"open": "待交办", "handed": "整改中", "rectified": "已销号"}


# ---------------------------------------------------------------- appraisal (红蓝旗)
@dataclass(frozen=True, slots=True)
class AppraisalRule:
    """Configurable: the weights of the parts, how many flags, which pair of flags, the minimum sample."""

    inspection_weight: float = 70.0
    case_weight: float = 30.0
    top: int = 2
    bottom: int = 2
    scheme: str = "red_blue"
    min_inspections: int = 1

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> AppraisalRule:
        d = dict(data or {})
        try:
            rule = cls(inspection_weight=float(d.get("inspection_weight", 70.0)),
                       case_weight=float(d.get("case_weight", 30.0)), top=int(d.get("top", 2)),
                       bottom=int(d.get("bottom", 2)), scheme=str(d.get("scheme", "red_blue")),
                       min_inspections=int(d.get("min_inspections", 1)))
        except (TypeError, ValueError) as exc:
            raise InvalidInput("评比规则中的权重和名次应为数字", {"field": "rule"}) from exc
        if rule.inspection_weight < 0 or rule.case_weight < 0 or rule.inspection_weight + rule.case_weight <= 0:
            raise InvalidInput("测评与案件权重不能为负，且之和须大于 0", {"field": "inspection_weight"})
        if rule.top < 0 or rule.bottom < 0 or rule.min_inspections < 0:
            raise InvalidInput("授旗名次和最少测评次数不能为负", {"field": "top"})
        if rule.scheme not in FLAG_SCHEMES:
            raise InvalidInput(f"未知的授旗方式：{rule.scheme}（可选 red_blue、red_black、red_yellow）",
                               {"field": "scheme"})
        return rule

    def to_dict(self) -> dict[str, Any]:
        return {"inspection_weight": self.inspection_weight, "case_weight": self.case_weight, "top": self.top,
                "bottom": self.bottom, "scheme": self.scheme, "min_inspections": self.min_inspections}

    @property
    def flags(self) -> tuple[str, str]:
        return FLAG_SCHEMES[self.scheme]

    def describe(self) -> str:
        top, bottom = self.flags
        return (f"综合得分 = 点位测评平均分 × {self.inspection_weight:g}% + 案件综合评价得分 × {self.case_weight:g}%"
                f"（缺一项时按另一项计）；测评不少于 {self.min_inspections} 次方参与排名；"
                f"前 {self.top} 名授{top}，后 {self.bottom} 名授{bottom}")


@dataclass(slots=True)
class AppraisalRow:
    subject: str
    name: str
    inspection_score: float | None
    inspections: int
    case_score: float | None
    total: float | None = None
    rank: int | None = None
    flag: str | None = None
    reason: str = ""


def appraise(rows: Sequence[AppraisalRow], rule: AppraisalRule) -> list[AppraisalRow]:
    """Totals, ranks (ties share a rank) and flags, each row with the reason in words."""
    top_flag, bottom_flag = rule.flags
    for r in rows:
        parts = [(s, w) for s, w in ((r.inspection_score, rule.inspection_weight), (r.case_score, rule.case_weight))
                 if s is not None and w > 0]
        weight = sum(w for _, w in parts)
        r.total = round(sum(s * w for s, w in parts) / weight, 2) if weight > 0 else None
        r.rank, r.flag, r.reason = None, None, ""
    eligible = [r for r in rows if r.total is not None and r.inspections >= rule.min_inspections]
    eligible.sort(key=lambda r: (-(r.total or 0.0), r.name, r.subject))
    prev: float | None = None
    prev_rank = 0
    for i, r in enumerate(eligible, start=1):
        r.rank = prev_rank if r.total == prev else i
        prev_rank, prev = r.rank, r.total
        r.reason = f"综合得分 {r.total:.2f}，第 {r.rank} 名"
    n = len(eligible)
    top = min(rule.top, n)
    bottom = min(rule.bottom, n - top)
    for r in eligible[:top]:
        r.flag = "top"
        r.reason += f"（前 {rule.top} 名授{top_flag}）"
    for r in eligible[n - bottom:] if bottom else []:
        r.flag = "bottom"
        r.reason += f"（后 {rule.bottom} 名授{bottom_flag}）"
    others = sorted((r for r in rows if r not in eligible), key=lambda r: (r.name, r.subject))
    for r in others:
        r.reason = "测评次数不足，不参与排名" if r.total is not None else "本期无测评和案件数据"
    return eligible + others


def flag_label(flag: str | None, scheme: str) -> str:
    if flag is None:
        return ""
    top, bottom = FLAG_SCHEMES.get(scheme, FLAG_SCHEMES["red_blue"])
    return top if flag == "top" else bottom


# ---------------------------------------------------------------- key tasks, phases
@dataclass(frozen=True, slots=True)
class Phase:
    seq: int
    name: str
    starts_on: date
    ends_on: date
    goal: str = ""


def check_phases(phases: Sequence[Phase], starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise InvalidInput("行动结束日期不能早于开始日期", {"field": "ends_on"})
    last: date | None = None
    for p in phases:
        if not p.name.strip():
            raise InvalidInput(f"第 {p.seq} 阶段没有名称", {"field": "phases"})
        if p.ends_on < p.starts_on:
            raise InvalidInput(f"阶段「{p.name}」结束日期早于开始日期", {"field": "phases"})
        if p.starts_on < starts_on or p.ends_on > ends_on:
            raise InvalidInput(f"阶段「{p.name}」超出行动起止日期", {"field": "phases"})
        if last is not None and p.starts_on <= last:
            raise InvalidInput(f"阶段「{p.name}」与上一阶段重叠", {"field": "phases"})
        last = p.ends_on


def phase_on(phases: Sequence[Phase], day: date) -> Phase | None:
    return next((p for p in phases if p.starts_on <= day <= p.ends_on), None)


def milestone_overdue(due_on: date, done_on: date | None, today: date) -> bool:
    """A milestone not done by its due day is overdue from the next day."""
    return done_on is None and today > due_on


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    role: str = ""
    unit_id: int | None = None


@dataclass(frozen=True, slots=True)
class CampaignInput:
    code: str
    name: str
    starts_on: date
    ends_on: date
    office: str = ""
    lead_unit_id: int | None = None
    goal: str = ""
    members: tuple[Member, ...] = ()
    area_codes: tuple[str, ...] = ()
    subject_kinds: tuple[str, ...] = ()
    phases: tuple[Phase, ...] = field(default_factory=tuple)
