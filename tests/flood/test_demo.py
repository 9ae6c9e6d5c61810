"""The demo stages of issue 13 reproduce the seeds' figures exactly, in the reports people download, and
a second run adds nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from citysteward.demo import flood as flood_demo
from citysteward.demo import subsurface as subsurface_demo
from citysteward.demo.areas import build_demo_areas
from citysteward.demo.units import FACILITY
from citysteward.demo.world import DemoWorld
from citysteward.flood import papers as flood_papers
from citysteward.subsurface import papers as subsurface_papers
from tests.conftest import City


@pytest.fixture(scope="module")
def areas():
    return build_demo_areas(1500.0)


def _figures(content: bytes) -> dict[str, object]:
    sheet = load_workbook(io.BytesIO(content))["概况"]
    return {r[0]: r[1] for r in sheet.iter_rows(values_only=True) if r and r[0] and len(r) > 1}


def test_demo_reports_show_the_seeds_figures(city: City, areas) -> None:
    rt = city.rt
    world = DemoWorld(areas=areas, unit_defs=(), unit_ids={FACILITY: city.units["facility"], **city.units}, seed=42)
    for _ in range(2):  # idempotent: the second run adds nothing
        subsurface_demo.seed(rt, world, lambda *a, **k: None)
        flood_demo.seed(rt, world, lambda *a, **k: None)
    viewer = city.actor("leader")
    _, content, _ = subsurface_papers.render(rt, subsurface_papers.survey_paper(rt, viewer), "xlsx")
    s = _figures(content)
    assert (s["探测道路（条）"], s["车道里程（公里）"]) == (18, 105.0)
    assert (s["空洞（处）"], s["脱空（处）"], s["疏松合计（处）"], s["已治理（处）"]) == (18, 404, 115, 75)
    start, end = datetime(2025, 12, 31, 16, tzinfo=UTC), datetime(2026, 12, 31, 16, tzinfo=UTC)
    _, content, _ = flood_papers.render(rt, flood_papers.season_paper(rt, viewer, start, end, "2026年"), "xlsx")
    f = _figures(content)
    assert (f["发布预警（次）"], f["出动防汛人员（人次）"], f["出动设备（台次）"]) == (36, 4362, 42)
