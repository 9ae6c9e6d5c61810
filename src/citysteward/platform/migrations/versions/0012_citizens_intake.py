"""Intake desk and the citizen's side

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citysteward.platform.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def TS() -> citysteward.platform.types.UTCDateTime:  # noqa: N802 - reads like the column type it makes
    return citysteward.platform.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_index("ix_cases_reporter_phone_id", "cases", ["reporter_phone", "id"], unique=False)
    op.create_table(
        "suggest_corrections",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("suggested_code", sa.String(length=16), nullable=True),
        sa.Column("chosen_code", sa.String(length=16), nullable=False),
        sa.Column("case_no", sa.String(length=32), nullable=True),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("at", TS(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggest_corrections")),
    )
    op.create_index("ix_suggest_corrections_chosen_id", "suggest_corrections", ["chosen_code", "id"], unique=False)
    op.create_table(
        "citizen_codes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS(), nullable=False),
        sa.Column("expires_at", TS(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_codes")),
    )
    op.create_index("ix_citizen_codes_phone_id", "citizen_codes", ["phone", "id"], unique=False)
    op.create_table(
        "citizen_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("created_at", TS(), nullable=False),
        sa.Column("expires_at", TS(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_citizen_sessions")),
    )
    op.create_table(
        "citizen_follows",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", TS(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_citizen_follows_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", "phone", name=op.f("pk_citizen_follows")),
    )
    op.create_index("ix_citizen_follows_phone_case", "citizen_follows", ["phone", "case_id"], unique=False)
    op.create_table(
        "citizen_messages",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("case_no", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", TS(), nullable=False),
        sa.Column("sent_at", TS(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_messages")),
    )
    op.create_index("ix_citizen_messages_phone_id", "citizen_messages", ["phone", "id"], unique=False)
    op.create_index("ix_citizen_messages_status_id", "citizen_messages", ["status", "id"], unique=False)
    op.create_table(
        "citizen_alerts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("radius_m", sa.Integer(), nullable=True),
        sa.Column("grid_code", sa.String(length=15), nullable=True),
        sa.Column("on_new", sa.Boolean(), nullable=False),
        sa.Column("on_closed", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("last_event_id", ID, nullable=False),
        sa.Column("created_at", TS(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_alerts")),
        sa.UniqueConstraint("token", name=op.f("uq_citizen_alerts_token")),
    )
    op.create_index("ix_citizen_alerts_active_id", "citizen_alerts", ["active", "id"], unique=False)
    op.create_index("ix_citizen_alerts_phone_id", "citizen_alerts", ["phone", "id"], unique=False)


def downgrade() -> None:
    for table, indexes in (("citizen_alerts", ("ix_citizen_alerts_phone_id", "ix_citizen_alerts_active_id")),
                           ("citizen_messages", ("ix_citizen_messages_status_id", "ix_citizen_messages_phone_id")),
                           ("citizen_follows", ("ix_citizen_follows_phone_case",)),
                           ("citizen_sessions", ()),
                           ("citizen_codes", ("ix_citizen_codes_phone_id",)),
                           ("suggest_corrections", ("ix_suggest_corrections_chosen_id",))):
        for index in indexes:
            op.drop_index(index, table_name=table)
        op.drop_table(table)
    op.drop_index("ix_cases_reporter_phone_id", table_name="cases")
