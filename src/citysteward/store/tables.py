"""The schema, as SQLAlchemy Core tables. One schema for SQLite and PostgreSQL; Alembic migrates it.

Times are stored in UTC (timezone-aware on PostgreSQL; naive-UTC text on SQLite, re-tagged on read).
Every list filter has an index that ends with the primary key, so filtered pages stay index scans.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from citysteward.store.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
TS = UTCDateTime()
ID = BigInteger().with_variant(Integer, "sqlite")

areas = Table(
    "areas",
    metadata,
    Column("code", String(15), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("level", String(16), nullable=False),  # district | street | community
    Column("parent_code", String(15), nullable=True, index=True),
    Column("geometry", JSON, nullable=True),
)

grids = Table(
    "grids",
    metadata,
    Column("code", String(15), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("community_code", String(12), nullable=False, index=True),
    Column("street_code", String(9), nullable=False, index=True),
    Column("district_code", String(6), nullable=False, index=True),
    Column("area_m2", Float, nullable=True),
    Column("geometry", JSON, nullable=False),
)

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

grid_members = Table(
    "grid_members",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("grid_code", String(15), ForeignKey("grids.code", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(50), nullable=False),
    Column("team_role", String(32), nullable=False),  # party_pioneer | maintenance | inspector | leader
    Column("phone", String(32), nullable=True),
    Column("unit_id", ID, ForeignKey("units.id"), nullable=True),
    Column("user_id", ID, nullable=True),
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
    Index("ix_cases_deadline_open", "state", "deadline", "id"),
    Index("ix_cases_cell_state", "cell", "state"),
    Index("ix_cases_unit_state_id", "main_unit_id", "state", "id"),
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

evaluation_settings = Table(  # evaluation weights and grades, hot-spot rules, supervision limits (JSON)
    "evaluation_settings",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("updated_by", String(64), nullable=False, default=""),
)

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
