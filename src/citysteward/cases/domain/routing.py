"""Responsibility rules (责任划分): (category or class) x (grid, area or road) -> main unit.

The most specific rule wins. Precedence is data: the category dimension first (a named category beats
its class, a class beats "any"), then the place (grid > road > community > street > district >
anywhere). Ties at the top between different units mark a disputed place: the dispatcher sees all of
them. Every decision explains itself (为何派至此单位).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from citysteward.cases.domain.case import Case

CATEGORY_PRECEDENCE = {"category": 2, "class": 1, "any": 0}
PLACE_PRECEDENCE = {"grid": 5, "road": 4, "community": 3, "street": 2, "district": 1, "anywhere": 0}
_AREA_LEVEL_BY_LENGTH = {12: "community", 9: "street", 6: "district"}
_PLACE_LABEL = {"grid": "网格", "road": "道路", "community": "社区", "street": "街道", "district": "区"}


@dataclass(frozen=True, slots=True)
class ResponsibilityRule:
    id: int
    main_unit_id: int
    assisting_unit_ids: tuple[int, ...] = ()
    category_code: str | None = None
    category_class: str | None = None
    grid_code: str | None = None
    area_code: str | None = None
    road: str | None = None
    note: str = ""
    active: bool = True

    @property
    def category_scope(self) -> str:
        return "category" if self.category_code else "class" if self.category_class else "any"

    @property
    def place_scope(self) -> str:
        if self.grid_code:
            return "grid"
        if self.road:
            return "road"
        if self.area_code:
            return _AREA_LEVEL_BY_LENGTH.get(len(self.area_code), "district")
        return "anywhere"

    @property
    def specificity(self) -> tuple[int, int]:
        return CATEGORY_PRECEDENCE[self.category_scope], PLACE_PRECEDENCE[self.place_scope]


@dataclass(frozen=True, slots=True)
class CasePlace:
    """What routing needs to know about a case."""

    category_code: str
    category_class: str
    grid_code: str
    community_code: str
    street_code: str
    district_code: str
    road: str | None = None


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    unit_id: int | None
    assisting_unit_ids: tuple[int, ...]
    rule_id: int | None
    reason: str
    alternatives: tuple[int, ...] = ()

    @property
    def disputed(self) -> bool:
        return len(self.alternatives) > 1


def matches(rule: ResponsibilityRule, place: CasePlace) -> bool:
    if not rule.active:
        return False
    if rule.category_code and rule.category_code != place.category_code:
        return False
    if rule.category_class and rule.category_class != place.category_class:
        return False
    if rule.grid_code and rule.grid_code != place.grid_code:
        return False
    if rule.road and rule.road != (place.road or ""):
        return False
    if rule.area_code and rule.area_code not in (place.community_code, place.street_code, place.district_code):
        return False
    return True


def describe_rule(
    rule: ResponsibilityRule,
    category_names: Mapping[str, str] | None = None,
    area_names: Mapping[str, str] | None = None,
) -> str:
    cats = category_names or {}
    areas = area_names or {}
    if rule.category_code:
        what = f"类别「{cats.get(rule.category_code, rule.category_code)}」"
    elif rule.category_class:
        what = f"大类「{cats.get(rule.category_class, rule.category_class)}」"
    else:
        what = "所有类别"
    scope = rule.place_scope
    if scope == "anywhere":
        where = "全市"
    elif scope == "road":
        where = f"道路「{rule.road}」"
    else:
        code = rule.grid_code if scope == "grid" else rule.area_code
        where = f"{_PLACE_LABEL[scope]}「{areas.get(code or '', code)}」"
    return f"{what} × {where}"


def route_case(
    place: CasePlace,
    rules: Iterable[ResponsibilityRule],
    unit_names: Mapping[int, str],
    category_names: Mapping[str, str] | None = None,
    area_names: Mapping[str, str] | None = None,
) -> RoutingDecision:
    candidates = sorted(
        (r for r in rules if matches(r, place)), key=lambda r: (r.specificity, -r.id), reverse=True
    )
    if not candidates:
        return RoutingDecision(None, (), None, "没有匹配的责任规则，请派遣员手动选择责任单位")
    best = candidates[0]
    tied_units = tuple(
        dict.fromkeys(r.main_unit_id for r in candidates if r.specificity == best.specificity)
    )
    reason = (
        f"按责任规则 #{best.id}（{describe_rule(best, category_names, area_names)}）"
        f"派至「{unit_names.get(best.main_unit_id, best.main_unit_id)}」"
    )
    if len(tied_units) > 1:
        others = "、".join(str(unit_names.get(u, u)) for u in tied_units[1:])
        reason += f"；此处存在争议，同级规则还指向：{others}"
    return RoutingDecision(best.main_unit_id, best.assisting_unit_ids, best.id, reason, tied_units)


def place_of(case: Case, category_class: str) -> CasePlace:
    """Where and what a case is, as routing sees it."""
    return CasePlace(case.category_code, category_class, case.grid_code, case.community_code,
                     case.street_code, case.district_code, case.road)


def record_suggestion(case: Case, decision: RoutingDecision) -> dict[str, Any]:
    """At registration (立案) the case keeps where routing suggests it go and why; the dispatcher may
    still choose another unit, with a reason. Returns the `routing` entry of the event's payload."""
    case.suggested_unit_id = decision.unit_id
    case.routing_rule_id = decision.rule_id
    case.routing_reason = decision.reason
    return {"unit_id": decision.unit_id, "rule_id": decision.rule_id, "reason": decision.reason}
