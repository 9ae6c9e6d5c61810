"""The schema, as SQLAlchemy Core tables. One schema for SQLite and PostgreSQL; Alembic migrates it.

Times are stored in UTC (timezone-aware on PostgreSQL; naive-UTC text on SQLite, re-tagged on read).
Every list filter has an index that ends with the primary key, so filtered pages stay index scans.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from citysteward.platform.db import ID, TS, metadata

outbox = Table(  # written in the same transaction as the action that causes it; services/notify.py sends
    "outbox",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # notice | email
    Column("dedupe_key", String(160), nullable=True, unique=True),
    Column("unit_id", ID, nullable=True),
    Column("user_id", ID, nullable=True),
    Column("address", String(200), nullable=True),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(200), nullable=False, default=""),
    Column("status", String(12), nullable=False),  # pending | sending | sent | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", TS, nullable=False),
    Column("claimed_at", TS, nullable=True),
    Column("sent_at", TS, nullable=True),
    Column("last_error", Text, nullable=True),
    Index("ix_outbox_status_next", "status", "next_attempt_at", "id"),
)

notices = Table(  # in-app notices (站内通知) for a user or a whole unit
    "notices",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("outbox_id", ID, nullable=True, unique=True),
    Column("unit_id", ID, nullable=True),
    Column("user_id", ID, nullable=True),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(200), nullable=False, default=""),
    Column("created_at", TS, nullable=False),
    Column("read_at", TS, nullable=True),
    Index("ix_notices_unit_id", "unit_id", "id"),
    Index("ix_notices_user_id", "user_id", "id"),
)

notify_contacts = Table(  # e-mail addresses that receive a unit's notices
    "notify_contacts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("unit_id", ID, ForeignKey("units.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("email", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)
