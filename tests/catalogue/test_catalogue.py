"""The packaged category catalogue and the Category model."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from citysteward.catalogue.domain import categories as catalogue_module
from citysteward.catalogue.domain.categories import (
    SCHEME_EMERGENCY,
    SCHEME_GB,
    Category,
    CategoryKind,
    Urgency,
    catalogue_from_dicts,
    load_default_catalogue,
    search,
)
from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.timelimit import LimitUnit, TimeLimit
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
EMERGENCY_NAMES = {
    "路面塌陷",
    "自来水管破裂",
    "燃气管道破裂",
    "下水道堵塞或破损",
    "热力管道破裂",
    "道路积水",
    "道路积雪结冰",
    "架空线缆损坏",
    "群发行事件",
    "其他突发事件",
}
# Rough length of a unit in working-hour equivalents, to compare limits of different units.
HOURS = {LimitUnit.WORKING_HOURS: 1, LimitUnit.WORKING_DAYS: 7, LimitUnit.NATURAL_HOURS: 1}


@pytest.fixture(scope="module")
def cats() -> list[Category]:
    return load_default_catalogue()


def by_name(cats: list[Category], name: str, scheme: str | None = None) -> Category:
    found = [c for c in cats if c.name == name and (scheme is None or c.scheme == scheme)]
    assert len(found) == 1, (name, found)
    return found[0]


def hours(limit: TimeLimit) -> float:
    return limit.amount * HOURS[limit.unit]


# ---- counts and codes --------------------------------------------------------------------------


def test_counts_per_scheme(cats):
    per = Counter((c.scheme, c.kind) for c in cats)
    assert per[(SCHEME_GB, CategoryKind.COMPONENT)] == 153
    assert per[(SCHEME_GB, CategoryKind.EVENT)] == 250
    assert per[(SCHEME_EMERGENCY, CategoryKind.EVENT)] == 10
    assert sum(per.values()) == 413
    assert {c.scheme for c in cats} == {SCHEME_GB, SCHEME_EMERGENCY}


def test_gb_classes_01_to_10(cats):
    classes = {c.class_code for c in cats if c.scheme == SCHEME_GB}
    assert classes == {f"{i:02d}" for i in range(1, 11)}
    components = {c.class_code for c in cats if c.kind is CategoryKind.COMPONENT}
    assert components == {"01", "02", "03", "04", "05"}


def test_codes_unique(cats):
    codes = Counter(c.code for c in cats)
    assert [code for code, n in codes.items() if n > 1] == []


def test_no_code_shared_across_schemes(cats):
    by_scheme: dict[str, set[str]] = {}
    for c in cats:
        by_scheme.setdefault(c.scheme, set()).add(c.code)
    gb, emergency = by_scheme[SCHEME_GB], by_scheme[SCHEME_EMERGENCY]
    assert gb.isdisjoint(emergency)
    # Nor can a code of one scheme be mistaken for the other's: the formats differ.
    assert all(code.startswith("TF") for code in emergency)
    assert not any(code.startswith("TF") for code in gb)


def test_gb_code_formats(cats):
    for c in cats:
        if c.scheme != SCHEME_GB:
            continue
        assert c.source_code is not None and len(c.source_code) == 5 and c.source_code.isdigit()
        assert c.source_code[:2] == c.class_code
        if c.kind is CategoryKind.EVENT:
            assert c.code == c.source_code  # matters keep the bare GB code
        else:
            assert c.code == "BJ" + c.source_code  # components share it with a matter, so prefixed
    assert by_name(cats, "暴露垃圾").code == "06010"
    assert by_name(cats, "供水井盖").code == "BJ01001"
    assert by_name(cats, "供水井盖异常").code == "01001"


def test_emergency_items(cats):
    emergency = [c for c in cats if c.scheme == SCHEME_EMERGENCY]
    assert {c.name for c in emergency} == EMERGENCY_NAMES
    assert by_name(cats, "路面塌陷").code == "TF01"
    assert by_name(cats, "其他突发事件").code == "TF99"
    for c in emergency:
        assert c.kind is CategoryKind.EVENT
        assert c.class_name == "突发事件"
        assert c.source_code  # the source-local id is kept
        assert c.same_day


def test_waterlogging_is_an_emergency_item(cats):
    c = by_name(cats, "道路积水")
    assert c.scheme == SCHEME_EMERGENCY
    assert c.limits[Urgency.NORMAL] == TimeLimit(4, LimitUnit.WORKING_HOURS)
    assert c.same_day
    assert "积水" in c.keywords


# ---- time limits -------------------------------------------------------------------------------


def test_every_category_has_normal_and_urgent_limits(cats):
    for c in cats:
        assert Urgency.NORMAL in c.limits and Urgency.URGENT in c.limits, c.code
        assert c.default_urgency in c.limits, c.code
        normal, urgent = c.limits[Urgency.NORMAL], c.limits[Urgency.URGENT]
        if normal.unit == urgent.unit:
            assert urgent.amount < normal.amount, c.code
        else:
            assert hours(urgent) <= hours(normal), c.code
        if Urgency.CRITICAL in c.limits:
            assert hours(c.limits[Urgency.CRITICAL]) <= hours(urgent), c.code


def test_real_examples_from_the_standards(cats):
    assert by_name(cats, "暴露垃圾").limit_for(Urgency.NORMAL) == TimeLimit(4, LimitUnit.WORKING_HOURS)
    assert by_name(cats, "道路不洁").limit_for("normal") == TimeLimit(2, LimitUnit.WORKING_HOURS)
    manhole = by_name(cats, "公安井盖异常")
    assert manhole.limit_for() == TimeLimit(6, LimitUnit.NATURAL_HOURS)
    assert manhole.same_day and "36" in (manhole.note or "")
    staged = by_name(cats, "私搭乱建")
    assert staged.limits[Urgency.NORMAL] == TimeLimit(20, LimitUnit.WORKING_DAYS)
    assert staged.limits[Urgency.CRITICAL] == TimeLimit(4, LimitUnit.WORKING_HOURS)


def test_class_defaults(cats):
    assert by_name(cats, "路灯异常").limit_for() == TimeLimit(1, LimitUnit.WORKING_DAYS)
    assert by_name(cats, "施工占道").limit_for() == TimeLimit(2, LimitUnit.WORKING_DAYS)
    assert by_name(cats, "违规标语宣传品").limit_for() == TimeLimit(3, LimitUnit.WORKING_DAYS)
    assert by_name(cats, "绿地异常").limit_for() == TimeLimit(5, LimitUnit.WORKING_DAYS)
    assert by_name(cats, "沿街晾挂").limit_for() == TimeLimit(4, LimitUnit.WORKING_HOURS)
    assert by_name(cats, "占道经营").limit_for() == TimeLimit(2, LimitUnit.WORKING_HOURS)


def test_same_day_safety_items(cats):
    same_day = {c.name for c in cats if c.same_day}
    for name in ("供水井盖异常", "雨水井盖", "路面塌陷", "燃气管道破裂", "道路积水", "下水道堵塞或破损"):
        assert name in same_day
    for name in ("私搭乱建", "路灯异常", "绿地异常"):
        assert name not in same_day
    for c in cats:
        if c.same_day:  # 事不过夜: the normal limit fits in a day
            assert hours(c.limits[Urgency.NORMAL]) <= 12, c.code


def test_limit_for_falls_back_to_default_urgency(cats):
    c = by_name(cats, "暴露垃圾")
    assert Urgency.CRITICAL not in c.limits
    assert c.limit_for(Urgency.CRITICAL) == c.limits[c.default_urgency]
    assert c.limit_for(None) == c.limits[c.default_urgency]
    with pytest.raises(InvalidInput):
        c.limit_for("whenever")


def test_limit_for_without_any_matching_limit_is_invalid_input():
    c = Category(
        code="X1",
        scheme="local",
        kind=CategoryKind.EVENT,
        class_code="01",
        class_name="测试",
        name="测试分类",
        keywords=(),
        limits={Urgency.URGENT: TimeLimit(1, LimitUnit.WORKING_HOURS)},
        default_urgency=Urgency.NORMAL,
        same_day=False,
    )
    assert c.limit_for(Urgency.URGENT).amount == 1
    with pytest.raises(InvalidInput) as exc:
        c.limit_for(Urgency.NORMAL)
    assert "时限" in exc.value.message


# ---- the model ---------------------------------------------------------------------------------


def test_enums_have_labels():
    assert CategoryKind.COMPONENT.label == "部件" and CategoryKind.EVENT.label == "事件"
    assert [u.label for u in Urgency] == ["一般", "紧急", "特急"]
    assert all(u.colour.startswith("#") for u in Urgency)
    assert Urgency.CRITICAL.rank > Urgency.URGENT.rank > Urgency.NORMAL.rank


def test_round_trip(cats):
    for c in cats:
        again = Category.from_dict(json.loads(json.dumps(c.to_dict(), ensure_ascii=False)))
        assert again == c
        assert again.to_dict() == c.to_dict()


def test_categories_are_immutable_and_hashable(cats):
    c = cats[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        c.limits[Urgency.NORMAL] = TimeLimit(1, LimitUnit.WORKING_HOURS)  # type: ignore[index]
    assert len(set(cats)) == len(cats)
    edited = dataclasses.replace(c, active=False, keywords=("新词",))
    assert edited.code == c.code and not edited.active and edited.keywords == ("新词",)


def test_from_dict_validation_messages_are_chinese():
    good = by_name(load_default_catalogue(), "暴露垃圾").to_dict()
    cases = [
        {k: v for k, v in good.items() if k != "code"},
        {**good, "kind": "thing"},
        {**good, "urgencies": {}},
        {**good, "urgencies": {"normal": {"amount": 0, "unit": "working_hours"}}},
        {**good, "urgencies": {"normal": {"amount": 1, "unit": "fortnights"}}},
        {**good, "urgencies": {"soonish": {"amount": 1, "unit": "working_hours"}}},
        {**good, "default_urgency": "asap"},
        {**good, "name": "  "},
    ]
    for data in cases:
        with pytest.raises(InvalidInput) as exc:
            Category.from_dict(data)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message), exc.value.message


def test_duplicate_codes_are_refused():
    item = by_name(load_default_catalogue(), "暴露垃圾").to_dict()
    with pytest.raises(InvalidInput) as exc:
        catalogue_from_dicts([item, {**item, "scheme": "local: elsewhere", "name": "另一个"}])
    assert "重复" in exc.value.message


# ---- search ------------------------------------------------------------------------------------


def test_search_manhole_covers_first(cats):
    results = search(cats, "井盖")
    manhole = [c for c in cats if "井盖" in c.name]
    assert len(manhole) >= 40
    top = results[: len(manhole)]
    assert all("井盖" in c.name for c in top)
    assert results[0].kind is CategoryKind.EVENT  # what people report comes first


def test_search_by_synonym_and_phrase(cats):
    assert "井盖" in search(cats, "窨井盖")[0].name
    assert search(cats, "坑洼")[0].name == "道路破损"
    assert search(cats, "积水")[0].name == "道路积水"
    assert search(cats, "牛皮癣")[0].name == "非法小广告"
    assert search(cats, "路灯不亮")[0].name.startswith("路灯")
    assert search(cats, "红绿灯")[0].name.startswith("交通信号灯")
    assert search(cats, "暴露垃圾")[0].name == "暴露垃圾"  # exact name wins
    assert search(cats, "06010")[0].name == "暴露垃圾"  # by code
    assert search(cats, "TF06")[0].name == "道路积水"


def test_search_terms_and_edge_cases(cats):
    both = search(cats, "燃气 井盖")
    assert both and all("燃气" in c.name and "井盖" in c.name for c in both)
    assert search(cats, "") == [c for c in cats if c.active]
    assert search(cats, "zzzz-no-such-thing") == []
    assert len(search(cats, "垃圾", limit=3)) == 3
    inactive = [dataclasses.replace(c, active=False) if c.name == "暴露垃圾" else c for c in cats]
    assert all(c.name != "暴露垃圾" for c in search(inactive, "暴露垃圾"))
    assert search(inactive, "暴露垃圾", include_inactive=True)[0].name == "暴露垃圾"


# ---- loading and rebuilding --------------------------------------------------------------------


def test_load_is_fast_and_returns_fresh_lists():
    catalogue_module._default_catalogue.cache_clear()
    start = time.perf_counter()
    first = load_default_catalogue()
    cold = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(100):
        load_default_catalogue()
    warm = (time.perf_counter() - start) / 100
    assert cold < 0.5 and warm < 0.005, (cold, warm)
    first.clear()
    assert len(load_default_catalogue()) == 413


def test_search_is_fast(cats):
    start = time.perf_counter()
    for q in ("井盖", "垃圾", "路灯不亮", "积水", "乱停车", "xyz"):
        search(cats, q)
    assert time.perf_counter() - start < 0.5


def test_packaged_file_matches_the_build_script():
    source = ROOT.parent / "shared" / "standards" / "categories.json"
    require(source.exists(), f"{source} (the shared standards beside the checkout) is missing")
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_catalogue.py"), str(source), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
