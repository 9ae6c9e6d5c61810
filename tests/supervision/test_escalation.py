"""The escalation worker: reminders at yellow, overdue marks and automatic supervision at red, ticket
escalation — each exactly once, also with two workers racing on one database."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from citysteward.cases import tables as cases_tables
from citysteward.cases.domain.model import Action
from citysteward.cases.services import actions as cases
from citysteward.notify import services as notify
from citysteward.notify import tables as notify_tables
from citysteward.platform.runtime import Runtime
from citysteward.supervision import tables as supervision_tables
from citysteward.supervision.services import escalation
from citysteward.supervision.services import sweep as sweep_module
from citysteward.supervision.services import tickets as supervision_service
from tests.builders.cases import _second_runtime, act, count_rows, new_case, steps
from tests.conftest import City

# dispatch notices (cases.services.actions) are not the sweep's: the counts below leave them out
NOT_DISPATCH = notify_tables.outbox.c.subject.notlike("【派遣】%")
DISPATCHED_AS = "污水井盖"


def test_yellow_light_reminds_the_unit_once(city: City, clock) -> None:
    case_no = new_case(city)
    clock.advance(hours=5)  # 83% of 6 h used
    first = escalation.run_once(city.rt)
    assert first.swept and first.cases.reminded == 1 and first.cases.supervised == 0
    assert steps(city.rt, case_no)[-1] == "remind"
    detail = cases.case_detail(city.rt, case_no, city.actor("dispatcher"))
    assert detail.light == "yellow"
    remind = detail.timeline[-1]
    assert remind.role == "system" and remind.payload["auto"] is True and "80%" in remind.note
    # the unit got an in-app notice, delivered in the same round
    inbox = notify.list_notices(city.rt, city.actor("facility"))
    # the dispatch notice came first; the reminder is the one notice since
    assert [n["title"] for n in inbox["items"]] == [f"【催办】案件 {case_no} 即将超期", f"【派遣】{case_no} {DISPATCHED_AS}"]
    assert inbox["unread"] == 2
    assert notify.list_notices(city.rt, city.actor("sanitation"))["items"] == []
    clock.advance(minutes=30)
    second = escalation.run_once(city.rt)
    assert second.cases.reminded == 0 and steps(city.rt, case_no).count("remind") == 1
    assert count_rows(city.rt, notify_tables.outbox, NOT_DISPATCH) == 1


def test_red_light_marks_overdue_and_supervises_once_with_a_white_ticket(city: City, clock) -> None:
    case_no = new_case(city)
    clock.advance(hours=4, minutes=50)
    escalation.run_once(city.rt)
    clock.advance(hours=2)  # past the 6 h deadline
    result = escalation.run_once(city.rt)
    assert (result.cases.overdue, result.cases.supervised, result.cases.tickets) == (1, 1, 1)
    assert steps(city.rt, case_no)[-3:] == ["remind", "overdue", "supervise"]
    ledger = supervision_service.list_tickets(city.rt, city.actor("supervisor"), {})
    assert ledger["total"] == 1
    ticket = ledger["items"][0]
    assert ticket["level"] == "white" and ticket["source"] == "auto" and ticket["case_nos"] == [case_no]
    assert [u["unit_id"] for u in ticket["units"]] == [city.units["facility"]]
    detail = cases.case_detail(city.rt, case_no, city.actor("dispatcher"))
    assert detail.overdue is True and detail.light == "red"
    assert detail.timeline[-1].payload["ticket_no"] == ticket["ticket_no"]
    for _ in range(2):
        clock.advance(minutes=5)
        again = escalation.run_once(city.rt)
        assert (again.cases.overdue, again.cases.supervised, again.cases.tickets) == (0, 0, 0)
    assert Counter(steps(city.rt, case_no))["supervise"] == 1
    assert count_rows(city.rt, supervision_tables.supervision_tickets) == 1


def test_overdue_ticket_escalates_one_level_at_a_time_then_is_marked_overdue(city: City, clock) -> None:
    case_no = new_case(city)
    clock.advance(hours=7)
    escalation.run_once(city.rt)
    ticket_no = supervision_service.list_tickets(city.rt, city.actor("supervisor"), {})["items"][0]["ticket_no"]

    def level() -> tuple[str, bool, int]:
        d = supervision_service.ticket_detail(city.rt, ticket_no, city.actor("supervisor"))
        return d["level"], d["overdue"], d["escalations"]

    clock.advance(hours=71)
    assert escalation.run_once(city.rt).tickets.escalated == 0  # white gives 72 h
    clock.advance(hours=2)
    assert escalation.run_once(city.rt).tickets.escalated == 1
    assert level() == ("yellow", False, 1)
    assert escalation.run_once(city.rt).tickets.escalated == 0
    clock.advance(hours=49)
    escalation.run_once(city.rt)
    assert level() == ("red", False, 2)
    clock.advance(hours=25)
    assert escalation.run_once(city.rt).tickets.overdue == 1
    assert escalation.run_once(city.rt).tickets.overdue == 0
    assert level() == ("red", True, 2)
    timeline = [e["action"] for e in supervision_service.ticket_detail(city.rt, ticket_no,
                                                                        city.actor("supervisor"))["timeline"]]
    assert timeline == ["issue", "escalate", "escalate", "overdue"]
    titles = [n["title"] for n in notify.list_notices(city.rt, city.actor("facility"), limit=50)["items"]]
    assert sum("升级为黄色" in x for x in titles) == 1 and sum("升级为红色" in x for x in titles) == 1
    assert steps(city.rt, case_no).count("supervise") == 1


def test_a_ticket_the_unit_answered_does_not_escalate(city: City, clock) -> None:
    new_case(city)
    clock.advance(hours=7)
    escalation.run_once(city.rt)
    ticket_no = supervision_service.list_tickets(city.rt, city.actor("supervisor"), {})["items"][0]["ticket_no"]
    supervision_service.ticket_action(city.rt, ticket_no, supervision_service.TicketAction.REPLY,
                                      city.actor("facility"), "已安排抢修")
    clock.advance(hours=100)
    assert escalation.run_once(city.rt).tickets.escalated == 0


def test_an_extension_starts_a_new_episode_without_a_second_ticket(city: City, clock) -> None:
    case_no = new_case(city)
    act(city, "facility", case_no, Action.ACCEPT_TASK)
    clock.advance(hours=7)
    escalation.run_once(city.rt)
    act(city, "facility", case_no, Action.REQUEST_EXTENSION, note="需定制井盖",
        extension={"amount": 10, "unit": "natural_hours"})
    act(city, "dispatcher", case_no, Action.APPROVE_EXTENSION)  # new deadline: dispatch + 16 h
    escalation.run_once(city.rt)
    assert steps(city.rt, case_no).count("overdue") == 1
    clock.advance(hours=6)  # 13 h of 16 used -> yellow again
    assert escalation.run_once(city.rt).cases.reminded == 1
    clock.advance(hours=4)
    result = escalation.run_once(city.rt)
    assert (result.cases.overdue, result.cases.supervised, result.cases.tickets) == (1, 1, 0)
    counted = Counter(steps(city.rt, case_no))
    assert (counted["remind"], counted["overdue"], counted["supervise"]) == (1, 2, 2)
    assert count_rows(city.rt, supervision_tables.supervision_tickets) == 1


def test_a_crash_mid_sweep_leaves_the_case_untouched_and_the_next_round_finishes_it(
        city: City, clock, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = new_case(city), new_case(city, point=(2, 5))
    clock.advance(hours=7)
    real = supervision_service.issue_in
    calls = {"n": 0}

    def flaky(*args: Any, **kw: Any) -> Any:
        calls["n"] += 1
        ticket = real(*args, **kw)
        if calls["n"] == 2:
            raise RuntimeError("power cut after the ticket was written")
        return ticket

    monkeypatch.setattr(supervision_service, "issue_in", flaky)
    with pytest.raises(RuntimeError):
        escalation.run_once(city.rt)
    assert steps(city.rt, first)[-2:] == ["overdue", "supervise"]
    assert steps(city.rt, second)[-1] == "dispatch"  # nothing half-done: no event, no ticket, no notice
    assert count_rows(city.rt, supervision_tables.supervision_tickets) == 1
    assert count_rows(city.rt, notify_tables.outbox, NOT_DISPATCH) == 1
    monkeypatch.setattr(supervision_service, "issue_in", real)
    escalation.run_once(city.rt)
    assert steps(city.rt, second)[-2:] == ["overdue", "supervise"]
    assert count_rows(city.rt, supervision_tables.supervision_tickets) == 2


@pytest.mark.parametrize("locked", [True, False], ids=["advisory-lock", "no-lock"])
def test_two_workers_racing_remind_and_escalate_exactly_once(city: City, clock, locked: bool) -> None:
    """Two workers, each with its own engine, on one database at the same moment. With the lock one
    sweeps and the other skips; without it both sweep and the per-case guards still act once."""
    red = [new_case(city, point=(1 + i % 2, 1 + i % 8)) for i in range(5)]
    clock.advance(hours=2)
    yellow = [new_case(city, point=(1 + i % 2, 1 + (i + 3) % 8)) for i in range(5)]
    clock.advance(hours=5)  # red group: 7 h of 6 used; yellow group: 5 h of 6
    other = _second_runtime(city.rt)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(rt: Runtime) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                if locked:
                    escalation.run_once(rt)
                else:
                    escalation.sweep_all(rt)
                    notify.deliver(rt)
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(rt,)) for rt in (city.rt, other)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    other.uow.engine.dispose()  # type: ignore[attr-defined]
    assert not errors, errors
    ids = {}
    with city.rt.uow(readonly=True) as uow:
        for case_no in yellow + red:
            ids[case_no] = uow.cases.get(case_no).id  # type: ignore[union-attr]
    with city.rt.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(cases_tables.case_events.c.case_id, cases_tables.case_events.c.action)
                                .where(cases_tables.case_events.c.action.in_(["remind", "overdue", "supervise"]))).all()
        per_case = Counter((cid, action) for cid, action in rows)
        tickets = uow.conn.execute(select(func.count()).select_from(supervision_tables.supervision_tickets)).scalar_one()
        links = uow.conn.execute(select(supervision_tables.supervision_ticket_cases.c.case_id)).scalars().all()
        outbox = uow.conn.execute(select(notify_tables.outbox.c.dedupe_key)).scalars().all()
        notices = uow.conn.execute(select(notify_tables.notices.c.outbox_id)).scalars().all()
    expected = Counter({(ids[c], "remind"): 1 for c in yellow})
    expected.update({(ids[c], a): 1 for c in red for a in ("overdue", "supervise")})
    assert per_case == expected
    assert tickets == len(red) and sorted(links) == sorted(ids[c] for c in red)
    assert len(outbox) == len(set(outbox)) and len(notices) == len(set(notices)) == len(outbox)
    assert count_rows(city.rt, notify_tables.outbox, notify_tables.outbox.c.status != "sent") == 0


def test_sweep_keeps_the_cli_contract(city: City, clock) -> None:
    new_case(city)
    clock.advance(hours=5)
    result = sweep_module.sweep(city.rt)
    assert (result.scanned, result.changed, result.reminded) == (1, 1, 1)
