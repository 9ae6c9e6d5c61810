"""Speed: SQLite's case change stamp raised without an UPSERT (docs/performance.md, "Sixth round").

The stamp triggers of migration 0016 raised the count with `INSERT … ON CONFLICT DO UPDATE`. On SQLite
(3.40), a case insert that fires that trigger and the state-count trigger (migration 0015, also an UPSERT)
made every commit several times slower: a batch of two reports committed in about 2 ms instead of
0.25 ms, the writers' lock held all that time (measured on the 1 M-case benchmark database). The same
raise as `INSERT OR IGNORE` (the row written anew, with a new epoch, only where a restore emptied the table)
followed by a plain `UPDATE` does not. PostgreSQL's deferred trigger is unchanged.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26 16:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

EVENTS = ("INSERT", "UPDATE", "DELETE")
_OLD = ("INSERT INTO case_change_stamp (id, n, epoch) VALUES (1, 1, lower(hex(randomblob(8)))) "
        "ON CONFLICT (id) DO UPDATE SET n = n + 1")
# The row is written anew at 0 (new epoch) only where it is missing, then raised like any other time.
_NEW = ("INSERT OR IGNORE INTO case_change_stamp (id, n, epoch) VALUES (1, 0, lower(hex(randomblob(8)))); "
        "UPDATE case_change_stamp SET n = n + 1 WHERE id = 1")


def _replace(body: str) -> None:
    for event in EVENTS:
        op.execute(f"DROP TRIGGER IF EXISTS trg_cases_changed_{event.lower()}")
        op.execute(f"CREATE TRIGGER trg_cases_changed_{event.lower()} AFTER {event} ON cases BEGIN {body}; END")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _replace(_NEW)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _replace(_OLD)
