"""The platform's own tables: the throttling counters (platform/throttle.py's database store)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table

from citysteward.platform.db import TS, metadata

throttle_counters = Table(  # one row per (limit and hashed subject, window); rows of ended windows are pruned
    "throttle_counters",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),  # epoch seconds
    Column("count", Integer, nullable=False),
    Column("expires_at", TS, nullable=False, index=True),
)
