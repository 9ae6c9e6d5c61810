"""Pure rules of evaluation and supervision: rates, scores, grades, ranks and flags, percentiles,
periods; the supervision ticket table; the hot-spot finder."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import h3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from citysteward.evaluation import domain as evaluation_domain
from citysteward.kernel import periods as kernel_periods
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.cells import cell_of
from citysteward.kernel.errors import Forbidden, IllegalTransition, InvalidInput
from citysteward.supervision.domain.hotspots import HotspotRules, PlaceCase, find_hotspots, rings_for
from citysteward.supervision.domain.tickets import (
    TICKET_TRANSITIONS,
    SupervisionRules,
    Ticket,
    TicketAction,
    TicketLevel,
    TicketSource,
    TicketState,
    apply_ticket_action,
    ledger_summary,
    overdue_step,
    ticket_table_markdown,
)

TZ = ZoneInfo("Asia/Shanghai")


# ---------------------------------------------------------------- rates and derived counts
def test_rates_follow_the_standard_formulas() -> None:
    counts = evaluation_domain.derive({"reported": 200, "valid_reported": 180, "registered": 996, "voided_registered": 6,
                         "closed": 911, "closed_on_time": 737, "overdue_unhandled": 61, "handled": 950,
                         "handled_on_time": 900, "rework": 19, "dispatched": 950})
    assert counts["due_close"] == 972 and counts["due_handle"] == 1011
    r = evaluation_domain.rates(counts)
    assert r["close_rate"] == 93.72 and r["on_time_close_rate"] == 75.82  # the published bulletin's figures
    assert r["valid_report_rate"] == 90.0 and r["accurate_register_rate"] == 99.4
    assert r["rework_rate"] == 2.0 and r["accurate_dispatch_rate"] == 98.0
    assert r["on_time_verify_rate"] is None  # nothing verified: no rate, not 0 %


def test_every_standard_count_and_rate_is_listed_with_its_chinese_name() -> None:
    labels = set(evaluation_domain.COUNT_LABELS.values())
    for name in ("上报数", "有效上报数", "立案数", "作废数", "派遣数", "返工数", "应处置数", "处置数", "按时处置数",
                 "超期处置数", "超期未处置数", "应结案数", "结案数", "按期结案数", "挂账数", "延期数", "回退数", "自处理数"):
        assert name in labels
    rates = set(evaluation_domain.RATE_LABELS.values())
    for name in ("有效上报率", "按时核实率", "按时核查率", "漏报率", "准确立案率", "按时派遣率", "准确派遣率", "处置率",
                 "按时处置率", "结案率", "按期结案率", "返工率"):
        assert name in rates


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_rates_stay_between_0_and_100(handled: int, on_time_share: int, overdue: int) -> None:
    on_time = min(on_time_share, handled)
    r = evaluation_domain.rates(evaluation_domain.derive({"handled": handled, "handled_on_time": on_time, "overdue_unhandled": overdue,
                              "rework": min(on_time_share, handled), "closed": handled}))
    for value in r.values():
        assert value is None or 0.0 <= value <= 100.0


def test_percentiles_interpolate_like_percentile_cont() -> None:
    assert evaluation_domain.percentile([], 50) is None
    assert evaluation_domain.percentile([10], 90) == 10
    assert evaluation_domain.percentile([1, 2, 3, 4], 50) == 2.5
    assert evaluation_domain.percentile(list(range(1, 11)), 90) == pytest.approx(9.1)
    stats = evaluation_domain.duration_stats([60, 120, 180])
    assert stats == {"count": 3, "avg_hours": 2.0, "p50_hours": 2.0, "p90_hours": 2.8}


# ---------------------------------------------------------------- scores, grades, flags
def test_default_unit_score_uses_the_documented_weights() -> None:
    cfg = evaluation_domain.EvaluationConfig.default()
    counts = evaluation_domain.derive({"handled": 95, "handled_on_time": 90, "closed": 95, "overdue_unhandled": 5, "rework": 19})
    score = evaluation_domain.composite(counts, cfg.unit, cfg)
    # 应处置 100 -> band 100 points; 结案率 95, 按时处置率 90, 返工率 20 -> 80
    assert score.parts == {"case_band": 100.0, "close_rate": 95.0, "on_time_handle_rate": 90.0, "rework_rate": 80.0}
    assert score.value == pytest.approx(0.1 * 100 + 0.3 * 95 + 0.3 * 90 + 0.3 * 80) and score.grade == "B"


@pytest.mark.parametrize("value,grade", [(90, "A"), (89.99, "B"), (75, "B"), (60, "C"), (40, "D"), (39.9, "E"),
                                         (0, "E")])
def test_grade_bands(value: float, grade: str) -> None:
    assert evaluation_domain.grade_for(value, evaluation_domain.EvaluationConfig.default().grades) == grade


def test_a_subject_with_nothing_to_evaluate_has_no_score() -> None:
    cfg = evaluation_domain.EvaluationConfig.default()
    assert evaluation_domain.composite(evaluation_domain.derive({}), cfg.unit, cfg).value is None


def test_configuration_overrides_and_refuses_nonsense() -> None:
    cfg = evaluation_domain.EvaluationConfig.from_dict({"unit": {"weights": {"close_rate": 1}}, "ranking": {"min_cases": 1}})
    assert dict(cfg.unit.weights) == {"close_rate": 1.0} and cfg.min_cases == 1 and cfg.red_flags == 3
    assert evaluation_domain.EvaluationConfig.from_dict(cfg.to_dict()) == cfg
    for bad in ({"unit": {"weights": {"nonsense_rate": 1}}}, {"unit": {"weights": {"close_rate": -1}}},
                {"colour": "red"}, {"grades": []}, {"unit": {"sample": "nope"}}, {"ranking": {"min_cases": True}}):
        with pytest.raises(InvalidInput):
            evaluation_domain.EvaluationConfig.from_dict(bad)


def _row(key: str, score: float | None, sample: int = 10) -> evaluation_domain.Ranked:
    return evaluation_domain.Ranked(key=key, name=f"单位{key}", score=score, grade=None, sample=sample)


def test_ranks_share_ties_skip_small_samples_and_flag_both_ends() -> None:
    rows = [_row("a", 95), _row("b", 80), _row("c", 80), _row("d", 70), _row("e", 50), _row("f", 99, sample=2),
            _row("g", None)]
    out = evaluation_domain.rank(rows, min_cases=5, red_flags=1, blue_flags=2)
    ranked = [(r.key, r.rank, r.flag) for r in out]
    assert ranked[:5] == [("a", 1, "red"), ("b", 2, None), ("c", 2, None), ("d", 4, "blue"), ("e", 5, "blue")]
    assert {(k, r, f) for k, r, f in ranked[5:]} == {("f", None, None), ("g", None, None)}


@given(st.lists(st.floats(0, 100, allow_nan=False), max_size=12), st.integers(0, 5), st.integers(0, 5))
def test_red_and_blue_flags_never_overlap(scores: list[float], red: int, blue: int) -> None:
    out = evaluation_domain.rank([_row(str(i), s) for i, s in enumerate(scores)], 0, red, blue)
    reds = [r for r in out if r.flag == "red"]
    blues = [r for r in out if r.flag == "blue"]
    assert len(reds) == min(red, len(scores)) and len(reds) + len(blues) <= len(scores)
    if reds and blues:
        assert min(r.score or 0 for r in reds) >= max(b.score or 0 for b in blues)


# ---------------------------------------------------------------- periods
def test_a_month_is_local_midnight_to_local_midnight_in_utc() -> None:
    p = kernel_periods.Period.month(2026, 11, TZ)
    assert p.start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC) and p.end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert p.label == "2026年11月" and p.month_key == "2026-11" and p.previous_month(TZ).month_key == "2026-10"
    assert kernel_periods.Period.month(2026, 1, TZ).previous_month(TZ).label == "2025年12月"
    day = kernel_periods.Period.day(date(2026, 11, 17), TZ)
    assert day.end - day.start == timedelta(days=1) and day.label == "2026年11月17日"
    with pytest.raises(InvalidInput):
        kernel_periods.parse_month("2026-13")
    with pytest.raises(InvalidInput):
        kernel_periods.Period.days(date(2026, 2, 2), date(2026, 2, 1), TZ)


# ---------------------------------------------------------------- supervision tickets
SUP = Actor(role=Role.SUPERVISOR, user_id=1, name="督查吴")
SYS = Actor.system()


def _ticket(level: TicketLevel = TicketLevel.WHITE, units: tuple[int, ...] = (1, 2)) -> Ticket:
    at = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
    return Ticket(ticket_no="JZDB1", level=level, state=TicketState.ISSUED, source=TicketSource.MANUAL, title="t",
                  content="c", issued_at=at, deadline=at + timedelta(hours=72), unit_ids=units, issuer_name="督查吴",
                  replies={u: None for u in units})


def test_every_ticket_transition_is_in_the_one_table() -> None:
    for (_state, _action), (nxt, roles) in TICKET_TRANSITIONS.items():
        assert roles and (nxt is None or isinstance(nxt, TicketState))
    assert "| 待验收 `replied` | 验收通过 `accept` | 已整改 `rectified` |" in ticket_table_markdown()
    assert [lv.label for lv in TicketLevel] == ["白色", "黄色", "红色"]
    assert TicketLevel.WHITE.next is TicketLevel.YELLOW and TicketLevel.RED.next is None


def test_double_assignment_needs_both_replies() -> None:
    t = _ticket()
    at = t.issued_at + timedelta(hours=1)
    apply_ticket_action(t, TicketAction.REPLY, Actor(role=Role.UNIT, unit_id=1, name="u1"), at, "好")
    assert t.state is TicketState.ISSUED
    with pytest.raises(Forbidden):
        apply_ticket_action(t, TicketAction.REPLY, Actor(role=Role.UNIT, unit_id=3, name="u3"), at, "好")
    apply_ticket_action(t, TicketAction.REPLY, Actor(role=Role.UNIT, unit_id=2, name="u2"), at, "好")
    assert t.state is TicketState.REPLIED
    apply_ticket_action(t, TicketAction.ACCEPT, SUP, at)
    assert t.state is TicketState.RECTIFIED and t.closed_at == at
    with pytest.raises(IllegalTransition):
        apply_ticket_action(t, TicketAction.CANCEL, SUP, at, "x")


def test_overdue_tickets_climb_white_yellow_red_then_are_marked_once() -> None:
    t = _ticket()
    rules = SupervisionRules()
    now = t.deadline
    assert overdue_step(t, now) is None
    steps = []
    for _ in range(4):
        now = t.deadline + timedelta(minutes=1)
        step = overdue_step(t, now)
        if step is None:
            break
        apply_ticket_action(t, step, SYS, now, rules=rules)
        steps.append((step.value, t.level.value, t.deadline - now))
    assert steps == [("escalate", "yellow", timedelta(hours=48)), ("escalate", "red", timedelta(hours=24)),
                     ("overdue", "red", timedelta(hours=-1, minutes=59))]
    assert overdue_step(t, now + timedelta(days=9)) is None and t.overdue


def test_ledger_summary_reads_like_the_bulletins() -> None:
    assert ledger_summary(129, {"white": 125, "yellow": 4}, 129) == "129 张：白色 125、黄色 4，已整改 129"
    assert ledger_summary(0, {}, 0) == "0 张，已整改 0"
    with pytest.raises(InvalidInput):
        SupervisionRules.from_dict({"level_hours": {"white": 0}})


# ---------------------------------------------------------------- hot spots
LON, LAT = 113.2150, 35.2250
M = 1 / 111_000  # degrees of latitude per metre


def _case(i: int, days: float, dlat_m: float = 0.0, category: str = "06006", closed_after: float | None = 1.0,
          reopens: tuple[float, ...] = ()) -> PlaceCase:
    t0 = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=days)
    lat = LAT + dlat_m * M
    return PlaceCase(case_id=i, case_no=f"C{i}", category_code=category, lon=LON, lat=lat,
                     cell=cell_of(LON, lat), reported_at=t0, state="closed",
                     closes=(t0 + timedelta(days=closed_after),) if closed_after is not None else (),
                     reopens=tuple(t0 + timedelta(days=r) for r in reopens))


def test_recurrences_join_into_one_place_and_one_offs_do_not() -> None:
    rules = HotspotRules(distance_m=100, window_days=30, min_recurrences=2)
    spot = [_case(1, 0), _case(2, 5, 40), _case(3, 12, -30)]
    noise = [_case(10, 2, 2000), _case(11, 3, 2000, closed_after=9), _case(12, 4, 2001),  # duplicates, open
             _case(13, 20, 5, category="BJ01002"), _case(14, 50, 10)]  # other category; outside the window
    found = find_hotspots(spot + noise, rules)
    assert len(found) == 1
    assert [c.case_no for c in found[0].cases] == ["C1", "C2", "C3"] and found[0].recurrence_count == 2
    assert find_hotspots(spot + noise, HotspotRules(distance_m=20, window_days=30, min_recurrences=2)) == []


def test_reopening_a_closed_case_counts_as_a_recurrence() -> None:
    one = _case(1, 0, reopens=(3.0, 6.0))
    assert find_hotspots([one], HotspotRules(min_recurrences=2))[0].recurrence_count == 2
    assert find_hotspots([_case(1, 0, reopens=(0.5,))], HotspotRules(min_recurrences=1)) == []  # before the close


@given(st.floats(10, 3000))
def test_the_cell_rings_cover_the_distance(distance: float) -> None:
    a = cell_of(LON, LAT)
    b = cell_of(LON, LAT + distance * M * 0.999)
    assert h3.grid_distance(a, b) <= rings_for(distance)
