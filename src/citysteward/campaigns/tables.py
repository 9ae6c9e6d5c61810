"""Tables of the campaigns context, on the shared metadata. Every list filter has an index ending in
the primary key. Lists (members, scope) are JSON; a campaign's tickets and cases are linked here
(`campaign_links`), so the supervision and case tables carry no campaign column."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, Float, ForeignKey, Index, Integer, String, Table, Text

from citysteward.platform.db import ID, TS, metadata

campaigns = Table(  # 专项行动
    "campaigns",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("office", String(200), nullable=False, default=""),  # 专班 / 专班办公室
    Column("lead_unit_id", ID, ForeignKey("units.id"), nullable=True),
    Column("members", JSON, nullable=False),  # [{"name", "role", "unit_id"}]
    Column("area_codes", JSON, nullable=False),  # scope: street / district codes
    Column("subject_kinds", JSON, nullable=False),  # scope: kinds of subject
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("goal", Text, nullable=False, default=""),
    Column("state", String(16), nullable=False),  # active | closed
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False, default=""),
    Index("ix_campaigns_state", "state", "id"),
)

campaign_phases = Table(  # 阶段: dates and goals
    "campaign_phases",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("campaign_id", ID, ForeignKey("campaigns.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("name", String(100), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("goal", Text, nullable=False, default=""),
    Index("ix_campaign_phases_campaign", "campaign_id", "seq", "id"),
)

campaign_targets = Table(  # 目标清单: the subjects a campaign covers
    "campaign_targets",
    metadata,
    Column("campaign_id", ID, ForeignKey("campaigns.id"), primary_key=True),
    Column("subject_id", ID, ForeignKey("campaign_subjects.id"), primary_key=True),
    Index("ix_campaign_targets_subject", "subject_id", "campaign_id"),
)

campaign_links = Table(  # a campaign's own supervision tickets and cases
    "campaign_links",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("campaign_id", ID, ForeignKey("campaigns.id"), nullable=False),
    Column("kind", String(8), nullable=False),  # ticket | case
    Column("ref_id", ID, nullable=False),
    Column("ref_no", String(32), nullable=False),
    Column("linked_at", TS, nullable=False),
    Index("ux_campaign_links_ref", "campaign_id", "kind", "ref_id", unique=True),
    Index("ix_campaign_links_kind", "campaign_id", "kind", "id"),
)

campaign_subjects = Table(  # 台账: sites, restaurants, shops (门前 zone), villages, inspection points (点位长)
    "campaign_subjects",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("address", String(200), nullable=False, default=""),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("cell", String(16), nullable=True),
    Column("area_code", String(12), nullable=False, default=""),  # the street / town (乡镇街道) code
    Column("area_name", String(100), nullable=False, default=""),
    Column("unit_id", ID, ForeignKey("units.id"), nullable=True),  # responsible unit
    Column("leader", String(64), nullable=False, default=""),  # 点位长 / 负责人
    Column("contact", String(32), nullable=False, default=""),
    Column("point_type", String(32), nullable=False, default=""),  # 点位类型 (主干道, 农贸市场 …)
    Column("zone", String(200), nullable=False, default=""),  # 门前 responsibility zone
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", TS, nullable=False),
    Index("ix_campaign_subjects_kind", "kind", "id"),
    Index("ix_campaign_subjects_cell", "cell", "id"),
    Index("ix_campaign_subjects_area", "area_code", "id"),
    Index("ix_campaign_subjects_unit", "unit_id", "id"),
)

checklist_templates = Table(  # one row per version of a template
    "checklist_templates",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String(100), nullable=False),
    Column("subject_kind", String(16), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("current", Boolean, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False, default=""),
    Index("ux_checklist_templates_code_version", "code", "version", unique=True),
    Index("ix_checklist_templates_current", "current", "subject_kind", "id"),
)

checklist_items = Table(
    "checklist_items",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("template_id", ID, ForeignKey("checklist_templates.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("code", String(16), nullable=False),
    Column("text", String(200), nullable=False),
    Column("weight", Float, nullable=False),
    Column("photo_required", Boolean, nullable=False),
    Column("count_min", Integer, nullable=True),  # count rule: at least this many …
    Column("count_unit", String(64), nullable=False, default=""),  # … of what, where ("公益广告/100 m")
    Column("category_code", String(16), nullable=False, default=""),  # the case category a failure becomes
    Index("ix_checklist_items_template", "template_id", "seq", "id"),
)

inspections = Table(  # one round at one subject
    "campaign_inspections",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("campaign_id", ID, ForeignKey("campaigns.id"), nullable=True),
    Column("subject_id", ID, ForeignKey("campaign_subjects.id"), nullable=False),
    Column("template_id", ID, ForeignKey("checklist_templates.id"), nullable=False),
    Column("round_kind", String(16), nullable=False),
    Column("inspector_id", ID, nullable=True),
    Column("inspector_name", String(64), nullable=False),
    Column("at", TS, nullable=False),
    Column("score", Float, nullable=True),
    Column("passed", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("area_code", String(12), nullable=False, default=""),
    Column("area_name", String(100), nullable=False, default=""),
    Column("unit_id", ID, nullable=True),
    Column("note", Text, nullable=False, default=""),
    Index("ix_campaign_inspections_campaign", "campaign_id", "at", "id"),
    Index("ix_campaign_inspections_subject", "subject_id", "at", "id"),
    Index("ix_campaign_inspections_at", "at", "id"),
)

inspection_results = Table(  # one row per item; a failure is a problem (问题) until rectified (销号)
    "campaign_inspection_results",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("inspection_id", ID, ForeignKey("campaign_inspections.id"), nullable=False),
    Column("item_id", ID, ForeignKey("checklist_items.id"), nullable=False),
    Column("item_code", String(16), nullable=False),
    Column("outcome", String(8), nullable=False),  # pass | fail | na
    Column("count", Integer, nullable=True),
    Column("note", String(500), nullable=False, default=""),
    Column("photo_ids", JSON, nullable=False),
    Column("case_id", ID, nullable=True),
    Column("case_no", String(32), nullable=True),
    Column("ticket_id", ID, nullable=True),
    Column("ticket_no", String(32), nullable=True),
    Index("ix_campaign_inspection_results_inspection", "inspection_id", "id"),
    Index("ix_campaign_inspection_results_case", "case_id", "id"),
)

appraisals = Table(  # published 红蓝旗 (or 红黑旗 …) appraisals with the rule that made them
    "campaign_appraisals",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("campaign_id", ID, ForeignKey("campaigns.id"), nullable=True),
    Column("title", String(200), nullable=False),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    Column("rule", JSON, nullable=False),
    Column("rule_text", Text, nullable=False),
    Column("published_at", TS, nullable=False),
    Column("published_by", String(64), nullable=False),
    Index("ix_campaign_appraisals_campaign", "campaign_id", "published_at", "id"),
)

appraisal_rows = Table(
    "campaign_appraisal_rows",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("appraisal_id", ID, ForeignKey("campaign_appraisals.id"), nullable=False),
    Column("subject", String(32), nullable=False),
    Column("name", String(100), nullable=False),
    Column("inspection_score", Float, nullable=True),
    Column("inspections", Integer, nullable=False),
    Column("case_score", Float, nullable=True),
    Column("total", Float, nullable=True),
    Column("rank", Integer, nullable=True),
    Column("flag", String(8), nullable=True),
    Column("reason", String(300), nullable=False, default=""),
    Index("ix_campaign_appraisal_rows_appraisal", "appraisal_id", "id"),
    Index("ix_campaign_appraisal_rows_subject", "subject", "id"),
)

key_tasks = Table(  # 民生实事 / 重点任务
    "key_tasks",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("level", String(16), nullable=False),  # provincial | municipal
    Column("seq", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("target", Text, nullable=False, default=""),
    Column("owner_unit_id", ID, ForeignKey("units.id"), nullable=True),
    Column("owner_name", String(100), nullable=False, default=""),
    Column("created_at", TS, nullable=False),
    Index("ix_key_tasks_year", "year", "level", "seq", "id"),
)

key_milestones = Table(
    "key_task_milestones",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("task_id", ID, ForeignKey("key_tasks.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("done_on", Date, nullable=True),
    Column("ticket_id", ID, nullable=True),
    Column("ticket_no", String(32), nullable=True),
    Index("ix_key_task_milestones_task", "task_id", "seq", "id"),
    Index("ix_key_task_milestones_due", "done_on", "due_on", "id"),
)

key_progress = Table(  # monthly progress (月度进展)
    "key_task_progress",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("task_id", ID, ForeignKey("key_tasks.id"), nullable=False),
    Column("month", String(7), nullable=False),
    Column("percent", Integer, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("reported_at", TS, nullable=False),
    Column("reported_by", String(64), nullable=False),
    Index("ux_key_task_progress_month", "task_id", "month", unique=True),
    Index("ix_key_task_progress_month", "month", "id"),
)

__all__ = ["metadata"]
