"""The schema, as SQLAlchemy Core tables. One schema for SQLite and PostgreSQL; Alembic migrates it.

Times are stored in UTC (timezone-aware on PostgreSQL; naive-UTC text on SQLite, re-tagged on read).
Every list filter has an index that ends with the primary key, so filtered pages stay index scans.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    String,
    Table,
)

from citysteward.platform.db import metadata

categories = Table(
    "categories",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("scheme", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("class_code", String(8), nullable=False, index=True),
    Column("class_name", String(64), nullable=False),
    Column("name", String(100), nullable=False),
    Column("keywords", JSON, nullable=False),
    Column("limits", JSON, nullable=False),  # {urgency: {amount, unit}}
    Column("default_urgency", String(16), nullable=False),
    Column("same_day", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("source_code", String(16), nullable=True),
    Column("note", String(400), nullable=True),  # local-policy remarks on the limits
    Column("attributes", JSON, nullable=False),  # extra questions (Open311 attributes, citizen form)
)
