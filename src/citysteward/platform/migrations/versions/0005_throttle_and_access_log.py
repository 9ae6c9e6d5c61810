"""Throttling counters, one "me too" per client and case, and the access audit (logins, views of
personal data)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 01:30:00
"""

from __future__ import annotations

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
