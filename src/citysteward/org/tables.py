"""The schema, as SQLAlchemy Core tables. One schema for SQLite and PostgreSQL; Alembic migrates it.

Times are stored in UTC (timezone-aware on PostgreSQL; naive-UTC text on SQLite, re-tagged on read).
Every list filter has an index that ends with the primary key, so filtered pages stay index scans.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
)

from citysteward.platform.db import ID, TS, metadata

units = Table(
    "units",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(32), nullable=False, default="department"),
    Column("district_code", String(6), nullable=True),
    Column("phone", String(32), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
)

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("display_name", String(64), nullable=False),
    Column("phone", String(32), nullable=True),
    Column("role", String(32), nullable=False),
    Column("unit_id", ID, ForeignKey("units.id"), nullable=True, index=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", TS, nullable=False),
)

auth_tokens = Table(
    "auth_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 hex: a leaked table holds no usable token
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("at", TS, nullable=False, index=True),
    Column("actor_id", ID, nullable=True),
    Column("actor_name", String(64), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("action", String(16), nullable=False),  # create | update | delete | import
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Index("ix_audit_entity", "entity", "entity_id"),
)

evaluation_settings = Table(  # evaluation weights and grades, hot-spot rules, supervision limits (JSON)
    "evaluation_settings",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("updated_by", String(64), nullable=False, default=""),
)

access_log = Table(  # logins, failed logins, logouts and views of personal data (who, role, when, what, where from)
    "access_log",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("at", TS, nullable=False),
    Column("user_id", ID, nullable=True),  # none when a login names no user
    Column("username", String(64), nullable=False),  # the login name (as typed, for a failed login); '' on views
    Column("display_name", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("action", String(16), nullable=False),  # login | login_failed | logout | view
    Column("entity", String(32), nullable=False),  # what was seen: case | users | grid_team ('' for logins)
    Column("entity_id", String(64), nullable=False),
    Column("client_ip", String(45), nullable=False),
    Column("detail", JSON, nullable=True),  # why a login failed; which personal fields were shown
    Index("ix_access_log_action", "action", "id"),
    Index("ix_access_log_username", "username", "id"),
    Index("ix_access_log_user_id", "user_id", "id"),
    Index("ix_access_log_entity", "entity", "entity_id", "id"),
)
