"""Pages of the sensors context."""

from __future__ import annotations

from fastapi import APIRouter

from citysteward.platform.http.pages import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
