"""Sensor devices and alarms: devices, the message ledger, alarm episodes, reject counters

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citysteward.platform.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sensor_rejects',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('last_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_device', sa.String(length=64), nullable=False),
    sa.Column('last_detail', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('day', 'reason', name=op.f('pk_sensor_rejects'))
    )
    op.create_table('sensor_devices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('owner_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('alarm_rules', sa.JSON(), nullable=False),
    sa.Column('heartbeat_s', sa.Integer(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('component_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('waterlog_point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('secret_hash', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_seen_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['units.id'], name=op.f('fk_sensor_devices_owner_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor_devices')),
    sa.UniqueConstraint('code', name=op.f('uq_sensor_devices_code'))
    )
    op.create_index('ix_sensor_devices_active_last_seen_at_id', 'sensor_devices', ['active', 'last_seen_at', 'id'], unique=False)
    op.create_index('ix_sensor_devices_kind_id', 'sensor_devices', ['kind', 'id'], unique=False)
    op.create_index('ix_sensor_devices_owner_unit_id_id', 'sensor_devices', ['owner_unit_id', 'id'], unique=False)
    op.create_index('ix_sensor_devices_state_id', 'sensor_devices', ['state', 'id'], unique=False)
    op.create_table('sensor_alarms',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('device_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('alarm_code', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('case_no', sa.String(length=32), nullable=True),
    sa.Column('opened_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('readings', sa.Integer(), nullable=False),
    sa.Column('peak', sa.Float(), nullable=True),
    sa.Column('recovered_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('flood_event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['sensor_devices.id'], name=op.f('fk_sensor_alarms_device_id_sensor_devices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor_alarms'))
    )
    op.create_index('ix_sensor_alarms_device_id_recovered_at_id', 'sensor_alarms', ['device_id', 'recovered_at', 'id'], unique=False)
    op.create_index('ix_sensor_alarms_flood_event_id_id', 'sensor_alarms', ['flood_event_id', 'id'], unique=False)
    op.create_index('ix_sensor_alarms_opened_at_id', 'sensor_alarms', ['opened_at', 'id'], unique=False)
    op.create_table('sensor_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('device_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('msg_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('alarm_code', sa.String(length=32), nullable=True),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['sensor_devices.id'], name=op.f('fk_sensor_messages_device_id_sensor_devices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor_messages')),
    sa.UniqueConstraint('device_id', 'msg_id', name='uq_sensor_messages_device_id_msg_id')
    )
    op.create_index('ix_sensor_messages_case_id_id', 'sensor_messages', ['case_id', 'id'], unique=False)
    op.create_index('ix_sensor_messages_device_id_id', 'sensor_messages', ['device_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_table("sensor_messages")
    op.drop_table("sensor_alarms")
    op.drop_table("sensor_devices")
    op.drop_table("sensor_rejects")
