"""Campaigns (专项行动), subjects and checklists, inspections, scoring and flags, key tasks."""
