"""Campaigns, checklists, inspections, key tasks

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citysteward.platform.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checklist_templates',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('created_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_templates'))
    )
    op.create_index('ix_checklist_templates_current', 'checklist_templates', ['current', 'subject_kind', 'id'], unique=False)
    op.create_index('ux_checklist_templates_code_version', 'checklist_templates', ['code', 'version'], unique=True)
    op.create_table('campaign_subjects',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('cell', sa.String(length=16), nullable=True),
    sa.Column('area_code', sa.String(length=12), nullable=False),
    sa.Column('area_name', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('leader', sa.String(length=64), nullable=False),
    sa.Column('contact', sa.String(length=32), nullable=False),
    sa.Column('point_type', sa.String(length=32), nullable=False),
    sa.Column('zone', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_campaign_subjects_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_subjects'))
    )
    op.create_index('ix_campaign_subjects_area', 'campaign_subjects', ['area_code', 'id'], unique=False)
    op.create_index('ix_campaign_subjects_cell', 'campaign_subjects', ['cell', 'id'], unique=False)
    op.create_index('ix_campaign_subjects_kind', 'campaign_subjects', ['kind', 'id'], unique=False)
    op.create_index('ix_campaign_subjects_unit', 'campaign_subjects', ['unit_id', 'id'], unique=False)
    op.create_table('campaigns',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('office', sa.String(length=200), nullable=False),
    sa.Column('lead_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('members', sa.JSON(), nullable=False),
    sa.Column('area_codes', sa.JSON(), nullable=False),
    sa.Column('subject_kinds', sa.JSON(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['lead_unit_id'], ['units.id'], name=op.f('fk_campaigns_lead_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('code', name=op.f('uq_campaigns_code'))
    )
    op.create_index('ix_campaigns_state', 'campaigns', ['state', 'id'], unique=False)
    op.create_table('checklist_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('template_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('photo_required', sa.Boolean(), nullable=False),
    sa.Column('count_min', sa.Integer(), nullable=True),
    sa.Column('count_unit', sa.String(length=64), nullable=False),
    sa.Column('category_code', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_templates.id'], name=op.f('fk_checklist_items_template_id_checklist_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_items'))
    )
    op.create_index('ix_checklist_items_template', 'checklist_items', ['template_id', 'seq', 'id'], unique=False)
    op.create_table('key_tasks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('owner_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('owner_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['units.id'], name=op.f('fk_key_tasks_owner_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_tasks'))
    )
    op.create_index('ix_key_tasks_year', 'key_tasks', ['year', 'level', 'seq', 'id'], unique=False)
    op.create_table('campaign_appraisals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('rule_text', sa.Text(), nullable=False),
    sa.Column('published_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_appraisals_campaign_id_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_appraisals'))
    )
    op.create_index('ix_campaign_appraisals_campaign', 'campaign_appraisals', ['campaign_id', 'published_at', 'id'], unique=False)
    op.create_table('campaign_inspections',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('template_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('round_kind', sa.String(length=16), nullable=False),
    sa.Column('inspector_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('inspector_name', sa.String(length=64), nullable=False),
    sa.Column('at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=False),
    sa.Column('area_name', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_inspections_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['subject_id'], ['campaign_subjects.id'], name=op.f('fk_campaign_inspections_subject_id_campaign_subjects')),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_templates.id'], name=op.f('fk_campaign_inspections_template_id_checklist_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_inspections'))
    )
    op.create_index('ix_campaign_inspections_at', 'campaign_inspections', ['at', 'id'], unique=False)
    op.create_index('ix_campaign_inspections_campaign', 'campaign_inspections', ['campaign_id', 'at', 'id'], unique=False)
    op.create_index('ix_campaign_inspections_subject', 'campaign_inspections', ['subject_id', 'at', 'id'], unique=False)
    op.create_table('campaign_links',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('ref_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ref_no', sa.String(length=32), nullable=False),
    sa.Column('linked_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_links_campaign_id_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_links'))
    )
    op.create_index('ix_campaign_links_kind', 'campaign_links', ['campaign_id', 'kind', 'id'], unique=False)
    op.create_index('ux_campaign_links_ref', 'campaign_links', ['campaign_id', 'kind', 'ref_id'], unique=True)
    op.create_table('campaign_phases',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_phases_campaign_id_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_phases'))
    )
    op.create_index('ix_campaign_phases_campaign', 'campaign_phases', ['campaign_id', 'seq', 'id'], unique=False)
    op.create_table('campaign_targets',
    sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subject_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_targets_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['subject_id'], ['campaign_subjects.id'], name=op.f('fk_campaign_targets_subject_id_campaign_subjects')),
    sa.PrimaryKeyConstraint('campaign_id', 'subject_id', name=op.f('pk_campaign_targets'))
    )
    op.create_index('ix_campaign_targets_subject', 'campaign_targets', ['subject_id', 'campaign_id'], unique=False)
    op.create_table('key_task_milestones',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('task_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('ticket_no', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['key_tasks.id'], name=op.f('fk_key_task_milestones_task_id_key_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_task_milestones'))
    )
    op.create_index('ix_key_task_milestones_due', 'key_task_milestones', ['done_on', 'due_on', 'id'], unique=False)
    op.create_index('ix_key_task_milestones_task', 'key_task_milestones', ['task_id', 'seq', 'id'], unique=False)
    op.create_table('key_task_progress',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('task_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reported_at', citysteward.platform.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reported_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['key_tasks.id'], name=op.f('fk_key_task_progress_task_id_key_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_task_progress'))
    )
    op.create_index('ix_key_task_progress_month', 'key_task_progress', ['month', 'id'], unique=False)
    op.create_index('ux_key_task_progress_month', 'key_task_progress', ['task_id', 'month'], unique=True)
    op.create_table('campaign_appraisal_rows',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('appraisal_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subject', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('inspection_score', sa.Float(), nullable=True),
    sa.Column('inspections', sa.Integer(), nullable=False),
    sa.Column('case_score', sa.Float(), nullable=True),
    sa.Column('total', sa.Float(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('flag', sa.String(length=8), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['appraisal_id'], ['campaign_appraisals.id'], name=op.f('fk_campaign_appraisal_rows_appraisal_id_campaign_appraisals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_appraisal_rows'))
    )
    op.create_index('ix_campaign_appraisal_rows_appraisal', 'campaign_appraisal_rows', ['appraisal_id', 'id'], unique=False)
    op.create_index('ix_campaign_appraisal_rows_subject', 'campaign_appraisal_rows', ['subject', 'id'], unique=False)
    op.create_table('campaign_inspection_results',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('inspection_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_code', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('count', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('photo_ids', sa.JSON(), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('case_no', sa.String(length=32), nullable=True),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('ticket_no', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['inspection_id'], ['campaign_inspections.id'], name=op.f('fk_campaign_inspection_results_inspection_id_campaign_inspections')),
    sa.ForeignKeyConstraint(['item_id'], ['checklist_items.id'], name=op.f('fk_campaign_inspection_results_item_id_checklist_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_inspection_results'))
    )
    op.create_index('ix_campaign_inspection_results_case', 'campaign_inspection_results', ['case_id', 'id'], unique=False)
    op.create_index('ix_campaign_inspection_results_inspection', 'campaign_inspection_results', ['inspection_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_campaign_inspection_results_inspection', table_name='campaign_inspection_results')
    op.drop_index('ix_campaign_inspection_results_case', table_name='campaign_inspection_results')
    op.drop_table('campaign_inspection_results')
    op.drop_index('ix_campaign_appraisal_rows_subject', table_name='campaign_appraisal_rows')
    op.drop_index('ix_campaign_appraisal_rows_appraisal', table_name='campaign_appraisal_rows')
    op.drop_table('campaign_appraisal_rows')
    op.drop_index('ux_key_task_progress_month', table_name='key_task_progress')
    op.drop_index('ix_key_task_progress_month', table_name='key_task_progress')
    op.drop_table('key_task_progress')
    op.drop_index('ix_key_task_milestones_task', table_name='key_task_milestones')
    op.drop_index('ix_key_task_milestones_due', table_name='key_task_milestones')
    op.drop_table('key_task_milestones')
    op.drop_index('ix_campaign_targets_subject', table_name='campaign_targets')
    op.drop_table('campaign_targets')
    op.drop_index('ix_campaign_phases_campaign', table_name='campaign_phases')
    op.drop_table('campaign_phases')
    op.drop_index('ux_campaign_links_ref', table_name='campaign_links')
    op.drop_index('ix_campaign_links_kind', table_name='campaign_links')
    op.drop_table('campaign_links')
    op.drop_index('ix_campaign_inspections_subject', table_name='campaign_inspections')
    op.drop_index('ix_campaign_inspections_campaign', table_name='campaign_inspections')
    op.drop_index('ix_campaign_inspections_at', table_name='campaign_inspections')
    op.drop_table('campaign_inspections')
    op.drop_index('ix_campaign_appraisals_campaign', table_name='campaign_appraisals')
    op.drop_table('campaign_appraisals')
    op.drop_index('ix_key_tasks_year', table_name='key_tasks')
    op.drop_table('key_tasks')
    op.drop_index('ix_checklist_items_template', table_name='checklist_items')
    op.drop_table('checklist_items')
    op.drop_index('ix_campaigns_state', table_name='campaigns')
    op.drop_table('campaigns')
    op.drop_index('ix_campaign_subjects_unit', table_name='campaign_subjects')
    op.drop_index('ix_campaign_subjects_kind', table_name='campaign_subjects')
    op.drop_index('ix_campaign_subjects_cell', table_name='campaign_subjects')
    op.drop_index('ix_campaign_subjects_area', table_name='campaign_subjects')
    op.drop_table('campaign_subjects')
    op.drop_index('ux_checklist_templates_code_version', table_name='checklist_templates')
    op.drop_index('ix_checklist_templates_current', table_name='checklist_templates')
    op.drop_table('checklist_templates')
