"""Evaluation pages (考评): indicators by period and cut with the drill-down and the .xlsx export,
rankings with red and blue flags, the papers to download; and the command-centre screen."""

from __future__ import annotations

from fastapi import APIRouter

from citysteward.evaluation.web import dashboard, indicators, rankings

router = APIRouter()
router.include_router(dashboard.router)
router.include_router(indicators.router)
router.include_router(rankings.router)
