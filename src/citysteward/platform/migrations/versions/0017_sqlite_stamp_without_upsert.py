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

import importlib

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_stamp = importlib.import_module("citysteward.platform.migrations.versions.0016_case_change_stamp")
# The row is written anew at 0 (new epoch) only where it is missing, then raised like any other time.
_RAISE = ("INSERT OR IGNORE INTO case_change_stamp (id, n, epoch) VALUES (1, 0, lower(hex(randomblob(8)))); "
          "UPDATE case_change_stamp SET n = n + 1 WHERE id = 1")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in _stamp.drop_triggers("sqlite"):
        op.execute(statement)
    for event in ("INSERT", "UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER trg_cases_changed_{event.lower()} AFTER {event} ON cases BEGIN {_RAISE}; END")


def downgrade() -> None:
    """Migration 0016's triggers, as it created them."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in (*_stamp.drop_triggers("sqlite"), *_stamp.create_triggers("sqlite")):
        op.execute(statement)
