"""Merge the Open311 and supervision branches into one head

Both 0002 and 0003 were written on top of 0001, which left two heads. Databases already at both
heads move to this one without any change; new databases pass through both.

Revision ID: 0004
Revises: 0002, 0003
Create Date: 2026-11-26 01:00:00
"""

from __future__ import annotations

revision = "0004"
down_revision = ("0002", "0003")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
