"""Notifications (通知): in-app notices (站内通知) and e-mail, through an outbox.

A service that wants to tell somebody something writes an outbox row in the same transaction as the
action itself (催办, 督导单, 挂牌…), so a rolled-back action never notifies and a committed one always
will. An in-app notice is written in that transaction too (its outbox row is born `sent`), so the
console's bell (web.py, polled) shows it at once; e-mail waits for the worker. `deliver()` (run by the worker) claims due rows — on PostgreSQL with FOR UPDATE SKIP LOCKED, and
everywhere with a version-guarded status update — so two senders never take the same row:
- in-app notices are written into `notices` in the claiming transaction itself (exactly once: the
  notice row is keyed by its outbox id);
- e-mail goes to the configured SMTP server (settings smtp_host / smtp_port / smtp_from); a failure is
  retried with exponential back-off (next_attempt_at, attempts) and given up after MAX_ATTEMPTS.
  A sender that dies between the SMTP server's acceptance and the status update leaves the row in
  `sending`; after LEASE it is retried, and the fixed Message-ID lets the receiving side drop it.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from citysteward.config import Settings
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden, InvalidInput, NotFound
from citysteward.notify.ports import NotifyUnitOfWork, unit_of_work
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=10)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def backoff(attempts: int) -> timedelta:
    """Delay before retry number `attempts` (1, 2, …): 30 s, 60 s, 120 s … capped at six hours."""
    delay: timedelta = BACKOFF_BASE * (2 ** max(0, attempts - 1))
    return min(BACKOFF_MAX, delay)


# ---------------------------------------------------------------- writing (inside the caller's unit of work)
def notify_unit(uow: NotifyUnitOfWork, settings: Settings, now: datetime, unit_id: int, subject: str, body: str,
                link: str = "", dedupe: str | None = None) -> None:
    """Queue an in-app notice for a unit's staff and, when SMTP is configured, an e-mail to each of the
    unit's contact addresses. `dedupe` names the cause (e.g. "remind:42:17"): the same cause is never
    queued twice, even by two workers racing."""
    base = {"subject": subject[:200], "body": body, "link": link[:200], "next_attempt_at": now, "created_at": now}
    _notice(uow, now, {**base, "kind": "notice", "unit_id": unit_id,
                       "dedupe_key": f"{dedupe}:notice:u{unit_id}" if dedupe else None})
    if settings.smtp_host:
        for address in uow.outbox.contacts(unit_id):
            uow.outbox.enqueue({**base, "kind": "email", "unit_id": unit_id, "address": address,
                                "dedupe_key": f"{dedupe}:email:{address}"[:160] if dedupe else None})


def notify_user(uow: NotifyUnitOfWork, now: datetime, user_id: int, subject: str, body: str, link: str = "",
                dedupe: str | None = None) -> bool:
    """An in-app notice to one person; False when the same cause (`dedupe`) was noticed before."""
    return _notice(uow, now, {"kind": "notice", "user_id": user_id, "subject": subject[:200], "body": body,
                       "link": link[:200], "next_attempt_at": now, "created_at": now,
                       "dedupe_key": f"{dedupe}:notice:p{user_id}" if dedupe else None})


def _notice(uow: NotifyUnitOfWork, now: datetime, row: dict[str, Any]) -> bool:
    """An in-app notice is written with the action itself, so the bell shows it at the next poll with
    no worker running. Its outbox row is kept (already sent) for the dedupe key: the same cause is
    still noticed once, and the notice row stays keyed by its outbox id."""
    outbox_id = uow.outbox.enqueue({**row, "status": "sent", "sent_at": now})
    if outbox_id is not None:
        uow.outbox.add_notice({"outbox_id": outbox_id, "unit_id": row.get("unit_id"), "user_id": row.get("user_id"),
                               "title": row["subject"], "body": row["body"], "link": row["link"],
                               "created_at": now})
    return outbox_id is not None


# ---------------------------------------------------------------- sending
@dataclass
class DeliveryResult:
    notices: int = 0
    emails: int = 0
    failed: int = 0
    dead: int = 0


Mailer = Callable[[Settings, dict[str, Any]], None]


def smtp_send(settings: Settings, row: dict[str, Any]) -> None:
    msg = EmailMessage()
    msg["Subject"] = row["subject"]
    msg["From"] = settings.smtp_from
    msg["To"] = row["address"]
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = f"<outbox-{row['id']}@citysteward>"
    body = row["body"]
    if row.get("link"):
        body += f"\n\n{row['link']}"
    msg.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
        smtp.send_message(msg)


def deliver(rt: Runtime, batch: int = 100, mailer: Mailer | None = None) -> DeliveryResult:
    """Send what is due, once. Safe to run in several workers at the same time."""
    mailer = mailer or smtp_send
    result = DeliveryResult()
    while True:
        now = rt.now()
        with unit_of_work(rt) as uow:
            claimed = uow.outbox.claim(now, now - LEASE, batch)
            emails = []
            for row in claimed:
                if row["kind"] == "notice":
                    uow.outbox.add_notice({"outbox_id": row["id"], "unit_id": row["unit_id"],
                                           "user_id": row["user_id"], "title": row["subject"], "body": row["body"],
                                           "link": row["link"], "created_at": now})
                    uow.outbox.mark_sent(row["id"], row["version"], now)
                    result.notices += 1
                else:
                    emails.append(row)
            uow.commit()
        for row in emails:
            _send_one(rt, row, mailer, result)
        if len(claimed) < batch:
            return result


def _send_one(rt: Runtime, row: dict[str, Any], mailer: Mailer, result: DeliveryResult) -> None:
    try:
        if not rt.settings.smtp_host:
            raise RuntimeError("未配置 SMTP 服务器（CITYSTEWARD_SMTP_HOST）")
        mailer(rt.settings, row)
    except Exception as exc:  # any failure of the mail path is retried later, never raised to the worker
        attempts = int(row["attempts"]) + 1
        dead = attempts >= MAX_ATTEMPTS
        with unit_of_work(rt) as uow:
            uow.outbox.mark_failed(row["id"], row["version"], f"{type(exc).__name__}: {exc}",
                                   rt.now() + backoff(attempts), dead)
            uow.commit()
        result.dead += int(dead)
        result.failed += int(not dead)
        return
    with unit_of_work(rt) as uow:
        uow.outbox.mark_sent(row["id"], row["version"], rt.now())
        uow.commit()
    result.emails += 1


# ---------------------------------------------------------------- reading notices, contacts
def _who(actor: Actor) -> tuple[int | None, int | None]:
    if not actor.role.is_staff or actor.role is Role.SYSTEM:
        raise Forbidden("只有工作人员有站内通知")
    return actor.user_id, actor.unit_id


def list_notices(rt: Runtime, actor: Actor, unread: bool = False, limit: int = 50,
                 before_id: int | None = None) -> dict[str, Any]:
    if not 1 <= limit <= 200:
        raise InvalidInput("limit 应在 1–200 之间")
    user_id, unit_id = _who(actor)
    with unit_of_work(rt, readonly=True) as uow:
        rows, unread_n = uow.outbox.notices(user_id, unit_id, unread, limit, before_id)
    return {"items": [{"id": r["id"], "title": r["title"], "body": r["body"], "link": r["link"],
                       "created_at": r["created_at"], "read": r["read_at"] is not None,
                       "scope": "unit" if r["user_id"] is None else "user"} for r in rows],
            "unread": unread_n}


def unread_count(rt: Runtime, actor: Actor) -> int:
    """What the bell shows (one indexed count; polled by every open console page)."""
    user_id, unit_id = _who(actor)
    with unit_of_work(rt, readonly=True) as uow:
        return uow.outbox.unread_count(user_id, unit_id)


def mark_all_read(rt: Runtime, actor: Actor) -> dict[str, Any]:
    user_id, unit_id = _who(actor)
    with unit_of_work(rt) as uow:
        n = uow.outbox.mark_all_read(user_id, unit_id, rt.now())
        uow.commit()
    return {"marked": n}


def mark_read(rt: Runtime, actor: Actor, notice_id: int) -> dict[str, Any]:
    user_id, unit_id = _who(actor)
    with unit_of_work(rt) as uow:
        ok = uow.outbox.mark_read(notice_id, user_id, unit_id, rt.now())
        uow.commit()
    if not ok:
        raise NotFound("通知不存在、已读或不属于您", {"id": notice_id})
    return {"id": notice_id, "read": True}


def set_unit_contacts(rt: Runtime, actor: Actor, unit_id: int, emails: Sequence[str]) -> dict[str, Any]:
    if actor.role is not Role.ADMIN:
        raise Forbidden("需要系统管理员权限")
    clean = []
    for e in emails:
        e = e.strip()
        if not _EMAIL.match(e) or len(e) > 200:
            raise InvalidInput(f"邮箱格式不正确：{e}", {"field": "emails"})
        if e not in clean:
            clean.append(e)
    with unit_of_work(rt) as uow:
        if uow.org.unit(unit_id) is None:
            raise NotFound(f"责任单位 {unit_id} 不存在")
        before = uow.outbox.contacts(unit_id)
        uow.outbox.set_contacts(unit_id, clean)
        record_change(rt, uow, actor, "notify_contacts", unit_id, "update", before, clean)
        uow.commit()
    return {"unit_id": unit_id, "emails": clean}


def outbox_status(rt: Runtime) -> dict[str, int]:
    with unit_of_work(rt, readonly=True) as uow:
        return dict(uow.outbox.counts())
