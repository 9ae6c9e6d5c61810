"""The demo stage's arithmetic: a year of work orders sums to the seeds' figures, split order by order;
components are placed along the centre lines at the stated spacing."""

from __future__ import annotations

import random

import pytest

from citysteward.assets.domain.maintenance import WorkType
from citysteward.demo import assets as demo
from citysteward.kernel.geo import haversine_m

SEEDS = {WorkType.LAMP_REPAIR: 4702, WorkType.CABLE: 3529, WorkType.INLET_CLEAR: 4705, WorkType.WELL_CLEAR: 2816}


@pytest.mark.parametrize(("total", "n"), [(4702, 420), (14, 14), (72, 18), (3529, 1)])
def test_a_total_is_split_into_positive_whole_orders_that_sum_to_it(total: int, n: int) -> None:
    parts = demo._split(total, n, random.Random(1))
    assert len(parts) == n and sum(parts) == total and min(parts) >= 1 and all(p.is_integer() for p in parts)


def test_the_plan_carries_the_seeds_figures() -> None:
    plan = {wt: amount for wt, amount, _, _ in demo.WORK_PLAN}
    assert all(plan[wt] == figure for wt, figure in SEEDS.items())
    assert all(n <= amount for _, amount, n, _ in demo.WORK_PLAN)


def test_lamps_every_50_metres_alternately_on_each_side() -> None:
    line = [[113.20, 35.21], [113.21, 35.21]]  # about 910 m east–west
    pts = demo._points_along(line, 50, 12)
    assert len(pts) == int(haversine_m(113.20, 35.21, 113.21, 35.21) // 50) - 1
    offsets = [haversine_m(x, y, x, 35.21) for x, y in pts]
    assert all(o == pytest.approx(12, abs=0.5) for o in offsets)
    assert [y > 35.21 for _, y in pts[:4]] in ([True, False, True, False], [False, True, False, True])
    assert haversine_m(*pts[0], *pts[2]) == pytest.approx(100, abs=1)
