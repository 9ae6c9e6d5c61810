"""Speed: daily rollups of case steps (day × action × unit × category × district × source, and day ×
action), and counts of cases per state × district, kept current by triggers in the same transaction as
the step or the change to the case, and filled from what is already stored (docs/performance.md
"Rollups").

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 03:00:00
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

KEY = "day, action, unit_id, category_code, district_code, source"
COLUMNS = f"{KEY}, n, on_time"
DIMS = ("main_unit_id", "category_code", "district_code", "source", "handled_on_time")


def _offset_now() -> int:
    zone = ZoneInfo(os.environ.get("CITYSTEWARD_TIMEZONE", "Asia/Shanghai"))
    offset = zone.utcoffset(datetime.now(UTC).replace(tzinfo=None))
    return int(offset.total_seconds() // 60) if offset is not None else 0


def _day(dialect: str, moment: str) -> str:
    """A UTC step time as the local day, YYYY-MM-DD, by the offset kept in rollup_settings (the offset
    at migration time if the row is missing, e.g. while a restore refills the tables)."""
    offset = f"coalesce((SELECT utc_offset_minutes FROM rollup_settings WHERE id = 1), {_offset_now()})"
    if dialect == "postgresql":
        return f"to_char(({moment} AT TIME ZONE 'UTC') + make_interval(mins => {offset}), 'YYYY-MM-DD')"
    return f"date({moment}, {offset} || ' minutes')"


def _upsert(dialect: str) -> str:
    table = "case_rollups." if dialect == "postgresql" else ""
    return (f"ON CONFLICT ({KEY}) DO UPDATE SET n = {table}n + excluded.n, "
            f"on_time = {table}on_time + excluded.on_time")


def _move(dialect: str, row: str, sign: str) -> str:
    """Every step of the case in `row` (OLD or NEW), counted with `sign` under that row's dimensions."""
    return (f"INSERT INTO case_rollups ({COLUMNS}) "
            f"SELECT {_day(dialect, 'e.at')}, e.action, coalesce({row}.main_unit_id, 0), {row}.category_code, "
            f"{row}.district_code, {row}.source, {sign}count(*), "
            f"{sign}count(*) * (CASE WHEN {row}.handled_on_time THEN 1 ELSE 0 END) "
            f"FROM case_events e WHERE e.case_id = {row}.id GROUP BY 1, 2 {_upsert(dialect)}")


def _event(dialect: str) -> str:
    return (f"INSERT INTO case_rollups ({COLUMNS}) "
            f"SELECT {_day(dialect, 'NEW.at')}, NEW.action, coalesce(c.main_unit_id, 0), c.category_code, "
            f"c.district_code, c.source, 1, CASE WHEN c.handled_on_time THEN 1 ELSE 0 END "
            f"FROM cases c WHERE c.id = NEW.case_id {_upsert(dialect)}")


def _add(dialect: str, table: str, key: str, columns: str) -> str:
    prefix = f"{table}." if dialect == "postgresql" else ""
    sets = ", ".join(f"{c} = {prefix}{c} + excluded.{c}" for c in columns.split(", "))
    return f"ON CONFLICT ({key}) DO UPDATE SET {sets}"


def _event_total(dialect: str) -> str:
    return ("INSERT INTO case_day_totals (day, action, n, on_time) "
            f"SELECT {_day(dialect, 'NEW.at')}, NEW.action, 1, CASE WHEN c.handled_on_time THEN 1 ELSE 0 END "
            f"FROM cases c WHERE c.id = NEW.case_id {_add(dialect, 'case_day_totals', 'day, action', 'n, on_time')}")


def _on_time_moved(dialect: str) -> str:
    """The case's steps per day × action keep their count; only their on-time share can change."""
    delta = "((CASE WHEN NEW.handled_on_time THEN 1 ELSE 0 END) - (CASE WHEN OLD.handled_on_time THEN 1 ELSE 0 END))"
    return ("INSERT INTO case_day_totals (day, action, n, on_time) "
            f"SELECT {_day(dialect, 'e.at')}, e.action, 0, count(*) * {delta} FROM case_events e "
            f"WHERE e.case_id = NEW.id GROUP BY 1, 2 {_add(dialect, 'case_day_totals', 'day, action', 'n, on_time')}")


def _state(dialect: str, row: str, sign: str) -> str:
    return (f"INSERT INTO case_state_counts (state, district_code, n) VALUES ({row}.state, {row}.district_code, "
            f"{sign}1) {_add(dialect, 'case_state_counts', 'state, district_code', 'n')}")


def _changed(dialect: str) -> str:
    if dialect == "postgresql":
        return " OR ".join(f"OLD.{d} IS DISTINCT FROM NEW.{d}" for d in DIMS)
    return " OR ".join(f"OLD.{d} IS NOT NEW.{d}" for d in DIMS)


