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
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from citysteward.platform.db import ID, TS, metadata
from citysteward.platform.tables import change_stamp_table

responsibility_rules = Table(
    "responsibility_rules",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("category_code", String(16), nullable=True),
    Column("category_class", String(8), nullable=True),
    Column("grid_code", String(15), nullable=True),
    Column("area_code", String(15), nullable=True),
    Column("road", String(100), nullable=True),
    Column("main_unit_id", ID, ForeignKey("units.id"), nullable=False),
    Column("assisting_unit_ids", JSON, nullable=False),
    Column("note", String(200), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
)

case_numbers = Table(
    "case_numbers",
    metadata,
    Column("day", String(8), primary_key=True),  # YYYYMMDD in the city's time zone
    Column("last", Integer, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_no", String(32), nullable=False, unique=True),
    Column("version", Integer, nullable=False, default=1),
    Column("state", String(20), nullable=False),
    Column("source", String(16), nullable=False),
    Column("category_code", String(16), ForeignKey("categories.code"), nullable=False),
    Column("urgency", String(16), nullable=False),
    Column("description", Text, nullable=False),
    Column("address", String(200), nullable=False, default=""),
    Column("road", String(100), nullable=True),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("cell", String(16), nullable=False),  # H3 res 9: proximity (nearby, duplicates) on any database
    Column("grid_code", String(15), nullable=False),
    Column("community_code", String(12), nullable=False),
    Column("street_code", String(9), nullable=False),
    Column("district_code", String(6), nullable=False),
    Column("reporter_name", String(64), nullable=True),
    Column("reporter_phone", String(32), nullable=True),
    Column("reporter_user_id", ID, nullable=True),
    Column("client_id", ID, nullable=True),
    Column("main_unit_id", ID, ForeignKey("units.id"), nullable=True),
    Column("assisting_unit_ids", JSON, nullable=False),
    Column("suggested_unit_id", ID, nullable=True),
    Column("routing_rule_id", ID, nullable=True),
    Column("routing_reason", String(400), nullable=True),
    Column("limit_amount", Float, nullable=True),
    Column("limit_unit", String(16), nullable=True),
    Column("limit_minutes", Float, nullable=True),
    Column("deadline", TS, nullable=True),
    Column("reported_at", TS, nullable=False),
    Column("registered_at", TS, nullable=True),
    Column("dispatched_at", TS, nullable=True),
    Column("handled_at", TS, nullable=True),
    Column("closed_at", TS, nullable=True),
    Column("suspended_at", TS, nullable=True),
    Column("updated_at", TS, nullable=False),
    Column("pending_request", String(16), nullable=True),
    Column("pending_payload", JSON, nullable=True),
    Column("light", String(8), nullable=True),
    Column("overdue", Boolean, nullable=False, default=False),
    Column("handled_on_time", Boolean, nullable=True),
    Column("rework_count", Integer, nullable=False, default=0),
    Column("extension_count", Integer, nullable=False, default=0),
    Column("return_count", Integer, nullable=False, default=0),
    Column("reopen_count", Integer, nullable=False, default=0),
    Column("me_too_count", Integer, nullable=False, default=0),
    Column("merged_into", String(32), nullable=True),
    Column("satisfaction", String(16), nullable=True),
    Column("public_token", String(64), nullable=True, unique=True),
    Index("ix_cases_state_id", "state", "id"),
    Index("ix_cases_category_id", "category_code", "id"),
    Index("ix_cases_unit_id", "main_unit_id", "id"),
    Index("ix_cases_grid_id", "grid_code", "id"),
    Index("ix_cases_street_id", "street_code", "id"),
    Index("ix_cases_district_id", "district_code", "id"),
    Index("ix_cases_source_id", "source", "id"),
    Index("ix_cases_light_id", "light", "id"),
    Index("ix_cases_reported_at", "reported_at"),
    Index("ix_cases_category_reported", "category_code", "reported_at"),  # hot spots of one category in a window
    Index("ix_cases_deadline_open", "state", "deadline", "id"),
    Index("ix_cases_cell_state", "cell", "state"),
    Index("ix_cases_unit_state_id", "main_unit_id", "state", "id"),
    Index("ix_cases_reporter_phone_id", "reporter_phone", "id"),  # the desk's caller history, my reports
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("action", String(24), nullable=False),
    Column("from_state", String(20), nullable=True),
    Column("to_state", String(20), nullable=False),
    Column("actor_id", ID, nullable=True),
    Column("actor_name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("unit_id", ID, nullable=True),
    Column("client_id", ID, nullable=True),
    Column("at", TS, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("payload", JSON, nullable=False),
    Column("photo_ids", JSON, nullable=False),
    Index("ix_case_events_case_id", "case_id", "id"),
    Index("ix_case_events_at", "at"),
    Index("ix_case_events_action_at", "action", "at"),
)

photos = Table(
    "photos",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id", ondelete="CASCADE"), nullable=True, index=True),
    Column("kind", String(8), nullable=False),  # before | after
    Column("sha256", String(64), nullable=False, index=True),
    Column("content_type", String(32), nullable=False),
    Column("size", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("path", String(200), nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
)

case_me_too = Table(  # "me too" counts once per client and case: the client as a keyed hash of its address
    "case_me_too",
    metadata,
    Column("case_id", ID, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("client_key", String(64), primary_key=True),
    Column("at", TS, nullable=False),
)

# Idempotent intake: a retried report (same client, same Idempotency-Key) gets the first answer. The row is
# written in the transaction that creates the case; the primary key makes two racing retries one case.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("client", String(64), nullable=False),  # user:12 | client:3 (Open311) | ip:203.0.113.9 (anonymous)
    Column("key", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),  # sha256 of the request's content
    Column("status", Integer, nullable=True),  # null only inside the transaction that claims the key
    Column("response", JSON, nullable=True),
    Column("created_at", TS, nullable=False),
    PrimaryKeyConstraint("client", "key"),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

# Cases now in each state × district, kept by database triggers in the same transaction as the change
# (migration 0015; docs/performance.md, "Rollups"): open cases and ledger totals without counting cases.
case_state_counts = Table(
    "case_state_counts",
    metadata,
    Column("state", String(20), nullable=False),
    Column("district_code", String(6), nullable=False),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint("state", "district_code", name="pk_case_state_counts"),
    info={"derived": True},
)

# The case table's change stamp (migration 0016; docs/performance.md, "Fifth round"): one row whose count
# every committed change to `cases` raises, and a random epoch written with the row. Ledger pages are kept
# per worker under the stamp they were read at, and served again only while it reads the same.
case_change_stamp = change_stamp_table("case_change_stamp")
