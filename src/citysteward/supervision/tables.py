"""The schema, as SQLAlchemy Core tables. One schema for SQLite and PostgreSQL; Alembic migrates it.

Times are stored in UTC (timezone-aware on PostgreSQL; naive-UTC text on SQLite, re-tagged on read).
Every list filter has an index that ends with the primary key, so filtered pages stay index scans.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from citysteward.platform.db import ID, TS, metadata

# ---------------------------------------------------------------- supervision (督办), evaluation, notifications
supervision_tickets = Table(
    "supervision_tickets",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("ticket_no", String(32), nullable=False, unique=True),
    Column("version", Integer, nullable=False, default=1),
    Column("level", String(8), nullable=False),  # white | yellow | red
    Column("state", String(16), nullable=False),
    Column("source", String(16), nullable=False),  # manual | auto | hotspot
    Column("title", String(200), nullable=False),
    Column("content", Text, nullable=False),
    Column("issuer_id", ID, nullable=True),
    Column("issuer_name", String(64), nullable=False),
    Column("issued_at", TS, nullable=False),
    Column("deadline", TS, nullable=False),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("cell", String(16), nullable=True),
    Column("address", String(200), nullable=False, default=""),
    Column("hotspot_id", ID, nullable=True),
    Column("escalations", Integer, nullable=False, default=0),
    Column("overdue", Boolean, nullable=False, default=False),
    Column("closed_at", TS, nullable=True),
    Column("updated_at", TS, nullable=False),
    Index("ix_supervision_tickets_issued_at", "issued_at"),
    Index("ix_supervision_tickets_state_deadline", "state", "deadline"),
    Index("ix_supervision_tickets_level_id", "level", "id"),
    Index("ix_supervision_tickets_source_id", "source", "id"),  # the ledger's source filter (0014)
    Index("ix_supervision_tickets_overdue_id", "overdue", "id"),  # the ledger's "red overdue" filter (0014)
)

supervision_ticket_units = Table(  # 双交办: every addressed unit replies
    "supervision_ticket_units",
    metadata,
    Column("ticket_id", ID, ForeignKey("supervision_tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ID, ForeignKey("units.id"), primary_key=True),
    Column("replied_at", TS, nullable=True),
    Column("reply", Text, nullable=False, default=""),
    Column("replied_by", String(64), nullable=True),
    Index("ix_supervision_ticket_units_unit", "unit_id", "ticket_id"),
)

supervision_ticket_cases = Table(
    "supervision_ticket_cases",
    metadata,
    Column("ticket_id", ID, ForeignKey("supervision_tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("case_id", ID, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_supervision_ticket_cases_case", "case_id"),
)

supervision_ticket_events = Table(
    "supervision_ticket_events",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("ticket_id", ID, ForeignKey("supervision_tickets.id", ondelete="CASCADE"), nullable=False),
    Column("action", String(16), nullable=False),
    Column("from_state", String(16), nullable=True),
    Column("to_state", String(16), nullable=False),
    Column("actor_id", ID, nullable=True),
    Column("actor_name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("unit_id", ID, nullable=True),
    Column("at", TS, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("payload", JSON, nullable=False),
    Index("ix_supervision_ticket_events_ticket", "ticket_id", "id"),
)

hotspots = Table(  # 挂牌督办: a recurring place under listed supervision
    "hotspots",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("category_code", String(16), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("cell", String(16), nullable=False),
    Column("radius_m", Float, nullable=False),
    Column("address", String(200), nullable=False, default=""),
    Column("state", String(16), nullable=False),  # listed | delisted
    Column("owner_unit_id", ID, ForeignKey("units.id"), nullable=False),
    Column("measure", Text, nullable=False),
    Column("case_nos", JSON, nullable=False),
    Column("recurrences", Integer, nullable=False, default=0),
    Column("listed_at", TS, nullable=False),
    Column("listed_by", String(64), nullable=False),
    Column("listed_by_id", ID, nullable=True),
    Column("ticket_id", ID, nullable=True),
    Column("delisted_at", TS, nullable=True),
    Column("note", Text, nullable=False, default=""),
    Index("ix_hotspots_state_id", "state", "id"),
    Index("ix_hotspots_category_cell", "category_code", "cell"),
)