def backfill_sql(dialect: str) -> list[str]:
    return [
        (f"INSERT INTO case_rollups ({COLUMNS}) "
         f"SELECT {_day(dialect, 'e.at')}, e.action, coalesce(c.main_unit_id, 0), c.category_code, "
         f"c.district_code, c.source, count(*), sum(CASE WHEN c.handled_on_time THEN 1 ELSE 0 END) "
         f"FROM case_events e JOIN cases c ON c.id = e.case_id GROUP BY 1, 2, 3, 4, 5, 6"),
        ("INSERT INTO case_day_totals (day, action, n, on_time) SELECT day, action, sum(n), sum(on_time) "
         "FROM case_rollups GROUP BY day, action"),
        ("INSERT INTO case_state_counts (state, district_code, n) SELECT state, district_code, count(*) "
         "FROM cases GROUP BY state, district_code"),
    ]


def _state_changed(dialect: str) -> str:
    op_ = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return f"OLD.state {op_} NEW.state OR OLD.district_code {op_} NEW.district_code"


def create_triggers(dialect: str) -> list[str]:
    step = f"{_event(dialect)}; {_event_total(dialect)}"
    moved = f"{_move(dialect, 'OLD', '-')}; {_move(dialect, 'NEW', '')}; {_on_time_moved(dialect)}"
    state = f"{_state(dialect, 'OLD', '-')}; {_state(dialect, 'NEW', '')}"
    if dialect == "postgresql":
        def function(name: str, body: str) -> str:
            return f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"

        return [
            function("case_rollups_step", step),
            "CREATE TRIGGER trg_case_events_rollup AFTER INSERT ON case_events FOR EACH ROW "
            "EXECUTE FUNCTION case_rollups_step()",
            function("case_rollups_case", moved),
            f"CREATE TRIGGER trg_cases_rollup AFTER UPDATE ON cases FOR EACH ROW WHEN ({_changed(dialect)}) "
            f"EXECUTE FUNCTION case_rollups_case()",
            function("case_states_new", _state(dialect, "NEW", "")),
            "CREATE TRIGGER trg_cases_state_new AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION case_states_new()",
            function("case_states_moved", state),
            f"CREATE TRIGGER trg_cases_state_moved AFTER UPDATE ON cases FOR EACH ROW "
            f"WHEN ({_state_changed(dialect)}) EXECUTE FUNCTION case_states_moved()",
        ]
    return [
        f"CREATE TRIGGER trg_case_events_rollup AFTER INSERT ON case_events BEGIN {step}; END",
        f"CREATE TRIGGER trg_cases_rollup AFTER UPDATE ON cases WHEN {_changed(dialect)} BEGIN {moved}; END",
        f"CREATE TRIGGER trg_cases_state_new AFTER INSERT ON cases BEGIN {_state(dialect, 'NEW', '')}; END",
        f"CREATE TRIGGER trg_cases_state_moved AFTER UPDATE ON cases WHEN {_state_changed(dialect)} BEGIN {state}; END",
    ]


TRIGGERS = (("trg_case_events_rollup", "case_events", "case_rollups_step"), ("trg_cases_rollup", "cases", "case_rollups_case"),
            ("trg_cases_state_new", "cases", "case_states_new"), ("trg_cases_state_moved", "cases", "case_states_moved"))


def drop_triggers(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [s for trigger, table, fn in TRIGGERS for s in (f"DROP TRIGGER IF EXISTS {trigger} ON {table}",
                                                                 f"DROP FUNCTION IF EXISTS {fn}()")]
    return [f"DROP TRIGGER IF EXISTS {trigger}" for trigger, _, _ in TRIGGERS]


def upgrade() -> None:
    op.create_table(
        "case_rollups",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("category_code", sa.String(16), nullable=False),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "action", "unit_id", "category_code", "district_code", "source",
                                name="pk_case_rollups"),
    )
    op.create_index("ix_case_rollups_action_day", "case_rollups", ["action", "day"])
    op.create_table(
        "case_day_totals",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "action", name="pk_case_day_totals"),
    )
    op.create_table(
        "case_state_counts",
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("state", "district_code", name="pk_case_state_counts"),
    )
    op.create_table(
        "rollup_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rollup_settings"),
    )
    minutes = _offset_now()
    dialect = op.get_bind().dialect.name
    op.execute(sa.text("INSERT INTO rollup_settings (id, utc_offset_minutes) VALUES (1, :m)").bindparams(m=minutes))
    for statement in [*backfill_sql(dialect), *create_triggers(dialect)]:
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_triggers(op.get_bind().dialect.name):
        op.execute(statement)
    for table in ("rollup_settings", "case_state_counts", "case_day_totals", "case_rollups"):
        op.drop_table(table)
