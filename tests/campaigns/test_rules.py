"""Pure rules: scoring a checklist, appraisal ranks and flags (the seeds' 示范区 case), phases, key tasks;
and the key-task ledger with overdue milestones raising supervision (both databases)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citysteward.campaigns.domain import (
    AppraisalRow,
    AppraisalRule,
    ChecklistItem,
    ItemResult,
    Outcome,
    SubjectKind,
    Template,
    appraise,
    flag_label,
    judge,
    milestone_overdue,
    problem_state,
)
from citysteward.campaigns.services import tasks
from citysteward.kernel.errors import Forbidden, InvalidInput
from tests.conftest import City


def _template(*weights: float, photo: bool = False, count: int | None = None) -> Template:
    return Template("t", "t", SubjectKind.SITE, 1, tuple(
        ChecklistItem(f"{i:02d}", f"项{i}", w, photo_required=photo, count_min=count if i == 1 else None)
        for i, w in enumerate(weights, start=1)))


@given(st.lists(st.tuples(st.floats(0.5, 50), st.sampled_from(list(Outcome))), min_size=1, max_size=12))
def test_the_score_is_the_weight_passed_over_the_weight_judged(items: list[tuple[float, Outcome]]) -> None:
    t = _template(*(w for w, _ in items))
    given_ = {f"{i:02d}": ItemResult(f"{i:02d}", o) for i, (_w, o) in enumerate(items, start=1)}
    j = judge(t, given_)
    judged = [(w, o) for w, o in items if o is not Outcome.NA]
    total = sum(w for w, _ in judged)
    expected = round(100 * sum(w for w, o in judged if o is Outcome.PASS) / total, 2) if total else None
    assert j.score == expected
    assert (j.passed, j.failed) == (sum(o is Outcome.PASS for _, o in items), sum(o is Outcome.FAIL for _, o in items))


@pytest.mark.parametrize(("count", "ticked", "outcome"), [
    (4, Outcome.PASS, Outcome.FAIL), (5, Outcome.FAIL, Outcome.PASS), (9, Outcome.PASS, Outcome.PASS),
    (0, Outcome.NA, Outcome.NA)])
def test_a_count_rule_decides_its_item(count: int, ticked: Outcome, outcome: Outcome) -> None:
    t = _template(10, count=5)
    j = judge(t, {"01": ItemResult("01", ticked, count)})
    assert j.results[0].outcome is outcome


def test_judging_refuses_missing_unknown_and_photoless_failures() -> None:
    t = _template(10, 10, photo=True)
    with pytest.raises(InvalidInput, match="尚未判定"):
        judge(t, {"01": ItemResult("01", Outcome.PASS)})
    with pytest.raises(InvalidInput, match="没有检查项"):
        judge(t, {"01": ItemResult("01", Outcome.PASS), "02": ItemResult("02", Outcome.PASS),
                  "09": ItemResult("09", Outcome.PASS)})
    with pytest.raises(InvalidInput, match="照片"):
        judge(t, {"01": ItemResult("01", Outcome.FAIL), "02": ItemResult("02", Outcome.PASS)})


@pytest.mark.parametrize(("case", "ticket", "state"), [
    (None, None, "open"), ("dispatched", None, "handed"), ("handled", None, "handed"), ("checked", None, "rectified"),
    ("closed", None, "rectified"), (None, "replied", "handed"), (None, "rectified", "rectified")])
def test_a_problem_is_rectified_when_its_case_passes_the_check_or_its_ticket_is_accepted(
        case: str | None, ticket: str | None, state: str) -> None:
    assert problem_state(case, ticket) == state


def test_the_seeds_red_and_blue_flags_are_expressible() -> None:
    """示范区: red flags for the top two (苏家作乡, 文苑街道), blue for the bottom two (宁郭镇, 文昌街道)."""
    rows = [AppraisalRow("s", "苏家作乡", 95.0, 4, None), AppraisalRow("w", "文苑街道", 91.5, 3, None),
            AppraisalRow("n", "宁郭镇", 72.0, 3, None), AppraisalRow("c", "文昌街道", 80.0, 5, None),
            AppraisalRow("x", "无测评镇", None, 0, None)]
    ranked = appraise(rows, AppraisalRule(inspection_weight=100, case_weight=0, top=2, bottom=2))
    flags = {r.name: flag_label(r.flag, "red_blue") for r in ranked}
    assert flags == {"苏家作乡": "红旗", "文苑街道": "红旗", "文昌街道": "蓝旗", "宁郭镇": "蓝旗", "无测评镇": ""}
    assert [r.name for r in ranked][:4] == ["苏家作乡", "文苑街道", "文昌街道", "宁郭镇"]
    assert ranked[0].reason == "综合得分 95.00，第 1 名（前 2 名授红旗）"
    assert ranked[-1].reason == "本期无测评和案件数据"
    assert "黑旗" in AppraisalRule(scheme="red_black").describe()


def test_weights_mix_inspection_and_case_scores_and_ties_share_a_rank() -> None:
    rows = [AppraisalRow("a", "甲", 90.0, 2, 70.0), AppraisalRow("b", "乙", 80.0, 2, None),
            AppraisalRow("c", "丙", 84.0, 2, 84.0), AppraisalRow("d", "丁", 99.0, 0, 99.0)]
    ranked = appraise(rows, AppraisalRule(inspection_weight=70, case_weight=30, top=1, bottom=1, min_inspections=1))
    assert [(r.name, r.total, r.rank) for r in ranked] == [
        ("丙", 84.0, 1), ("甲", 84.0, 1), ("乙", 80.0, 3), ("丁", 99.0, None)]
    assert [r.flag for r in ranked] == ["top", None, "bottom", None]
    assert ranked[-1].reason == "测评次数不足，不参与排名"
    with pytest.raises(InvalidInput):
        AppraisalRule.from_dict({"scheme": "purple"})
    with pytest.raises(InvalidInput):
        AppraisalRule.from_dict({"inspection_weight": 0, "case_weight": 0})


def test_a_milestone_is_overdue_the_day_after_its_due_day() -> None:
    assert not milestone_overdue(date(2026, 6, 30), None, date(2026, 6, 30))
    assert milestone_overdue(date(2026, 6, 30), None, date(2026, 7, 1))
    assert not milestone_overdue(date(2026, 6, 30), date(2026, 7, 3), date(2026, 7, 9))


def test_overdue_milestones_raise_one_ticket_each_and_the_monthly_report_counts(city: City) -> None:
    rt = city.rt
    sup = city.actor("supervisor")
    tid = tasks.add_task(rt, sup, tasks.TaskInput(
        2026, "provincial", 1, "老旧小区改造", target="改造 30 个小区", owner_unit_id=city.units["facility"],
        milestones=(tasks.MilestoneInput("完成设计", date(2026, 5, 31)), tasks.MilestoneInput("开工", date(2026, 11, 30)))))
    tasks.add_task(rt, sup, tasks.TaskInput(2026, "municipal", 1, "新建公厕 20 座", owner_unit_id=city.units["sanitation"]))
    made = tasks.raise_overdue(rt)
    assert len(made) == 1 and tasks.raise_overdue(rt) == []  # once per milestone
    tasks.report_progress(rt, city.actor("facility"), tid, "2026-11", 60, "设计已完成，开工准备中")
    with pytest.raises(Forbidden):
        tasks.report_progress(rt, city.actor("sanitation"), tid, "2026-11", 10)
    with pytest.raises(InvalidInput):
        tasks.report_progress(rt, sup, tid, "2026-11", 101)
    ledger = tasks.ledger(rt, 2026, "2026-11")
    first = next(r for r in ledger["rows"] if r["id"] == tid)
    assert (first["percent"], first["overdue"], first["done"]) == (60, 1, 0)
    assert first["milestones"][0]["ticket_no"] == made[0]
    assert ledger["overdue_milestones"] == 1 and ledger["not_reported"] == ["新建公厕 20 座"]
    assert ledger["summary"]["provincial"]["tasks"] == 1
    with pytest.raises(InvalidInput, match="不在 2026 年内"):
        tasks.add_task(rt, sup, tasks.TaskInput(2026, "municipal", 2, "x", milestones=(
            tasks.MilestoneInput("a", date(2027, 1, 1)),)))
