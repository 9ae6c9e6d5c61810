"""The escalation worker (督办巡检): every interval, sweep the cases' deadlines (reminders at yellow,
overdue marks and automatic supervision at red: services/sweep.py), escalate overdue supervision
tickets (services/supervision.py), then deliver the queued notifications (services/notify.py).

Safe on several app servers: on PostgreSQL the sweeping part runs under a session-level advisory lock
taken with pg_try_advisory_lock, so only one worker sweeps at a time and the others skip the round
(released in `finally`, and with the connection if the process dies). On SQLite the database's single
writer serialises the steps. Either way each step re-checks its guard under a row lock in its own
transaction, so even two sweepers running at once act exactly once. Delivery runs outside the lock:
its claims (FOR UPDATE SKIP LOCKED, version-guarded) let several senders share the outbox.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from citysteward.notify import services as notify
from citysteward.platform.runtime import Runtime
from citysteward.supervision.ports import unit_of_work
from citysteward.supervision.services import tickets as supervision_service
from citysteward.supervision.services.sweep import SweepResult, sweep

log = logging.getLogger("citysteward.worker")
LOCK_KEY = 0x43535731  # "CSW1": the one advisory lock of the escalation worker


@dataclass
class WorkerRound:
    swept: bool
    cases: SweepResult = field(default_factory=SweepResult)
    tickets: supervision_service.TicketSweepResult = field(default_factory=supervision_service.TicketSweepResult)
    delivery: notify.DeliveryResult = field(default_factory=notify.DeliveryResult)


def sweep_all(rt: Runtime) -> tuple[SweepResult, supervision_service.TicketSweepResult]:
    """The sweeping part without the lock (tests race two of these on purpose)."""
    return sweep(rt), supervision_service.escalate_due(rt)


def run_once(rt: Runtime, deliver: bool = True, mailer: notify.Mailer | None = None) -> WorkerRound:
    result = WorkerRound(swept=False)
    # Read-only: on SQLite it takes no write lock; on PostgreSQL the lock outlives the transaction.
    with unit_of_work(rt, readonly=True) as holder:
        if holder.locks.try_lock(LOCK_KEY):
            holder.commit()
            try:
                result.cases, result.tickets = sweep_all(rt)
                result.swept = True
            finally:
                holder.locks.unlock(LOCK_KEY)
        else:
            log.info("another worker holds the sweep lock; skipping this round")
    if deliver:
        result.delivery = notify.deliver(rt, mailer=mailer)
    return result


def run_forever(rt: Runtime, interval: float = 60.0, stop: threading.Event | None = None,
                on_round: Callable[[WorkerRound], None] | None = None) -> None:
    """Rounds every `interval` seconds until `stop` is set; an error in one round is logged, not fatal."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            result = run_once(rt)
            if on_round:
                on_round(result)
        except Exception:  # a worker must outlive a bad round (database restart, SMTP outage…)
            log.exception("worker round failed")
        stop.wait(interval)
