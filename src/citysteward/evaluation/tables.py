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
