"""The supervisor's desk in the console (督办): the ticket ledger, issuing a ticket, a ticket's page
with the units' replies and the supervisor's acceptance, hot spots and 挂牌督办."""

from __future__ import annotations

from fastapi import APIRouter

from citysteward.supervision.web import hotspots, tickets

router = APIRouter()
router.include_router(tickets.router)
router.include_router(hotspots.router)
