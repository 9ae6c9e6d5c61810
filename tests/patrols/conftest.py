"""Patrol fixtures: a second inspector, a day's roster, walks along straight lines."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pytest

from citysteward.kernel.actor import Actor, Role
from citysteward.patrols.services import setup
from tests.conftest import PASSWORD, City, grid_point, password_hash

GRID = "410802001{c:03d}{s:03d}"
__all__ = ["PASSWORD", "grid", "walk"]


def grid(community: int, seq: int) -> str:
    return GRID.format(c=community, s=seq)


def walk(a: tuple[float, float], b: tuple[float, float], t0: datetime, step_s: int = 10,
         speed: float = 1.4) -> list[dict[str, Any]]:
    """Points every `step_s` seconds from a to b at `speed` m/s (WGS-84, epoch seconds)."""
    dx = (b[0] - a[0]) * 111_320 * math.cos(math.radians(a[1]))
    dy = (b[1] - a[1]) * 110_540
    n = max(1, int(math.hypot(dx, dy) / (speed * step_s)))
    start = int(t0.timestamp())
    return [{"t": start + i * step_s, "lon": a[0] + (b[0] - a[0]) * i / n, "lat": a[1] + (b[1] - a[1]) * i / n,
             "acc": 8} for i in range(n + 1)]


def add_inspector(city: City, username: str, display: str) -> Actor:
    with city.rt.uow() as uow:
        row = {"username": username, "password_hash": password_hash(), "display_name": display,
               "phone": "13800000001", "role": "inspector", "unit_id": None, "active": True,
               "created_at": city.rt.now()}
        row["id"] = uow.org.add_user(row)
        uow.commit()
    city.users[username] = row
    return Actor(role=Role.INSPECTOR, user_id=row["id"], name=display)


@pytest.fixture
def duty(city: City) -> City:
    """老王 (inspector) bound to grids 1-1 and 1-2 on today's early shift; 小刘 (inspector2) bound to the
    whole street, on no shift."""
    add_inspector(city, "inspector2", "监督员小刘")
    leader = city.actor("leader")
    setup.bind(city.rt, leader, city.users["inspector"]["id"], [grid(1, 1), grid(1, 2)])
    setup.bind(city.rt, leader, city.users["inspector2"]["id"], ["410802001"])
    day = city.rt.now().astimezone(city.rt.settings.tz).date()
    setup.put_roster(city.rt, leader, [setup.RosterInput(city.users["inspector"]["id"], day, "early",
                                                         (grid(1, 1), grid(1, 2)), 2)])
    return city


def centre(community: int, seq: int) -> tuple[float, float]:
    return grid_point(community, seq)
