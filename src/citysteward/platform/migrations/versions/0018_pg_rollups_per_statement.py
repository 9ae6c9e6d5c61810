"""Speed: on PostgreSQL, the rollups of new steps and the state counts of new cases are kept by one trigger
call per statement instead of one per row (docs/performance.md, "Sixth round").

Migration 0015's row triggers ran a PL/pgSQL function for every inserted step (two upserts, each joining
the case) and every inserted case (one upsert). The intake writer inserts a batch of reports in one
statement per table, and the demo's bulk load streams thousands of rows with COPY. A statement trigger
sees the statement's new rows as a transition table and files them grouped by rollup key: one upsert per
key, in key order (so two transactions that file the same keys lock them in the same order).

The triggers on UPDATE (a case moved to another unit, category or state) stay per row: an update of a case
moves that case's own steps. SQLite has no transition tables and keeps its row triggers.

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

_STATES = f"""
CREATE FUNCTION case_states_new_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_state_counts (state, district_code, n)
    SELECT state, district_code, count(*) FROM new_cases GROUP BY 1, 2 ORDER BY 1, 2
    {_rollups._add("postgresql", "case_state_counts", "state, district_code", "n")};
    RETURN NULL;
END $$
"""

# Migration 0015's row triggers on INSERT, by (trigger, table, function); its UPDATE triggers stay.
_ROW_TRIGGERS = (("trg_case_events_rollup", "case_events", "case_rollups_step"),
                 ("trg_cases_state_new", "cases", "case_states_new"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for trigger, table, function in _ROW_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.execute(_STEPS)
    op.execute("CREATE TRIGGER trg_case_events_rollup AFTER INSERT ON case_events "
               "REFERENCING NEW TABLE AS new_steps FOR EACH STATEMENT EXECUTE FUNCTION case_rollups_steps()")
    op.execute(_STATES)
    op.execute("CREATE TRIGGER trg_cases_state_new AFTER INSERT ON cases "
               "REFERENCING NEW TABLE AS new_cases FOR EACH STATEMENT EXECUTE FUNCTION case_states_new_rows()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS trg_case_events_rollup ON case_events")
    op.execute("DROP FUNCTION IF EXISTS case_rollups_steps()")
    op.execute("DROP TRIGGER IF EXISTS trg_cases_state_new ON cases")
    op.execute("DROP FUNCTION IF EXISTS case_states_new_rows()")
    names = {name for name, _, _ in _ROW_TRIGGERS} | {function for _, _, function in _ROW_TRIGGERS}
    for statement in _rollups.create_triggers("postgresql"):
        if any(f" {name}(" in statement or f" {name} " in statement for name in names):
            op.execute(statement)
