"""supervision: tickets, hot spots, rankings, evaluation settings, outbox and notices

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citysteward.platform.types

revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evaluation_settings',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_evaluation_settings'))
    )
    op.create_table('notices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('outbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=200), nullable=False),
    sa.Column('created_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    sa.UniqueConstraint('outbox_id', name=op.f('uq_notices_outbox_id'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_unit_id', ['unit_id', 'id'], unique=False)
        batch_op.create_index('ix_notices_user_id', ['user_id', 'id'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('dedupe_key', sa.String(length=160), nullable=True),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_dedupe_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_status_next', ['status', 'next_attempt_at', 'id'], unique=False)

    op.create_table('ranking_flags',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=32), nullable=False),
    sa.Column('subject_name', sa.String(length=100), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('grade', sa.String(length=4), nullable=True),
    sa.Column('sample', sa.Integer(), nullable=False),
    sa.Column('flag', sa.String(length=8), nullable=True),
    sa.Column('published_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_flags'))
    )
    with op.batch_alter_table('ranking_flags', schema=None) as batch_op:
        batch_op.create_index('ix_ranking_flags_scope_subject', ['scope', 'subject', 'period'], unique=False)
        batch_op.create_index('ux_ranking_flags_period_scope_subject', ['period', 'scope', 'subject'], unique=True)

    op.create_table('supervision_tickets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ticket_no', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('issuer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('issuer_name', sa.String(length=64), nullable=False),
    sa.Column('issued_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deadline', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('cell', sa.String(length=16), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('hotspot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('escalations', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('closed_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_tickets')),
    sa.UniqueConstraint('ticket_no', name=op.f('uq_supervision_tickets_ticket_no'))
    )
    with op.batch_alter_table('supervision_tickets', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_tickets_issued_at', ['issued_at'], unique=False)
        batch_op.create_index('ix_supervision_tickets_level_id', ['level', 'id'], unique=False)
        batch_op.create_index('ix_supervision_tickets_state_deadline', ['state', 'deadline'], unique=False)

    op.create_table('hotspots',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('category_code', sa.String(length=16), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('cell', sa.String(length=16), nullable=False),
    sa.Column('radius_m', sa.Float(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('owner_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('measure', sa.Text(), nullable=False),
    sa.Column('case_nos', sa.JSON(), nullable=False),
    sa.Column('recurrences', sa.Integer(), nullable=False),
    sa.Column('listed_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('listed_by', sa.String(length=64), nullable=False),
    sa.Column('listed_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('delisted_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['units.id'], name=op.f('fk_hotspots_owner_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotspots'))
    )
    with op.batch_alter_table('hotspots', schema=None) as batch_op:
        batch_op.create_index('ix_hotspots_category_cell', ['category_code', 'cell'], unique=False)
        batch_op.create_index('ix_hotspots_state_id', ['state', 'id'], unique=False)

    op.create_table('notify_contacts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_notify_contacts_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_contacts'))
    )
    with op.batch_alter_table('notify_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notify_contacts_unit_id'), ['unit_id'], unique=False)

    op.create_table('supervision_ticket_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['supervision_tickets.id'], name=op.f('fk_supervision_ticket_events_ticket_id_supervision_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_ticket_events'))
    )
    with op.batch_alter_table('supervision_ticket_events', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_ticket_events_ticket', ['ticket_id', 'id'], unique=False)

    op.create_table('supervision_ticket_units',
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('replied_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('replied_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['supervision_tickets.id'], name=op.f('fk_supervision_ticket_units_ticket_id_supervision_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_supervision_ticket_units_unit_id_units')),
    sa.PrimaryKeyConstraint('ticket_id', 'unit_id', name=op.f('pk_supervision_ticket_units'))
    )
    with op.batch_alter_table('supervision_ticket_units', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_ticket_units_unit', ['unit_id', 'ticket_id'], unique=False)

    op.create_table('supervision_ticket_cases',
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_supervision_ticket_cases_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['supervision_tickets.id'], name=op.f('fk_supervision_ticket_cases_ticket_id_supervision_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'case_id', name=op.f('pk_supervision_ticket_cases'))
    )
    with op.batch_alter_table('supervision_ticket_cases', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_ticket_cases_case', ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('supervision_ticket_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_ticket_cases_case')

    op.drop_table('supervision_ticket_cases')
    with op.batch_alter_table('supervision_ticket_units', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_ticket_units_unit')

    op.drop_table('supervision_ticket_units')
    with op.batch_alter_table('supervision_ticket_events', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_ticket_events_ticket')

    op.drop_table('supervision_ticket_events')
    with op.batch_alter_table('notify_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_contacts_unit_id'))

    op.drop_table('notify_contacts')
    with op.batch_alter_table('hotspots', schema=None) as batch_op:
        batch_op.drop_index('ix_hotspots_state_id')
        batch_op.drop_index('ix_hotspots_category_cell')

    op.drop_table('hotspots')
    with op.batch_alter_table('supervision_tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_tickets_state_deadline')
        batch_op.drop_index('ix_supervision_tickets_level_id')
        batch_op.drop_index('ix_supervision_tickets_issued_at')

    op.drop_table('supervision_tickets')
    with op.batch_alter_table('ranking_flags', schema=None) as batch_op:
        batch_op.drop_index('ux_ranking_flags_period_scope_subject')
        batch_op.drop_index('ix_ranking_flags_scope_subject')

    op.drop_table('ranking_flags')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next')

    op.drop_table('outbox')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_user_id')
        batch_op.drop_index('ix_notices_unit_id')

    op.drop_table('notices')
    op.drop_table('evaluation_settings')
