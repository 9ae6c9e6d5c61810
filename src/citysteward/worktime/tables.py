"""The schema, as SQLAlchemy Core tables. One schema for SQLite and PostgreSQL; Alembic migrates it.

Times are stored in UTC (timezone-aware on PostgreSQL; naive-UTC text on SQLite, re-tagged on read).
Every list filter has an index that ends with the primary key, so filtered pages stay index scans.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    Integer,
    String,
    Table,
)

from citysteward.platform.db import ID, TS, metadata

calendar_days = Table(
    "calendar_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("kind", String(16), nullable=False),  # holiday | workday (make-up day, 调休上班)
    Column("name", String(64), nullable=False),
)

calendar_years = Table(
    "calendar_years",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("source", String(64), nullable=False),
    Column("loaded_at", TS, nullable=False),
)

work_schedules = Table(
    "work_schedules",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("start_md", String(5), nullable=False),
    Column("end_md", String(5), nullable=False),
    Column("periods", String(200), nullable=False),  # "08:30-12:00,14:30-18:00"
    Column("weekdays", JSON, nullable=False),
)
