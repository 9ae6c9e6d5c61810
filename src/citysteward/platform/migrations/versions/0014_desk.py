"""The supervisor's desk: indexes for the ticket ledger's source and overdue filters

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 03:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_supervision_tickets_source_id", "supervision_tickets", ["source", "id"])
    op.create_index("ix_supervision_tickets_overdue_id", "supervision_tickets", ["overdue", "id"])


def downgrade() -> None:
    op.drop_index("ix_supervision_tickets_overdue_id", table_name="supervision_tickets")
    op.drop_index("ix_supervision_tickets_source_id", table_name="supervision_tickets")
