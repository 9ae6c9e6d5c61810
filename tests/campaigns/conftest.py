"""Builders for the campaigns tests: the 六个百分之百 template, a construction site in the synthetic
city, a campaign over it."""

from __future__ import annotations

from datetime import date

import pytest

from citysteward.campaigns.domain import CampaignInput, ChecklistItem, Member, Phase
from citysteward.campaigns.services import setup
from tests.conftest import City, grid_point

SIX = (  # 六个百分之百 (FIELDWORK.md §3.1), each failure a 施工管理 case
    ("施工工地周边 100% 围挡", "08007"),
    ("物料堆放 100% 覆盖", "08006"),
    ("出入车辆 100% 冲洗", "08012"),
    ("施工现场地面 100% 硬化", "08008"),
    ("土方开挖 100% 湿法作业", "08004"),
    ("渣土车辆 100% 密闭运输", "08011"),
)


def six_items() -> tuple[ChecklistItem, ...]:
    return tuple(ChecklistItem(code=f"{i:02d}", text=text, weight=10.0, photo_required=True, category_code=cat)
                 for i, (text, cat) in enumerate(SIX, start=1))


def add_six(city: City) -> int:
    r = setup.save_template(city.rt, city.actor("admin"), setup.TemplateInput(
        code="six100", name="建筑工地六个百分之百", subject_kind="site", items=six_items()))
    return int(r["id"])


def add_site(city: City, name: str = "太行路安置房工地", seq: int = 3, community: int = 1,
             unit: str = "street", leader: str = "项目经理老陈") -> int:
    lon, lat = grid_point(community, seq)
    return setup.add_subject(city.rt, city.actor("supervisor"), setup.SubjectInput(
        kind="site", name=name, address=f"{name}东门", lon=lon, lat=lat, unit_id=city.units[unit], leader=leader))


def add_campaign(city: City, code: str = "dust-2026", name: str = "秋冬季大气污染防治攻坚") -> str:
    setup.create_campaign(city.rt, city.actor("supervisor"), CampaignInput(
        code=code, name=name, starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 31), office="攻坚专班办公室",
        lead_unit_id=city.units["street"], goal="工地扬尘六个百分之百全部达标",
        members=(Member("督查吴", "专班组长"), Member("王褚街道", "成员单位", city.units["street"])),
        area_codes=("410802001",), subject_kinds=("site", "restaurant"),
        phases=(Phase(1, "排查摸底", date(2026, 11, 1), date(2026, 11, 15), "建立工地台账"),
                Phase(2, "集中整治", date(2026, 11, 16), date(2026, 12, 15), "问题全部整改"),
                Phase(3, "巩固提升", date(2026, 12, 16), date(2026, 12, 31), "建立长效机制"))))
    return code


@pytest.fixture
def six(city: City) -> int:
    return add_six(city)
