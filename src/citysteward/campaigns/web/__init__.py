"""Pages of the campaigns context: the console (campaigns, subjects, checklist templates, inspections,
appraisals, key tasks) and the inspector's phone page."""

from __future__ import annotations

from fastapi import APIRouter

from citysteward.campaigns.web import console, phone, scoring

router = APIRouter()
router.include_router(console.router)
router.include_router(phone.router)
router.include_router(scoring.router)
