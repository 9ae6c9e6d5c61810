"""Responsibility rules: the most specific rule wins, ties are disputes, decisions explain themselves."""

from __future__ import annotations

from citysteward.cases.domain.routing import CasePlace, ResponsibilityRule, route_case

PLACE = CasePlace("01002", "01", "410802001001003", "410802001001", "410802001", "410802", road="人民路")
UNITS = {1: "王褚街道", 2: "市市政设施所", 3: "市城投", 4: "解放区城管局", 5: "解放区环卫中心"}


def rule(i: int, unit: int, **kw: object) -> ResponsibilityRule:
    return ResponsibilityRule(id=i, main_unit_id=unit, **kw)  # type: ignore[arg-type]


def test_category_beats_class_beats_any_then_place_decides() -> None:
    rules = [rule(1, 1), rule(2, 2, category_class="01"), rule(3, 4, area_code="410802"),
             rule(4, 3, category_code="01002", road="人民路"), rule(5, 2, category_code="01002")]
    d = route_case(PLACE, rules, UNITS)
    assert (d.unit_id, d.rule_id) == (3, 4)
    assert "人民路" in d.reason and "市城投" in d.reason
    d = route_case(CasePlace("01002", "01", "410802001001003", "410802001001", "410802001", "410802"), rules, UNITS)
    assert d.rule_id == 5  # no road: the category rule anywhere wins over a class rule


def test_grid_beats_road_beats_community_street_district() -> None:
    rules = [rule(1, 4, category_class="01", area_code="410802"), rule(2, 1, category_class="01", area_code="410802001"),
             rule(3, 5, category_class="01", area_code="410802001001"), rule(4, 3, category_class="01", road="人民路"),
             rule(5, 2, category_class="01", grid_code="410802001001003")]
    assert route_case(PLACE, rules, UNITS).rule_id == 5
    assert route_case(PLACE, rules[:4], UNITS).rule_id == 4
    assert route_case(PLACE, rules[:3], UNITS).rule_id == 3
    assert route_case(PLACE, rules[:2], UNITS).rule_id == 2


def test_a_disputed_place_names_every_unit() -> None:
    d = route_case(PLACE, [rule(1, 1, area_code="410802001"), rule(2, 5, area_code="410802001")], UNITS)
    assert d.disputed and set(d.alternatives) == {1, 5}
    assert "争议" in d.reason


def test_no_rule_says_so_and_inactive_rules_do_not_count() -> None:
    d = route_case(PLACE, [rule(1, 1, category_code="06010"), ResponsibilityRule(2, 2, active=False)], UNITS)
    assert d.unit_id is None and "手动" in d.reason
