"""The demo stage of issue 14: the seeds' campaigns, the 示范区's red and blue flags, 78 inspection points,
16 key tasks; the 清洁家园 tickets are linked, not issued again; a second run adds nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from citysteward.campaigns import tables as t
from citysteward.campaigns.services import appraisal, figures, setup, tasks
from citysteward.demo import campaigns as campaigns_demo
from citysteward.demo.areas import build_demo_areas
from citysteward.demo.world import DemoWorld
from citysteward.supervision.services import tickets as ticket_service
from tests.conftest import City, grid_point


@pytest.fixture(scope="module")
def areas():
    return build_demo_areas(1500.0)


def _counts(rt) -> dict[str, int]:
    with rt.uow(readonly=True) as uow:
        return {tb.name: int(uow.conn.execute(select(func.count()).select_from(tb)).scalar_one())
                for tb in (t.campaigns, t.campaign_subjects, t.inspections, t.checklist_templates, t.key_tasks,
                           t.appraisals, t.campaign_links)}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_demo_stage_seeds_the_campaigns_once(city: City, areas) -> None:
    rt = city.rt
    lon, lat = grid_point(1, 3)
    for i in range(3):  # what demo/desk.py issues for the 清洁家园 office
        ticket_service.issue_ticket(rt, city.actor("supervisor"), ticket_service.TicketInput(
            level="white", title=f"清洁家园：测试点位{i}环境卫生问题", content="请清理", unit_ids=(city.units["sanitation"],),
            lon=lon, lat=lat))
    world = DemoWorld(areas=areas, unit_defs=(), unit_ids={"GXCGZX": city.units["street"], **city.units}, seed=42)
    campaigns_demo.seed(rt, world, lambda *a, **k: None)
    first = _counts(rt)
    campaigns_demo.seed(rt, world, lambda *a, **k: None)
    assert _counts(rt) == first
    names = {c["name"]: c["code"] for c in setup.list_campaigns(rt)}
    assert set(names) == {"清洁家园行动", "秋冬季大气污染防治攻坚", "农村人居环境集中整治", "全国文明城市年度测评迎检"}
    assert figures.campaign_figures(rt, names["清洁家园行动"])["tickets"]["total"] == 3
    assert len(setup.subjects(rt, "point")) == 78
    assert all(s["leader"].endswith("点位长") for s in setup.subjects(rt, "point"))
    assert figures.campaign_figures(rt, names["全国文明城市年度测评迎检"])["subjects_inspected"] == 78
    [rural] = appraisal.history(rt, names["农村人居环境集中整治"])
    flags = {r["name"]: r["flag_label"] for r in rural["rows"]}
    assert flags == {"苏家作乡": "红旗", "文苑街道": "红旗", "宁郭镇": "蓝旗", "文昌街道": "蓝旗"}
    assert len(figures.campaign_figures(rt, names["农村人居环境集中整治"])["phases"]) == 3
    air = figures.campaign_figures(rt, names["秋冬季大气污染防治攻坚"])
    assert air["inspections"] == 90 and air["targets"] == 40
    ledger = tasks.ledger(rt, 2026, "2026-11")
    assert (ledger["summary"]["provincial"]["tasks"], ledger["summary"]["municipal"]["tasks"]) == (8, 8)
    assert ledger["summary"]["provincial"]["finished"] == 8 and ledger["overdue_milestones"] == 0
    assert {x["code"] for x in setup.templates(rt)} == {"six100", "youyan", "mqwb", "sqyg", "point"}
