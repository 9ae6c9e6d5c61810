"""Tables of the subsurface context, on the shared metadata. Every list filter has an index ending in
the primary key."""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, ForeignKey, Index, Integer, String, Table, Text

from citysteward.platform.db import ID, TS, metadata

subsurface_surveys = Table(
    "subsurface_surveys",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("method", String(32), nullable=False),
    Column("contractor", String(200), nullable=False, default=""),
    Column("unit_id", ID, ForeignKey("units.id"), nullable=True),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date, nullable=True),
    Column("report_file", String(300), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False, default=""),
)

subsurface_survey_roads = Table(
    "subsurface_survey_roads",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("survey_id", ID, ForeignKey("subsurface_surveys.id"), nullable=False),
    Column("road", String(100), nullable=False),
    Column("segment", String(200), nullable=False, default=""),
    Column("length_km", Float, nullable=False),
    Index("ix_subsurface_survey_roads_survey", "survey_id", "id"),
)

subsurface_defects = Table(
    "subsurface_defects",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("version", Integer, nullable=False, default=1),
    Column("survey_id", ID, ForeignKey("subsurface_surveys.id"), nullable=False),
    Column("road", String(100), nullable=False),
    Column("chainage_m", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("defect_type", String(16), nullable=False),
    Column("grade", String(16), nullable=False),
    Column("length_m", Float, nullable=True),
    Column("width_m", Float, nullable=True),
    Column("area_m2", Float, nullable=True),
    Column("top_depth_m", Float, nullable=True),
    Column("height_m", Float, nullable=True),
    Column("state", String(16), nullable=False),
    Column("detect_method", String(32), nullable=False),
    Column("verify_method", String(32), nullable=True),
    Column("found_at", TS, nullable=False),
    Column("next_resurvey", Date, nullable=True),
    Column("note", Text, nullable=False, default=""),
    Column("updated_at", TS, nullable=False),
    Index("ix_subsurface_defects_survey", "survey_id", "id"),
    Index("ix_subsurface_defects_road", "road", "id"),
    Index("ix_subsurface_defects_type", "defect_type", "id"),
    Index("ix_subsurface_defects_grade", "grade", "id"),
    Index("ix_subsurface_defects_state", "state", "id"),
    Index("ix_subsurface_defects_resurvey", "next_resurvey", "id"),
)

subsurface_observations = Table(
    "subsurface_observations",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("defect_id", ID, ForeignKey("subsurface_defects.id"), nullable=False),
    Column("observed_at", TS, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("method", String(32), nullable=False),
    Column("defect_type", String(16), nullable=False),
    Column("grade", String(16), nullable=False),
    Column("length_m", Float, nullable=True),
    Column("width_m", Float, nullable=True),
    Column("area_m2", Float, nullable=True),
    Column("top_depth_m", Float, nullable=True),
    Column("height_m", Float, nullable=True),
    Column("by_name", String(64), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Index("ix_subsurface_observations_defect", "defect_id", "id"),
)

subsurface_events = Table(
    "subsurface_events",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("defect_id", ID, ForeignKey("subsurface_defects.id"), nullable=False),
    Column("action", String(24), nullable=False),
    Column("from_state", String(16), nullable=True),
    Column("to_state", String(16), nullable=False),
    Column("at", TS, nullable=False),
    Column("actor_name", String(64), nullable=False, default=""),
    Column("role", String(16), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Index("ix_subsurface_events_defect", "defect_id", "id"),
)

subsurface_treatments = Table(
    "subsurface_treatments",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("defect_id", ID, ForeignKey("subsurface_defects.id"), nullable=False),
    Column("method", String(24), nullable=False),
    Column("unit_id", ID, ForeignKey("units.id"), nullable=True),
    Column("grout_m3", Float, nullable=False, default=0.0),
    Column("pavement_m2", Float, nullable=False, default=0.0),
    Column("holes", Integer, nullable=False, default=0),
    Column("started_at", TS, nullable=False),
    Column("deadline", TS, nullable=True),
    Column("completed_at", TS, nullable=True),
    Column("ticket_no", String(32), nullable=True),
    Column("created_by", String(64), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Index("ix_subsurface_treatments_defect", "defect_id", "id"),
    Index("ix_subsurface_treatments_deadline", "deadline", "id"),
)

subsurface_photos = Table(
    "subsurface_photos",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("defect_id", ID, ForeignKey("subsurface_defects.id"), nullable=False),
    Column("observation_id", ID, ForeignKey("subsurface_observations.id"), nullable=True),
    Column("filename", String(200), nullable=False),
    Column("path", String(300), nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("uploaded_at", TS, nullable=False),
    Column("by_name", String(64), nullable=False, default=""),
    Index("ix_subsurface_photos_defect", "defect_id", "id"),
)
