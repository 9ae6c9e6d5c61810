"""Tables of the citizens context, on the shared metadata: one-time codes and sessions of verified
phones, follows (a reporter, a "me too", a reporter of a merged duplicate), messages to citizens
(the SMS outbox) and area alerts. The suggestion model's corrections live in catalogue/suggest."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Table, Text

from citysteward.catalogue.suggest import tables as suggest_tables
from citysteward.platform.db import ID, TS, metadata

__all__ = ["metadata", "suggest_tables"]

citizen_codes = Table(  # one-time codes sent to a phone; only a keyed hash of the code is kept
    "citizen_codes",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("phone", String(32), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("used", Boolean, nullable=False, default=False),
    Index("ix_citizen_codes_phone_id", "phone", "id"),
)

citizen_sessions = Table(  # a verified phone on one device: the cookie is random, stored as sha256
    "citizen_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("phone", String(32), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
)

citizen_follows = Table(  # the cases a phone follows: its own reports, "me too", merged duplicates
    "citizen_follows",
    metadata,
    Column("case_id", ID, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("kind", String(16), nullable=False),  # reporter | me_too | merged
    Column("at", TS, nullable=False),
    PrimaryKeyConstraint("case_id", "phone"),
    Index("ix_citizen_follows_phone_case", "phone", "case_id"),
)

citizen_messages = Table(  # the SMS outbox: written with the action, sent by the configured gateway
    "citizen_messages",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("phone", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("case_no", String(32), nullable=True),
    Column("status", String(12), nullable=False),  # pending | sent | failed
    Column("created_at", TS, nullable=False),
    Column("sent_at", TS, nullable=True),
    Index("ix_citizen_messages_phone_id", "phone", "id"),
    Index("ix_citizen_messages_status_id", "status", "id"),
)

citizen_alerts = Table(  # e-mail me when a report is made or closed in this circle or grid
    "citizen_alerts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("email", String(200), nullable=False),
    Column("phone", String(32), nullable=True),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("radius_m", Integer, nullable=True),
    Column("grid_code", String(15), nullable=True),
    Column("on_new", Boolean, nullable=False),
    Column("on_closed", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("token", String(64), nullable=False, unique=True),  # the unsubscribe link
    Column("last_event_id", ID, nullable=False),
    Column("created_at", TS, nullable=False),
    Index("ix_citizen_alerts_active_id", "active", "id"),
    Index("ix_citizen_alerts_phone_id", "phone", "id"),
)
