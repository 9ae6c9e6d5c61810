"""Tables of the patrols context, on the shared metadata.

Tracks are the large part: ~1,000 inspectors posting a point every 10–30 s for 8 h is about a million
points a day. They are kept one row per posted batch (`patrol_track_batches.points`: a delta-encoded
integer array, domain/tracks.py), summarised per patrol into `patrols` and `patrol_grid_visits`, and
deleted after the configured retention; the summaries stay.
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
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from citysteward.platform.db import ID, TS, metadata

patrol_bindings = Table(  # inspector -> grid (15 digits) or whole street (9 digits)
    "patrol_bindings",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("area_code", String(15), nullable=False),
    Column("street_code", String(9), nullable=False),
    UniqueConstraint("user_id", "area_code", name="uq_patrol_bindings_user_area"),
    Index("ix_patrol_bindings_street_id", "street_code", "id"),
)

patrol_roster = Table(  # 排班: one inspector, one shift of one day, with the day's plan
    "patrol_roster",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    Column("shift", String(16), nullable=False),
    Column("starts_at", TS, nullable=False),
    Column("ends_at", TS, nullable=False),
    Column("grid_codes", JSON, nullable=False),  # the plan: grids to walk (empty: the bound grids)
    Column("passes", Integer, nullable=False, default=1),  # how often each (巡查频次)
    UniqueConstraint("user_id", "day", "shift", name="uq_patrol_roster_user_day_shift"),
    Index("ix_patrol_roster_day_id", "day", "id"),
    Index("ix_patrol_roster_ends_id", "ends_at", "id"),
)

patrol_attendance = Table(  # 考勤: clock in / out with place
    "patrol_attendance",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(8), nullable=False),  # in | out
    Column("at", TS, nullable=False),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("grid_code", String(15), nullable=True),
    Index("ix_patrol_attendance_user_at", "user_id", "at", "id"),
    Index("ix_patrol_attendance_at", "at", "id"),
)

patrols = Table(  # one patrol (one person-time, 人次) and its summary
    "patrols",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("state", String(8), nullable=False),  # open | ended
    Column("local_day", Date, nullable=False),
    Column("started_at", TS, nullable=False),
    Column("ended_at", TS, nullable=True),
    Column("own_grids", JSON, nullable=False),
    Column("points", Integer, nullable=False, default=0),
    Column("distance_m", Float, nullable=False, default=0.0),
    Column("minutes", Float, nullable=False, default=0.0),
    Column("own_minutes", Float, nullable=False, default=0.0),
    Column("grids_visited", Integer, nullable=False, default=0),
    Column("effective", Boolean, nullable=False, default=False),
    Index("ix_patrols_user_started", "user_id", "started_at", "id"),
    Index("ix_patrols_day_id", "local_day", "id"),
    Index("ix_patrols_state_user", "state", "user_id", "id"),
)

patrol_track_batches = Table(  # raw points, one row per posted batch; (patrol, seq) makes a resend a no-op
    "patrol_track_batches",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("patrol_id", ID, ForeignKey("patrols.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("received_at", TS, nullable=False),
    Column("n", Integer, nullable=False),
    Column("first_t", BigInteger, nullable=False),
    Column("last_t", BigInteger, nullable=False),
    Column("points", Text, nullable=False),
    UniqueConstraint("patrol_id", "seq", name="uq_patrol_track_batches_patrol_seq"),
    Index("ix_patrol_track_batches_received", "received_at", "id"),
)

patrol_grid_visits = Table(  # per patrol and grid: minutes, passes, distance (the coverage)
    "patrol_grid_visits",
    metadata,
    Column("patrol_id", ID, ForeignKey("patrols.id", ondelete="CASCADE"), nullable=False),
    Column("grid_code", String(15), nullable=False),
    Column("user_id", ID, nullable=False),
    Column("local_day", Date, nullable=False),
    Column("minutes", Float, nullable=False),
    Column("passes", Integer, nullable=False),
    Column("points", Integer, nullable=False),
    Column("distance_m", Float, nullable=False),
    PrimaryKeyConstraint("patrol_id", "grid_code"),
    Index("ix_patrol_grid_visits_day_grid", "local_day", "grid_code", "patrol_id"),
)

patrol_reassignments = Table(  # 改派: the shift leader gives a verification or check to someone else
    "patrol_reassignments",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(8), nullable=False),  # verify | check
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("by_name", String(64), nullable=False),
    Column("at", TS, nullable=False),
    Column("note", String(200), nullable=False, default=""),
    Index("ix_patrol_reassignments_case_id", "case_id", "id"),
    Index("ix_patrol_reassignments_user_id", "user_id", "id"),
)

__all__ = ["metadata"]
