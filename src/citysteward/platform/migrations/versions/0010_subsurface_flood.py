"""Subsurface surveys and the flood season

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citysteward.platform.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('flood_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('started_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('level', sa.String(length=8), nullable=True),
    sa.Column('max_colour', sa.String(length=8), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flood_events'))
    )
    op.create_index('ix_flood_events_started', 'flood_events', ['started_at', 'id'], unique=False)
    op.create_table('flood_materials',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('warehouse', sa.String(length=100), nullable=False),
    sa.Column('unit_label', sa.String(length=16), nullable=False),
    sa.Column('qty', sa.Float(), nullable=False),
    sa.Column('min_qty', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flood_materials')),
    sa.UniqueConstraint('name', 'warehouse', name='uq_flood_materials_name_warehouse')
    )
    op.create_table('flood_duty',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('starts_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('post', sa.String(length=32), nullable=False),
    sa.Column('person', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_flood_duty_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flood_duty'))
    )
    op.create_index('ix_flood_duty_starts', 'flood_duty', ['starts_at', 'id'], unique=False)
    op.create_table('flood_level_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('from_level', sa.String(length=8), nullable=True),
    sa.Column('to_level', sa.String(length=8), nullable=True),
    sa.Column('declared_by', sa.String(length=64), nullable=False),
    sa.Column('signer', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('warning_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['flood_events.id'], name=op.f('fk_flood_level_changes_event_id_flood_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flood_level_changes'))
    )
    op.create_index('ix_flood_level_changes_event', 'flood_level_changes', ['event_id', 'id'], unique=False)
    op.create_table('flood_movements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('material_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delta', sa.Float(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('by_name', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['flood_events.id'], name=op.f('fk_flood_movements_event_id_flood_events')),
    sa.ForeignKeyConstraint(['material_id'], ['flood_materials.id'], name=op.f('fk_flood_movements_material_id_flood_materials')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flood_movements'))
    )
    op.create_index('ix_flood_movements_material', 'flood_movements', ['material_id', 'id'], unique=False)
    op.create_table('flood_points',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('road', sa.String(length=100), nullable=False),
    sa.Column('cause', sa.String(length=400), nullable=False),
    sa.Column('orange_cm', sa.Float(), nullable=True),
    sa.Column('red_cm', sa.Float(), nullable=True),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('person', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('pump_station', sa.String(length=100), nullable=False),
    sa.Column('pump_component_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_flood_points_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flood_points')),
    sa.UniqueConstraint('code', name=op.f('uq_flood_points_code'))
    )
    op.create_index('ix_flood_points_active', 'flood_points', ['active', 'id'], unique=False)
    op.create_table('flood_warnings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('issued_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('colour', sa.String(length=8), nullable=False),
    sa.Column('issuer', sa.String(length=100), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['flood_events.id'], name=op.f('fk_flood_warnings_event_id_flood_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flood_warnings'))
    )
    op.create_index('ix_flood_warnings_event', 'flood_warnings', ['event_id', 'id'], unique=False)
    op.create_index('ix_flood_warnings_issued', 'flood_warnings', ['issued_at', 'id'], unique=False)
    op.create_table('subsurface_surveys',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('contractor', sa.String(length=200), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('report_file', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_subsurface_surveys_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsurface_surveys'))
    )
    op.create_table('flood_checks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('season', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.Column('checked_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checked_by', sa.String(length=64), nullable=False),
    sa.Column('ticket_no', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['point_id'], ['flood_points.id'], name=op.f('fk_flood_checks_point_id_flood_points')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_flood_checks_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flood_checks'))
    )
    op.create_index('ix_flood_checks_season', 'flood_checks', ['season', 'id'], unique=False)
    op.create_table('flood_deployments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('unit_name', sa.String(length=100), nullable=False),
    sa.Column('point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('vehicles', sa.Integer(), nullable=False),
    sa.Column('pumps', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['flood_events.id'], name=op.f('fk_flood_deployments_event_id_flood_events')),
    sa.ForeignKeyConstraint(['point_id'], ['flood_points.id'], name=op.f('fk_flood_deployments_point_id_flood_points')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_flood_deployments_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flood_deployments'))
    )
    op.create_index('ix_flood_deployments_at', 'flood_deployments', ['at', 'id'], unique=False)
    op.create_index('ix_flood_deployments_event', 'flood_deployments', ['event_id', 'id'], unique=False)
    op.create_table('flood_event_cases',
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tagged_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_flood_event_cases_case_id_cases')),
    sa.ForeignKeyConstraint(['event_id'], ['flood_events.id'], name=op.f('fk_flood_event_cases_event_id_flood_events')),
    sa.PrimaryKeyConstraint('event_id', 'case_id', name='pk_flood_event_cases')
    )
    op.create_index('ix_flood_event_cases_case', 'flood_event_cases', ['case_id'], unique=False)
    op.create_table('flood_observations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('depth_cm', sa.Float(), nullable=False),
    sa.Column('area_m2', sa.Float(), nullable=True),
    sa.Column('traffic_closed', sa.Boolean(), nullable=False),
    sa.Column('cleared_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.Column('by_name', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['flood_events.id'], name=op.f('fk_flood_observations_event_id_flood_events')),
    sa.ForeignKeyConstraint(['point_id'], ['flood_points.id'], name=op.f('fk_flood_observations_point_id_flood_points')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flood_observations'))
    )
    op.create_index('ix_flood_observations_event', 'flood_observations', ['event_id', 'id'], unique=False)
    op.create_index('ix_flood_observations_point', 'flood_observations', ['point_id', 'id'], unique=False)
    op.create_table('subsurface_defects',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('road', sa.String(length=100), nullable=False),
    sa.Column('chainage_m', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('defect_type', sa.String(length=16), nullable=False),
    sa.Column('grade', sa.String(length=16), nullable=False),
    sa.Column('length_m', sa.Float(), nullable=True),
    sa.Column('width_m', sa.Float(), nullable=True),
    sa.Column('area_m2', sa.Float(), nullable=True),
    sa.Column('top_depth_m', sa.Float(), nullable=True),
    sa.Column('height_m', sa.Float(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('detect_method', sa.String(length=32), nullable=False),
    sa.Column('verify_method', sa.String(length=32), nullable=True),
    sa.Column('found_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_resurvey', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('updated_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['subsurface_surveys.id'], name=op.f('fk_subsurface_defects_survey_id_subsurface_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsurface_defects')),
    sa.UniqueConstraint('code', name=op.f('uq_subsurface_defects_code'))
    )
    op.create_index('ix_subsurface_defects_grade', 'subsurface_defects', ['grade', 'id'], unique=False)
    op.create_index('ix_subsurface_defects_resurvey', 'subsurface_defects', ['next_resurvey', 'id'], unique=False)
    op.create_index('ix_subsurface_defects_road', 'subsurface_defects', ['road', 'id'], unique=False)
    op.create_index('ix_subsurface_defects_state', 'subsurface_defects', ['state', 'id'], unique=False)
    op.create_index('ix_subsurface_defects_survey', 'subsurface_defects', ['survey_id', 'id'], unique=False)
    op.create_index('ix_subsurface_defects_type', 'subsurface_defects', ['defect_type', 'id'], unique=False)
    op.create_table('subsurface_survey_roads',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('survey_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('road', sa.String(length=100), nullable=False),
    sa.Column('segment', sa.String(length=200), nullable=False),
    sa.Column('length_km', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['subsurface_surveys.id'], name=op.f('fk_subsurface_survey_roads_survey_id_subsurface_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsurface_survey_roads'))
    )
    op.create_index('ix_subsurface_survey_roads_survey', 'subsurface_survey_roads', ['survey_id', 'id'], unique=False)
    op.create_table('subsurface_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('defect_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['defect_id'], ['subsurface_defects.id'], name=op.f('fk_subsurface_events_defect_id_subsurface_defects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsurface_events'))
    )
    op.create_index('ix_subsurface_events_defect', 'subsurface_events', ['defect_id', 'id'], unique=False)
    op.create_table('subsurface_observations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('defect_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('observed_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('defect_type', sa.String(length=16), nullable=False),
    sa.Column('grade', sa.String(length=16), nullable=False),
    sa.Column('length_m', sa.Float(), nullable=True),
    sa.Column('width_m', sa.Float(), nullable=True),
    sa.Column('area_m2', sa.Float(), nullable=True),
    sa.Column('top_depth_m', sa.Float(), nullable=True),
    sa.Column('height_m', sa.Float(), nullable=True),
    sa.Column('by_name', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['defect_id'], ['subsurface_defects.id'], name=op.f('fk_subsurface_observations_defect_id_subsurface_defects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsurface_observations'))
    )
    op.create_index('ix_subsurface_observations_defect', 'subsurface_observations', ['defect_id', 'id'], unique=False)
    op.create_table('subsurface_treatments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('defect_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('method', sa.String(length=24), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('grout_m3', sa.Float(), nullable=False),
    sa.Column('pavement_m2', sa.Float(), nullable=False),
    sa.Column('holes', sa.Integer(), nullable=False),
    sa.Column('started_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deadline', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ticket_no', sa.String(length=32), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['defect_id'], ['subsurface_defects.id'], name=op.f('fk_subsurface_treatments_defect_id_subsurface_defects')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_subsurface_treatments_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsurface_treatments'))
    )
    op.create_index('ix_subsurface_treatments_deadline', 'subsurface_treatments', ['deadline', 'id'], unique=False)
    op.create_index('ix_subsurface_treatments_defect', 'subsurface_treatments', ['defect_id', 'id'], unique=False)
    op.create_table('subsurface_photos',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('defect_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('observation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_name', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['defect_id'], ['subsurface_defects.id'], name=op.f('fk_subsurface_photos_defect_id_subsurface_defects')),
    sa.ForeignKeyConstraint(['observation_id'], ['subsurface_observations.id'], name=op.f('fk_subsurface_photos_observation_id_subsurface_observations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsurface_photos'))
    )
    op.create_index('ix_subsurface_photos_defect', 'subsurface_photos', ['defect_id', 'id'], unique=False)


def downgrade() -> None:
    # indexes go with their tables
    op.drop_table('subsurface_photos')
    op.drop_table('subsurface_treatments')
    op.drop_table('subsurface_observations')
    op.drop_table('subsurface_events')
    op.drop_table('subsurface_survey_roads')
    op.drop_table('subsurface_defects')
    op.drop_table('flood_observations')
    op.drop_table('flood_event_cases')
    op.drop_table('flood_deployments')
    op.drop_table('flood_checks')
    op.drop_table('subsurface_surveys')
    op.drop_table('flood_warnings')
    op.drop_table('flood_points')
    op.drop_table('flood_movements')
    op.drop_table('flood_level_changes')
    op.drop_table('flood_duty')
    op.drop_table('flood_materials')
    op.drop_table('flood_events')
