"""Notifications: the outbox is written with the action, in-app notices and e-mail are delivered once,
failures back off exponentially, and two senders never send the same message."""

from __future__ import annotations

import dataclasses
import email
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from citysteward.kernel.errors import Forbidden, InvalidInput, NotFound
from citysteward.notify import services as notify
from citysteward.notify import tables as notify_tables
from citysteward.platform.runtime import Runtime
from citysteward.supervision.services import tickets as sv
from tests.builders.cases import _second_runtime
from tests.conftest import City, grid_point


class Sink:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def with_smtp(rt: Runtime, port: int) -> Runtime:
    settings = dataclasses.replace(rt.settings, smtp_host="127.0.0.1", smtp_port=port, smtp_from="cs@jiaozuo.test")
    return Runtime(uow=rt.uow, settings=settings, clock=rt.clock, cache=rt.cache)


def issue(city: City, rt: Runtime | None = None, units: tuple[str, ...] = ("facility",)) -> str:
    lon, lat = grid_point(1, 2)
    return sv.issue_ticket(rt or city.rt, city.actor("supervisor"), sv.TicketInput(
        level="white", title="解放路占道经营", content="请于三日内整改", unit_ids=tuple(city.units[u] for u in units),
        lon=lon, lat=lat, address="解放路 8 号"))["ticket_no"]


def outbox(rt: Runtime) -> list[dict[str, Any]]:
    with rt.uow(readonly=True) as uow:
        return [dict(r._mapping) for r in uow.conn.execute(select(notify_tables.outbox).order_by(notify_tables.outbox.c.id))]


def test_notices_reach_the_unit_once_and_can_be_marked_read(city: City) -> None:
    no = issue(city, units=("facility", "sanitation"))
    rows = outbox(city.rt)
    # in-app notices are written with the action itself (the bell needs no worker); the outbox keeps
    # their dedupe keys, already sent, so the worker never delivers them a second time
    assert [(r["kind"], r["unit_id"], r["status"]) for r in rows] == [
        ("notice", city.units["facility"], "sent"), ("notice", city.units["sanitation"], "sent")]
    assert notify.deliver(city.rt).notices == 0
    assert notify.unread_count(city.rt, city.actor("facility")) == 1
    inbox = notify.list_notices(city.rt, city.actor("facility"))
    assert inbox["unread"] == 1 and inbox["items"][0]["link"] == f"/console/supervision/tickets/{no}"
    notice_id = inbox["items"][0]["id"]
    with pytest.raises(NotFound):  # another unit's notice
        notify.mark_read(city.rt, city.actor("sanitation"), notice_id)
    notify.mark_read(city.rt, city.actor("facility"), notice_id)
    assert notify.list_notices(city.rt, city.actor("facility"))["unread"] == 0
    assert notify.list_notices(city.rt, city.actor("facility"), unread=True)["items"] == []
    assert all(r["status"] == "sent" for r in outbox(city.rt))


def test_a_refused_action_queues_nothing(city: City) -> None:
    with pytest.raises(InvalidInput):
        sv.issue_ticket(city.rt, city.actor("supervisor"), sv.TicketInput(
            level="white", title="x", content="y", unit_ids=(city.units["facility"],), case_nos=("JZ-NOPE",)))
    assert outbox(city.rt) == []


