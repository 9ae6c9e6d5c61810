"""New reports announced to the intake desk: every report waiting for acceptance gets one notice to each
active acceptor and shift leader (the bell on their console pages). Written by the worker's round, not
by intake itself, so the hot intake path stays one short write; the notice's dedupe key (the case
number) makes a second round, or a second worker, add nothing."""

from __future__ import annotations

from datetime import timedelta

from citysteward.cases.domain.ledger import CaseFilter
from citysteward.cases.domain.model import CaseState, Source
from citysteward.cases.ports import unit_of_work
from citysteward.kernel.actor import Role
from citysteward.notify.services import notify_user
from citysteward.platform.runtime import Runtime

# Reports older than this when the worker first sees them (a worker that was down for a day) are not
# announced one by one: the acceptor's queue lists them anyway.
WINDOW = timedelta(hours=2)
DESK_ROLES = frozenset({Role.ACCEPTOR.value, Role.SHIFT_LEADER.value})
BATCH = 500


def announce_new_reports(rt: Runtime) -> int:
    """Notices for reports that arrived within WINDOW and still wait for acceptance; returns how many
    notices were new."""
    now = rt.now()
    with unit_of_work(rt) as uow:
        desk = [u["id"] for u in uow.org.users() if u["role"] in DESK_ROLES and u["active"]]
        if not desk:
            return 0
        rows, _ = uow.cases.ledger(CaseFilter(states=(CaseState.REPORTED,), reported_from=now - WINDOW),
                                   BATCH, 0, "oldest", BATCH)
        added = 0
        for row in rows:
            source = Source(row["source"]).label
            for user_id in desk:
                added += notify_user(uow, now, user_id, f"新{source}：{row['case_no']}",
                            f"{row['address'] or ''} {row['description'][:60]}".strip(),
                            link=f"/console/cases/{row['case_no']}", dedupe=f"report:{row['case_no']}")
        uow.commit()
    return added
