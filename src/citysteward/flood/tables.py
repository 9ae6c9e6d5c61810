"""Tables of the flood context, on the shared metadata. Every list filter has an index ending in the
primary key; deployments and observations are counts, so 人次 / 台次 are sums."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from citysteward.platform.db import ID, TS, metadata

flood_events = Table(
    "flood_events",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("started_at", TS, nullable=False),
    Column("ended_at", TS, nullable=True),
    Column("level", String(8), nullable=True),
    Column("max_colour", String(8), nullable=True),
    Column("note", Text, nullable=False, default=""),
    Column("created_by", String(64), nullable=False, default=""),
    Column("created_at", TS, nullable=False),
    Index("ix_flood_events_started", "started_at", "id"),
)

flood_level_changes = Table(
    "flood_level_changes",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("event_id", ID, ForeignKey("flood_events.id"), nullable=False),
    Column("at", TS, nullable=False),
    Column("from_level", String(8), nullable=True),
    Column("to_level", String(8), nullable=True),
    Column("declared_by", String(64), nullable=False),
    Column("signer", String(64), nullable=False, default=""),
    Column("reason", String(400), nullable=False, default=""),
    Column("warning_id", ID, nullable=True),
    Index("ix_flood_level_changes_event", "event_id", "id"),
)

flood_warnings = Table(
    "flood_warnings",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("event_id", ID, ForeignKey("flood_events.id"), nullable=True),
    Column("issued_at", TS, nullable=False),
    Column("colour", String(8), nullable=False),
    Column("issuer", String(100), nullable=False, default=""),
    Column("content", Text, nullable=False, default=""),
    Column("recorded_by", String(64), nullable=False, default=""),
    Index("ix_flood_warnings_issued", "issued_at", "id"),
    Index("ix_flood_warnings_event", "event_id", "id"),
)

flood_duty = Table(
    "flood_duty",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("starts_at", TS, nullable=False),
    Column("ends_at", TS, nullable=False),
    Column("post", String(32), nullable=False),
    Column("person", String(64), nullable=False),
    Column("phone", String(32), nullable=False, default=""),
    Column("unit_id", ID, ForeignKey("units.id"), nullable=True),
    Index("ix_flood_duty_starts", "starts_at", "id"),
)

flood_points = Table(
    "flood_points",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("road", String(100), nullable=False, default=""),
    Column("cause", String(400), nullable=False, default=""),
    Column("orange_cm", Float, nullable=True),
    Column("red_cm", Float, nullable=True),
    Column("plan", Text, nullable=False, default=""),
    Column("unit_id", ID, ForeignKey("units.id"), nullable=True),
    Column("person", String(64), nullable=False, default=""),
    Column("phone", String(32), nullable=False, default=""),
    Column("pump_station", String(100), nullable=False, default=""),
    Column("pump_component_id", ID, nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Index("ix_flood_points_active", "active", "id"),
)

flood_deployments = Table(
    "flood_deployments",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("event_id", ID, ForeignKey("flood_events.id"), nullable=False),
    Column("at", TS, nullable=False),
    Column("unit_id", ID, ForeignKey("units.id"), nullable=True),
    Column("unit_name", String(100), nullable=False),
    Column("point_id", ID, ForeignKey("flood_points.id"), nullable=True),
    Column("people", Integer, nullable=False, default=0),
    Column("vehicles", Integer, nullable=False, default=0),
    Column("pumps", Integer, nullable=False, default=0),
    Column("note", String(400), nullable=False, default=""),
    Column("recorded_by", String(64), nullable=False, default=""),
    Index("ix_flood_deployments_event", "event_id", "id"),
    Index("ix_flood_deployments_at", "at", "id"),
)

flood_observations = Table(
    "flood_observations",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("event_id", ID, ForeignKey("flood_events.id"), nullable=False),
    Column("point_id", ID, ForeignKey("flood_points.id"), nullable=False),
    Column("at", TS, nullable=False),
    Column("depth_cm", Float, nullable=False),
    Column("area_m2", Float, nullable=True),
    Column("traffic_closed", Boolean, nullable=False, default=False),
    Column("cleared_at", TS, nullable=True),
    Column("note", String(400), nullable=False, default=""),
    Column("by_name", String(64), nullable=False, default=""),
    Index("ix_flood_observations_event", "event_id", "id"),
    Index("ix_flood_observations_point", "point_id", "id"),
)

flood_materials = Table(
    "flood_materials",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("warehouse", String(100), nullable=False),
    Column("unit_label", String(16), nullable=False, default="件"),
    Column("qty", Float, nullable=False, default=0.0),
    Column("min_qty", Float, nullable=False, default=0.0),
    UniqueConstraint("name", "warehouse", name="uq_flood_materials_name_warehouse"),
)

flood_movements = Table(
    "flood_movements",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("material_id", ID, ForeignKey("flood_materials.id"), nullable=False),
    Column("at", TS, nullable=False),
    Column("delta", Float, nullable=False),
    Column("reason", String(200), nullable=False, default=""),
    Column("event_id", ID, ForeignKey("flood_events.id"), nullable=True),
    Column("by_name", String(64), nullable=False, default=""),
    Index("ix_flood_movements_material", "material_id", "id"),
)

flood_event_cases = Table(
    "flood_event_cases",
    metadata,
    Column("event_id", ID, ForeignKey("flood_events.id"), nullable=False),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("tagged_at", TS, nullable=False),
    PrimaryKeyConstraint("event_id", "case_id", name="pk_flood_event_cases"),
    Index("ix_flood_event_cases_case", "case_id"),
)

flood_checks = Table(
    "flood_checks",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("season", Integer, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("target", String(200), nullable=False),
    Column("point_id", ID, ForeignKey("flood_points.id"), nullable=True),
    Column("unit_id", ID, ForeignKey("units.id"), nullable=True),
    Column("due_on", Date, nullable=True),
    Column("result", String(16), nullable=False),
    Column("note", String(400), nullable=False, default=""),
    Column("checked_at", TS, nullable=True),
    Column("checked_by", String(64), nullable=False, default=""),
    Column("ticket_no", String(32), nullable=True),
    Index("ix_flood_checks_season", "season", "id"),
)
