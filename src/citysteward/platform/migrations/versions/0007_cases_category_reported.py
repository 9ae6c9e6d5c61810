"""Index cases by category and report time: the hot-spot search of one category over a window reads
only that window instead of the category's whole history

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 02:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_category_reported", "cases", ["category_code", "reported_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_category_reported", table_name="cases")
