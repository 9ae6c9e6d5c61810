"""The schema, as SQLAlchemy Core tables. One schema for SQLite and PostgreSQL; Alembic migrates it.

Times are stored in UTC (timezone-aware on PostgreSQL; naive-UTC text on SQLite, re-tagged on read).
Every list filter has an index that ends with the primary key, so filtered pages stay index scans.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    String,
    Table,
)

from citysteward.platform.db import ID, metadata
from citysteward.platform.tables import change_stamp_table

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

# The change stamp of the areas and grids (migration 0019): one row whose count every committed change to
# `areas` or `grids` raises, with a random epoch written with the row. Each worker keeps what it derives
# from the outlines (the point → grid index, the names, the encoded map layers) under the stamp it was
# read at, and derives it again only when the stamp moves (geography/services.py `kept`).
area_change_stamp = change_stamp_table("area_change_stamp")
