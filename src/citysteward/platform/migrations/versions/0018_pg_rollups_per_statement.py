"""Speed: on PostgreSQL, the rollups of new steps are kept by one trigger call per statement instead of one
per row (docs/performance.md, "Sixth round").

Migration 0015's row trigger ran a PL/pgSQL function for every inserted step: two upserts, each joining
the case. The intake writer inserts a batch's steps in one statement, and the demo's bulk load streams
thousands with COPY. A statement trigger sees the statement's new steps as a transition table and files
them grouped by rollup key: one upsert per key, in key order (so two transactions that file the same keys
lock them in the same order). For four steps that took 0.31–0.36 ms instead of 0.48–1.33 ms.

The state counts of new cases stay per row: a statement trigger on `cases` was no faster for a batch of
four (0.68–0.85 ms against 0.60–0.70), its transition table holding the whole, wide rows. The triggers
on UPDATE (a case moved to another unit, category or state) stay per row too: an update of a case moves
that case's own steps. SQLite has no transition tables and keeps its row triggers.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-26 17:00:00
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_rollups = importlib.import_module("citysteward.platform.migrations.versions.0015_rollups")
_DAY = _rollups._day("postgresql", "e.at")
_KEY = _rollups.KEY
_ON_TIME = "CASE WHEN c.handled_on_time THEN 1 ELSE 0 END"

_STEPS = f"""
CREATE FUNCTION case_rollups_steps() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_rollups ({_rollups.COLUMNS})
    SELECT {_DAY}, e.action, coalesce(c.main_unit_id, 0), c.category_code, c.district_code, c.source,
           count(*), sum({_ON_TIME})
    FROM new_steps e JOIN cases c ON c.id = e.case_id
    GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    {_rollups._upsert("postgresql")};
    INSERT INTO case_day_totals (day, action, n, on_time)
    SELECT {_DAY}, e.action, count(*), sum({_ON_TIME})
    FROM new_steps e JOIN cases c ON c.id = e.case_id
    GROUP BY 1, 2 ORDER BY 1, 2
    {_rollups._add("postgresql", "case_day_totals", "day, action", "n, on_time")};
    RETURN NULL;
END $$
"""



def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS trg_case_events_rollup ON case_events")
    op.execute("DROP FUNCTION IF EXISTS case_rollups_step()")
    op.execute(_STEPS)
    op.execute("CREATE TRIGGER trg_case_events_rollup AFTER INSERT ON case_events "
               "REFERENCING NEW TABLE AS new_steps FOR EACH STATEMENT EXECUTE FUNCTION case_rollups_steps()")


def downgrade() -> None:
    """Migration 0015's row trigger on new steps, as it created it."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS trg_case_events_rollup ON case_events")
    op.execute("DROP FUNCTION IF EXISTS case_rollups_steps()")
    for statement in _rollups.create_triggers("postgresql"):
        if " case_rollups_step(" in statement:  # its function and the trigger that calls it
            op.execute(statement)
