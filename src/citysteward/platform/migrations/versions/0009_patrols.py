"""Patrols, rosters and tracks

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citysteward.platform.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('patrol_attendance',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('grid_code', sa.String(length=15), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_patrol_attendance_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_attendance'))
    )
    with op.batch_alter_table('patrol_attendance', schema=None) as batch_op:
        batch_op.create_index('ix_patrol_attendance_at', ['at', 'id'], unique=False)
        batch_op.create_index('ix_patrol_attendance_user_at', ['user_id', 'at', 'id'], unique=False)

    op.create_table('patrol_bindings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=15), nullable=False),
    sa.Column('street_code', sa.String(length=9), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_patrol_bindings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_bindings')),
    sa.UniqueConstraint('user_id', 'area_code', name='uq_patrol_bindings_user_area')
    )
    with op.batch_alter_table('patrol_bindings', schema=None) as batch_op:
        batch_op.create_index('ix_patrol_bindings_street_id', ['street_code', 'id'], unique=False)

    op.create_table('patrol_reassignments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('by_name', sa.String(length=64), nullable=False),
    sa.Column('at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_patrol_reassignments_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_patrol_reassignments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_reassignments'))
    )
    with op.batch_alter_table('patrol_reassignments', schema=None) as batch_op:
        batch_op.create_index('ix_patrol_reassignments_case_id', ['case_id', 'id'], unique=False)
        batch_op.create_index('ix_patrol_reassignments_user_id', ['user_id', 'id'], unique=False)

    op.create_table('patrol_roster',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('shift', sa.String(length=16), nullable=False),
    sa.Column('starts_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('grid_codes', sa.JSON(), nullable=False),
    sa.Column('passes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_patrol_roster_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_roster')),
    sa.UniqueConstraint('user_id', 'day', 'shift', name='uq_patrol_roster_user_day_shift')
    )
    with op.batch_alter_table('patrol_roster', schema=None) as batch_op:
        batch_op.create_index('ix_patrol_roster_day_id', ['day', 'id'], unique=False)
        batch_op.create_index('ix_patrol_roster_ends_id', ['ends_at', 'id'], unique=False)

    op.create_table('patrols',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('local_day', sa.Date(), nullable=False),
    sa.Column('started_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('own_grids', sa.JSON(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.Column('minutes', sa.Float(), nullable=False),
    sa.Column('own_minutes', sa.Float(), nullable=False),
    sa.Column('grids_visited', sa.Integer(), nullable=False),
    sa.Column('effective', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_patrols_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrols'))
    )
    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.create_index('ix_patrols_day_id', ['local_day', 'id'], unique=False)
        batch_op.create_index('ix_patrols_state_user', ['state', 'user_id', 'id'], unique=False)
        batch_op.create_index('ix_patrols_user_started', ['user_id', 'started_at', 'id'], unique=False)

    op.create_table('patrol_grid_visits',
    sa.Column('patrol_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('grid_code', sa.String(length=15), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('local_day', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Float(), nullable=False),
    sa.Column('passes', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['patrol_id'], ['patrols.id'], name=op.f('fk_patrol_grid_visits_patrol_id_patrols'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('patrol_id', 'grid_code', name=op.f('pk_patrol_grid_visits'))
    )
    with op.batch_alter_table('patrol_grid_visits', schema=None) as batch_op:
        batch_op.create_index('ix_patrol_grid_visits_day_grid', ['local_day', 'grid_code', 'patrol_id'], unique=False)

    op.create_table('patrol_track_batches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('patrol_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('received_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('first_t', sa.BigInteger(), nullable=False),
    sa.Column('last_t', sa.BigInteger(), nullable=False),
    sa.Column('points', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['patrol_id'], ['patrols.id'], name=op.f('fk_patrol_track_batches_patrol_id_patrols'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_track_batches')),
    sa.UniqueConstraint('patrol_id', 'seq', name='uq_patrol_track_batches_patrol_seq')
    )
    with op.batch_alter_table('patrol_track_batches', schema=None) as batch_op:
        batch_op.create_index('ix_patrol_track_batches_received', ['received_at', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('patrol_track_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_patrol_track_batches_received')

    op.drop_table('patrol_track_batches')
    with op.batch_alter_table('patrol_grid_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_patrol_grid_visits_day_grid')

    op.drop_table('patrol_grid_visits')
    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.drop_index('ix_patrols_user_started')
        batch_op.drop_index('ix_patrols_state_user')
        batch_op.drop_index('ix_patrols_day_id')

    op.drop_table('patrols')
    with op.batch_alter_table('patrol_roster', schema=None) as batch_op:
        batch_op.drop_index('ix_patrol_roster_ends_id')
        batch_op.drop_index('ix_patrol_roster_day_id')

    op.drop_table('patrol_roster')
    with op.batch_alter_table('patrol_reassignments', schema=None) as batch_op:
        batch_op.drop_index('ix_patrol_reassignments_user_id')
        batch_op.drop_index('ix_patrol_reassignments_case_id')

    op.drop_table('patrol_reassignments')
    with op.batch_alter_table('patrol_bindings', schema=None) as batch_op:
        batch_op.drop_index('ix_patrol_bindings_street_id')

    op.drop_table('patrol_bindings')
    with op.batch_alter_table('patrol_attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_patrol_attendance_user_at')
        batch_op.drop_index('ix_patrol_attendance_at')

    op.drop_table('patrol_attendance')
