"""Roads, components and maintenance work

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citysteward.platform.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roads',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('road_class', sa.String(length=16), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('geometry', sa.JSON(), nullable=False),
    sa.Column('length_m', sa.Float(), nullable=False),
    sa.Column('managing_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('maintaining_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('handed_over', sa.Boolean(), nullable=False),
    sa.Column('interim_body', sa.String(length=100), nullable=False),
    sa.Column('generated', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.Column('updated_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['maintaining_unit_id'], ['units.id'], name=op.f('fk_roads_maintaining_unit_id_units')),
    sa.ForeignKeyConstraint(['managing_unit_id'], ['units.id'], name=op.f('fk_roads_managing_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roads')),
    sa.UniqueConstraint('name', name=op.f('uq_roads_name'))
    )
    with op.batch_alter_table('roads', schema=None) as batch_op:
        batch_op.create_index('ix_roads_class_id', ['road_class', 'id'], unique=False)
        batch_op.create_index('ix_roads_district_id', ['district_code', 'id'], unique=False)
        batch_op.create_index('ix_roads_handed_over_id', ['handed_over', 'id'], unique=False)

    op.create_table('components',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=17), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('class_code', sa.String(length=8), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('cell', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('grid_code', sa.String(length=15), nullable=True),
    sa.Column('road_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=False),
    sa.Column('maintainer', sa.String(length=100), nullable=False),
    sa.Column('maintainer_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('initial_date', sa.Date(), nullable=True),
    sa.Column('changed_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('data_source', sa.String(length=16), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['maintainer_unit_id'], ['units.id'], name=op.f('fk_components_maintainer_unit_id_units')),
    sa.ForeignKeyConstraint(['road_id'], ['roads.id'], name=op.f('fk_components_road_id_roads'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_components')),
    sa.UniqueConstraint('code', name=op.f('uq_components_code'))
    )
    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.create_index('ix_components_class_cell_id', ['class_code', 'cell', 'id'], unique=False)
        batch_op.create_index('ix_components_class_lat_id', ['class_code', 'lat', 'id'], unique=False)
        batch_op.create_index('ix_components_class_state_id', ['class_code', 'state', 'id'], unique=False)
        batch_op.create_index('ix_components_grid_id', ['grid_code', 'id'], unique=False)
        batch_op.create_index('ix_components_road_id', ['road_id', 'id'], unique=False)
        batch_op.create_index('ix_components_state_id', ['state', 'id'], unique=False)

    op.create_table('component_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('component_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state_from', sa.String(length=16), nullable=True),
    sa.Column('state_to', sa.String(length=16), nullable=True),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('case_no', sa.String(length=32), nullable=True),
    sa.Column('work_order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['component_id'], ['components.id'], name=op.f('fk_component_history_component_id_components'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_component_history'))
    )
    with op.batch_alter_table('component_history', schema=None) as batch_op:
        batch_op.create_index('ix_component_history_case_id', ['case_id', 'id'], unique=False)
        batch_op.create_index('ix_component_history_component_id', ['component_id', 'id'], unique=False)

    op.create_table('work_orders',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('team', sa.String(length=100), nullable=False),
    sa.Column('crew', sa.Integer(), nullable=False),
    sa.Column('equipment', sa.String(length=200), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('road_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('component_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('case_no', sa.String(length=32), nullable=True),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('done_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('created_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['component_id'], ['components.id'], name=op.f('fk_work_orders_component_id_components'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['road_id'], ['roads.id'], name=op.f('fk_work_orders_road_id_roads'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_work_orders_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders'))
    )
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index('ix_work_orders_case_no_id', ['case_no', 'id'], unique=False)
        batch_op.create_index('ix_work_orders_component_id', ['component_id', 'id'], unique=False)
        batch_op.create_index('ix_work_orders_district_id', ['district_code', 'id'], unique=False)
        batch_op.create_index('ix_work_orders_done_at_id', ['done_at', 'id'], unique=False)
        batch_op.create_index('ix_work_orders_status_id', ['status', 'id'], unique=False)
        batch_op.create_index('ix_work_orders_unit_id', ['unit_id', 'id'], unique=False)

    op.create_table('work_quantities',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('work_order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('work_type', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.Float(), nullable=False),
    sa.Column('watts_before', sa.Float(), nullable=True),
    sa.Column('watts_after', sa.Float(), nullable=True),
    sa.Column('done_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_quantities_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_quantities'))
    )
    with op.batch_alter_table('work_quantities', schema=None) as batch_op:
        batch_op.create_index('ix_work_quantities_district_done_id', ['district_code', 'done_at', 'id'], unique=False)
        batch_op.create_index('ix_work_quantities_done_type_id', ['done_at', 'work_type', 'id'], unique=False)
        batch_op.create_index('ix_work_quantities_order_id', ['work_order_id', 'id'], unique=False)
        batch_op.create_index('ix_work_quantities_unit_done_id', ['unit_id', 'done_at', 'id'], unique=False)

    op.create_table('lighting_checks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('road_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('lamps', sa.Integer(), nullable=False),
    sa.Column('dark', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['road_id'], ['roads.id'], name=op.f('fk_lighting_checks_road_id_roads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lighting_checks'))
    )
    with op.batch_alter_table('lighting_checks', schema=None) as batch_op:
        batch_op.create_index('ix_lighting_checks_on_id', ['checked_on', 'id'], unique=False)
        batch_op.create_index('ix_lighting_checks_road_on_id', ['road_id', 'checked_on', 'id'], unique=False)


def downgrade() -> None:
    op.drop_table('lighting_checks')
    op.drop_table('work_quantities')
    op.drop_table('work_orders')
    op.drop_table('component_history')
    op.drop_table('components')
    op.drop_table('roads')
