"""The schema, as SQLAlchemy Core tables. One schema for SQLite and PostgreSQL; Alembic migrates it.

Times are stored in UTC (timezone-aware on PostgreSQL; naive-UTC text on SQLite, re-tagged on read).
Every list filter has an index that ends with the primary key, so filtered pages stay index scans.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    String,
    Table,
)

from citysteward.platform.db import ID, TS, metadata

# Open311 client applications: each gets its own API key; only the key's sha256 is kept, with a short
# prefix so an administrator can tell keys apart. Revoked keys stay for the record (cases.client_id).
api_clients = Table(
    "api_clients",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_prefix", String(16), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("revoked_at", TS, nullable=True),
    Column("created_by", String(64), nullable=False, default=""),
)
