"""Corrections of the suggestion model: what the acceptor chose instead of the suggestion, with the
text, kept as training data (services.py trains on them with the packaged corpus)."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, Text

from citysteward.platform.db import ID, TS, metadata

suggest_corrections = Table(
    "suggest_corrections",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("text", Text, nullable=False),
    Column("suggested_code", String(16), nullable=True),
    Column("chosen_code", String(16), nullable=False),
    Column("case_no", String(32), nullable=True),
    Column("user_id", ID, nullable=True),
    Column("at", TS, nullable=False),
    Index("ix_suggest_corrections_chosen_id", "chosen_code", "id"),
)