def test_email_goes_through_smtp_exactly_once(city: City, smtp: tuple[Sink, int]) -> None:
    sink, port = smtp
    rt = with_smtp(city.rt, port)
    with pytest.raises(Forbidden):
        notify.set_unit_contacts(rt, city.actor("supervisor"), city.units["facility"], ["a@b.cn"])
    with pytest.raises(InvalidInput):
        notify.set_unit_contacts(rt, city.actor("admin"), city.units["facility"], ["not-an-address"])
    notify.set_unit_contacts(rt, city.actor("admin"), city.units["facility"], ["sheshi@jiaozuo.test", "duty@jz.test"])
    no = issue(city, rt)
    assert Counter(r["kind"] for r in outbox(rt)) == {"notice": 1, "email": 2}
    result = notify.deliver(rt)
    assert (result.notices, result.emails, result.failed) == (0, 2, 0)  # the notice was written at once
    assert notify.deliver(rt).emails == 0
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == ["duty@jz.test", "sheshi@jiaozuo.test"]
    msg = email.message_from_bytes(sink.messages[0].content)
    assert str(make_header(decode_header(msg["Subject"]))) == f"【白色督导单】{no} 解放路占道经营"
    assert msg["From"] == "cs@jiaozuo.test" and msg["Message-ID"].startswith("<outbox-")
    body = msg.get_payload(decode=True).decode(msg.get_content_charset() or "utf-8")
    assert "请于三日内整改" in body and f"/console/supervision/tickets/{no}" in body


def test_a_failing_mail_server_is_retried_with_back_off_then_given_up(city: City, clock) -> None:
    rt = with_smtp(city.rt, free_port())  # nobody listens there
    notify.set_unit_contacts(rt, city.actor("admin"), city.units["facility"], ["sheshi@jiaozuo.test"])
    issue(city, rt)
    first = notify.deliver(rt)
    assert (first.notices, first.emails, first.failed) == (0, 0, 1)
    mail = [r for r in outbox(rt) if r["kind"] == "email"][0]
    assert mail["status"] == "pending" and mail["attempts"] == 1 and "ConnectionRefused" in mail["last_error"]
    assert mail["next_attempt_at"] == clock.now + timedelta(seconds=30)
    assert notify.deliver(rt).failed == 0  # not due yet
    calls: list[int] = []

    def broken(settings: Any, row: dict[str, Any]) -> None:
        calls.append(row["id"])
        raise OSError("421 service not available")

    delays = []
    for attempt in range(2, notify.MAX_ATTEMPTS + 1):
        before = clock.now
        clock.advance(seconds=notify.backoff(attempt - 1).total_seconds() + 1)
        notify.deliver(rt, mailer=broken)
        row = [r for r in outbox(rt) if r["kind"] == "email"][0]
        assert row["attempts"] == attempt
        if row["status"] == "pending":
            delays.append((row["next_attempt_at"] - clock.now).total_seconds())
        assert before < clock.now
    assert delays == [60, 120, 240, 480, 960, 1920]
    assert row["status"] == "dead" and len(calls) == notify.MAX_ATTEMPTS - 1
    clock.advance(days=1)
    assert notify.deliver(rt, mailer=broken).failed == 0 and len(calls) == notify.MAX_ATTEMPTS - 1


def test_two_senders_at_once_never_send_a_message_twice(city: City) -> None:
    rt = with_smtp(city.rt, free_port())
    notify.set_unit_contacts(rt, city.actor("admin"), city.units["facility"], [f"u{i}@jz.test" for i in range(6)])
    for _ in range(5):
        issue(city, rt)
    other = _second_runtime(rt)
    other = Runtime(uow=other.uow, settings=rt.settings, clock=rt.clock)
    sent: list[int] = []
    lock = threading.Lock()

    def mailer(settings: Any, row: dict[str, Any]) -> None:
        with lock:
            sent.append(row["id"])

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(r: Runtime) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                notify.deliver(r, batch=4, mailer=mailer)
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(r,)) for r in (rt, other)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    other.uow.engine.dispose()  # type: ignore[attr-defined]
    assert not errors, errors
    rows = outbox(rt)
    emails = [r["id"] for r in rows if r["kind"] == "email"]
    assert len(emails) == 30 and sorted(sent) == sorted(emails)
    assert all(r["status"] == "sent" for r in rows)
    with rt.uow(readonly=True) as uow:
        notices = uow.conn.execute(select(notify_tables.notices.c.outbox_id)).scalars().all()
    assert len(notices) == len(set(notices)) == 5
