"""The schema, as SQLAlchemy Core tables. One schema for SQLite and PostgreSQL; Alembic migrates it.

Times are stored in UTC (timezone-aware on PostgreSQL; naive-UTC text on SQLite, re-tagged on read).
Every list filter has an index that ends with the primary key, so filtered pages stay index scans.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
)

from citysteward.platform.db import ID, TS, metadata

ranking_flags = Table(  # 红蓝旗 history: one row per subject per published month
    "ranking_flags",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("period", String(7), nullable=False),  # YYYY-MM
    Column("scope", String(16), nullable=False),  # unit | street
    Column("subject", String(32), nullable=False),
    Column("subject_name", String(100), nullable=False),
    Column("rank", Integer, nullable=True),
    Column("score", Float, nullable=True),
    Column("grade", String(4), nullable=True),
    Column("sample", Integer, nullable=False),
    Column("flag", String(8), nullable=True),  # red | blue
    Column("published_at", TS, nullable=False),
    Index("ux_ranking_flags_period_scope_subject", "period", "scope", "subject", unique=True),
    Index("ix_ranking_flags_scope_subject", "scope", "subject", "period"),
)

# -- rollups (issue 16, docs/performance.md): step counts per local day × action × unit × category ×
# district × source, kept current by database triggers (migration 0015) in the transaction that writes
# the step or changes the case; the dashboard reads these instead of scanning a month of steps.
case_rollups = Table(
    "case_rollups",
    metadata,
    Column("day", String(10), nullable=False),  # YYYY-MM-DD, local (rollup_settings.utc_offset_minutes)
    Column("action", String(24), nullable=False),
    Column("unit_id", ID, nullable=False),  # the case's main unit now; 0: none yet
    Column("category_code", String(16), nullable=False),
    Column("district_code", String(6), nullable=False),
    Column("source", String(16), nullable=False),
    Column("n", Integer, nullable=False),  # steps
    Column("on_time", Integer, nullable=False),  # of those, steps of cases handled on time
    PrimaryKeyConstraint("day", "action", "unit_id", "category_code", "district_code", "source",
                         name="pk_case_rollups"),
    Index("ix_case_rollups_action_day", "action", "day"),  # a month of one action: reports, handlings
    info={"derived": True},  # rebuilt by the triggers when a backup is restored, never restored itself
)

case_day_totals = Table(  # the same steps per local day × action only: today, the month, the 30-day trend
    "case_day_totals",
    metadata,
    Column("day", String(10), nullable=False),
    Column("action", String(24), nullable=False),
    Column("n", Integer, nullable=False),
    Column("on_time", Integer, nullable=False),
    PrimaryKeyConstraint("day", "action", name="pk_case_day_totals"),
    info={"derived": True},
)

rollup_settings = Table(  # one row: the offset the triggers turn UTC step times into local days with
    "rollup_settings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("utc_offset_minutes", Integer, nullable=False),
)
