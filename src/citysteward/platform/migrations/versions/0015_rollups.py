"""Speed: daily rollups of case steps (day × action × unit × category × district × source), kept current
by triggers in the same transaction as the step or the change to the case, and filled from the steps
already stored (docs/performance.md "Rollups").

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


def _changed(dialect: str) -> str:
    if dialect == "postgresql":
        return " OR ".join(f"OLD.{d} IS DISTINCT FROM NEW.{d}" for d in DIMS)
    return " OR ".join(f"OLD.{d} IS NOT NEW.{d}" for d in DIMS)


def backfill_sql(dialect: str) -> str:
    return (f"INSERT INTO case_rollups ({COLUMNS}) "
            f"SELECT {_day(dialect, 'e.at')}, e.action, coalesce(c.main_unit_id, 0), c.category_code, "
            f"c.district_code, c.source, count(*), sum(CASE WHEN c.handled_on_time THEN 1 ELSE 0 END) "
            f"FROM case_events e JOIN cases c ON c.id = e.case_id GROUP BY 1, 2, 3, 4, 5, 6")


def create_triggers(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"CREATE FUNCTION case_rollups_step() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{_event(dialect)}; RETURN NULL; END $$",
            "CREATE TRIGGER trg_case_events_rollup AFTER INSERT ON case_events FOR EACH ROW "
            "EXECUTE FUNCTION case_rollups_step()",
            f"CREATE FUNCTION case_rollups_case() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{_move(dialect, 'OLD', '-')}; {_move(dialect, 'NEW', '')}; RETURN NULL; END $$",
            f"CREATE TRIGGER trg_cases_rollup AFTER UPDATE ON cases FOR EACH ROW WHEN ({_changed(dialect)}) "
            f"EXECUTE FUNCTION case_rollups_case()",
        ]
    return [
        f"CREATE TRIGGER trg_case_events_rollup AFTER INSERT ON case_events BEGIN {_event(dialect)}; END",
        f"CREATE TRIGGER trg_cases_rollup AFTER UPDATE ON cases WHEN {_changed(dialect)} BEGIN "
        f"{_move(dialect, 'OLD', '-')}; {_move(dialect, 'NEW', '')}; END",
    ]


def drop_triggers(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return ["DROP TRIGGER IF EXISTS trg_case_events_rollup ON case_events",
                "DROP TRIGGER IF EXISTS trg_cases_rollup ON cases",
                "DROP FUNCTION IF EXISTS case_rollups_step()", "DROP FUNCTION IF EXISTS case_rollups_case()"]
    return ["DROP TRIGGER IF EXISTS trg_case_events_rollup", "DROP TRIGGER IF EXISTS trg_cases_rollup"]


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
    op.create_table(
        "rollup_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rollup_settings"),
    )
    minutes = _offset_now()
    dialect = op.get_bind().dialect.name
    op.execute(sa.text("INSERT INTO rollup_settings (id, utc_offset_minutes) VALUES (1, :m)").bindparams(m=minutes))
    op.execute(backfill_sql(dialect))
    for statement in create_triggers(dialect):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_triggers(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("rollup_settings")
    op.drop_table("case_rollups")
