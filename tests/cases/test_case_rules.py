"""Rules about cases that live once in the domain: who sees a case, which actions are staff work, the
ledger filter and its parsing, the work queues read from the transition table, routing at registration."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from citysteward.cases.domain import worklists
from citysteward.cases.domain.access import (
    CITIZEN_ACTIONS,
    STAFF_ACTIONS,
    can_view,
    is_reporter,
    is_staff_action,
    may_act_on,
    visible_ledger,
)
from citysteward.cases.domain.case import Case
from citysteward.cases.domain.ledger import COUNT_CAP, QUERY_KEYS, CaseFilter, parse_case_filter
from citysteward.cases.domain.lifecycle import TRANSITIONS
from citysteward.cases.domain.model import Action, CaseState, Source
from citysteward.cases.domain.routing import RoutingDecision, place_of, record_suggestion
from citysteward.cases.domain.worklists import QUEUES, queues_for
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.deadlines import Light
from citysteward.kernel.errors import InvalidInput

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)


def new_case(**kw: object) -> Case:
    base = dict(case_no="JZ20261117-00001", state=CaseState.DISPATCHED, source=Source.HOTLINE, category_code="01002",
                urgency="normal", description="x", lon=113.2, lat=35.2, grid_code="410802001001001",
                community_code="410802001001", street_code="410802001", district_code="410802", reported_at=T0,
                id=1, main_unit_id=3, assisting_unit_ids=(4,), public_token="secret-token")
    base.update(kw)
    return Case(**base)  # type: ignore[arg-type]


# ---------------------------------------------------------------- work queues
# The workbench as it was written by hand before the queues were read from the table: the table must
# keep giving every role the same queues, in the same order.
HAND_WRITTEN = {
    Role.ACCEPTOR: ("reported", "register"),
    Role.SHIFT_LEADER: ("reported", "register", "dispatch", "close", "requests", "overdue"),
    Role.INSPECTOR: ("verify", "check"),
    Role.DISPATCHER: ("dispatch", "requests", "overdue"),
    Role.UNIT: ("unit_new", "unit_doing", "overdue"),
    Role.HOTLINE: ("reported",),
    Role.SUPERVISOR: ("overdue", "requests"),
    Role.LEADER: ("overdue", "dispatch"),
    Role.ADMIN: ("reported", "verify", "register", "dispatch", "check", "close", "overdue"),
    Role.CITIZEN: ("overdue",),
}


@pytest.mark.parametrize("role", list(HAND_WRITTEN))
def test_each_role_gets_the_queues_it_always_had(role: Role) -> None:
    assert tuple(q.key for q in queues_for(role)) == HAND_WRITTEN[role]


def test_who_works_a_queue_is_read_from_the_transition_table(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "close" not in [q.key for q in queues_for(Role.DISPATCHER)]
    table = dict(TRANSITIONS)
    nxt, roles = table[(CaseState.CHECKED, Action.CLOSE)]
    table[(CaseState.CHECKED, Action.CLOSE)] = (nxt, roles | {Role.DISPATCHER})
    monkeypatch.setattr(worklists, "TRANSITIONS", table)
    assert [q.key for q in queues_for(Role.DISPATCHER)] == ["dispatch", "close", "requests", "overdue"]


def test_a_role_works_a_queue_only_where_the_table_lets_it_act() -> None:
    for q in QUEUES:
        for role in Role:
            allowed = any(role in TRANSITIONS[(s, a)][1] for s in q.filter.states for a in q.works
                          if (s, a) in TRANSITIONS)
            assert q.worked_by(role) == allowed, (q.key, role)


def test_every_queue_names_actions_the_table_has_for_its_states() -> None:
    for q in QUEUES:
        assert q.filter.states and q.order in ("oldest", "deadline")
        for action in q.works:
            assert any((s, action) in TRANSITIONS for s in q.filter.states), (q.key, action)


# ---------------------------------------------------------------- visibility
def test_a_unit_sees_the_cases_it_leads_or_assists_and_no_other() -> None:
    case = new_case()
    assert can_view(case, Actor(Role.UNIT, 1, unit_id=3))
    assert can_view(case, Actor(Role.UNIT, 1, unit_id=4))
    assert not can_view(case, Actor(Role.UNIT, 1, unit_id=5))
    assert not can_view(case, Actor(Role.UNIT, 1, unit_id=None))


@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.UNIT, Role.CITIZEN)])
def test_other_staff_see_every_case(role: Role) -> None:
    assert can_view(new_case(main_unit_id=None, assisting_unit_ids=()), Actor(role, 1))


def test_a_citizen_sees_no_case_page_but_may_take_the_citizen_actions() -> None:
    case, citizen = new_case(), Actor(Role.CITIZEN)
    assert not can_view(case, citizen) and not may_act_on(case, citizen, None)
    assert all(may_act_on(case, citizen, a) for a in CITIZEN_ACTIONS)
    assert not may_act_on(case, citizen, Action.COMMENT)


def test_only_the_token_proves_the_reporter() -> None:
    case = new_case()
    assert is_reporter(case, "secret-token")
    assert not is_reporter(case, "guess") and not is_reporter(case, None)
    assert not is_reporter(new_case(public_token=None), "")


def test_the_ledger_a_unit_reads_is_the_cases_it_leads() -> None:
    f = CaseFilter(states=(CaseState.DISPATCHED,))
    assert visible_ledger(f, Actor(Role.UNIT, 1, unit_id=3)) == replace(f, led_by=(3,))
    assert visible_ledger(f, Actor(Role.UNIT, 1)).led_by == ()  # no unit on the account: nothing
    assert visible_ledger(f, Actor(Role.DISPATCHER, 1)) == f
    assert visible_ledger(f, Actor(Role.CITIZEN)).led_by == ()


def test_staff_actions_are_all_but_the_citizens_the_report_and_the_clocks() -> None:
    assert set(STAFF_ACTIONS) == set(Action) - CITIZEN_ACTIONS - {Action.REPORT, Action.OVERDUE}
    assert list(STAFF_ACTIONS) == [a for a in Action if a in STAFF_ACTIONS]  # API routes keep the enum order
    assert is_staff_action(Action.DISPATCH) and not is_staff_action(Action.RATE)


# ---------------------------------------------------------------- the ledger filter
def test_query_values_become_a_typed_filter() -> None:
    f = parse_case_filter({"state": ["dispatched", " in_progress "], "source": ["hotline"], "light": ["red"],
                           "unit": ["7", 8], "grid": ["410802001001001"], "overdue": ["1"], "pending": ["on"],
                           "q": ["  井盖 "], "category": [""], "ignored": ["x"]}, TZ)
    assert f == CaseFilter(states=(CaseState.DISPATCHED, CaseState.IN_PROGRESS), sources=(Source.HOTLINE,),
                           lights=(Light.RED,), units=(7, 8), grids=("410802001001001",), overdue=True,
                           pending_request=True, keyword="井盖")
    assert parse_case_filter({}, TZ) == CaseFilter()
    assert parse_case_filter({"overdue": [False], "date_from": [None]}, TZ) == CaseFilter(overdue=False)


def test_a_local_day_includes_the_whole_day_and_a_moment_needs_its_zone() -> None:
    f = parse_case_filter({"date_from": ["2026-11-17"], "date_to": ["2026-11-17"]}, TZ)
    assert f.reported_from == datetime(2026, 11, 17, tzinfo=TZ)
    assert f.reported_before == datetime(2026, 11, 18, tzinfo=TZ)
    moment = datetime(2026, 11, 17, 8, tzinfo=UTC)
    assert parse_case_filter({"date_from": [moment]}, TZ).reported_from == moment
    zoned = parse_case_filter({"date_to": ["2026-11-17T08:00:00+08:00"]}, TZ).reported_before
    assert zoned == datetime(2026, 11, 17, tzinfo=UTC)


@pytest.mark.parametrize(("params", "message"), [
    ({"state": ["nope"]}, "未知的状态：nope"),
    ({"source": ["fax"]}, "未知的来源：fax"),
    ({"light": ["blue"]}, "未知的计时灯：blue"),
    ({"unit": ["abc"]}, "单位参数有误"),
    ({"date_from": ["yesterday"]}, "日期格式有误：yesterday（应为 YYYY-MM-DD）"),
    ({"date_to": [datetime(2026, 11, 17)]}, "日期时间需带时区，例如 2026-11-22T00:00:00+08:00"),
    ({"date_to": ["2026-11-17T08:00"]}, "日期时间需带时区，例如 2026-11-22T00:00:00+08:00"),
    ({"overdue": ["maybe"]}, "参数 overdue 只能是 1 或 0"),
    ({"q": ["字" * 101]}, "关键词不能超过 100 字"),
])
def test_a_bad_filter_value_is_refused_in_words(params: dict[str, list[object]], message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_case_filter(params, TZ)
    assert err.value.message == message


def test_a_filter_goes_back_to_the_query_string_it_came_from() -> None:
    f = CaseFilter(states=(CaseState.DISPATCHED, CaseState.IN_PROGRESS), units=(7,), overdue=True,
                   pending_request=True, keyword="JZ2026", led_by=(3,))
    pairs = f.query_pairs()
    assert pairs == [("state", "dispatched"), ("state", "in_progress"), ("unit", "7"), ("overdue", "1"),
                     ("pending", "1"), ("q", "JZ2026")]
    back: dict[str, list[object]] = {}
    for key, value in pairs:
        back.setdefault(key, []).append(value)
    assert parse_case_filter(back, TZ) == replace(f, led_by=None)
    assert set(QUERY_KEYS) >= {key for key, _ in pairs} and COUNT_CAP == 10_000
    assert parse_case_filter({"overdue": ["0"]}, TZ).query_pairs() == [("overdue", "0")]


def test_every_filter_key_has_one_query_parameter() -> None:
    assert set(QUERY_KEYS.values()) == {f.name for f in fields(CaseFilter)} - {"led_by"}
    assert len(set(QUERY_KEYS.values())) == len(QUERY_KEYS)


# ---------------------------------------------------------------- routing at registration
def test_registration_keeps_the_suggestion_and_why() -> None:
    case = new_case(state=CaseState.VERIFIED, main_unit_id=None, assisting_unit_ids=(), road="人民路")
    assert place_of(case, "01").road == "人民路" and place_of(case, "01").category_class == "01"
    payload = record_suggestion(case, RoutingDecision(5, (), 12, "按责任规则 #12 派至「设施所」"))
    assert (case.suggested_unit_id, case.routing_rule_id, case.routing_reason) == (5, 12, "按责任规则 #12 派至「设施所」")
    assert payload == {"unit_id": 5, "rule_id": 12, "reason": "按责任规则 #12 派至「设施所」"}
