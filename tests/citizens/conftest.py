"""Fixtures of the citizens tests: the development SMS gateway, kept to read the codes it sent."""

from __future__ import annotations

import re

import pytest

from citysteward.cases.services import intake
from citysteward.citizens.sms import LogGateway
from citysteward.platform.runtime import Runtime
from tests.conftest import City, grid_point


@pytest.fixture
def sms(rt: Runtime) -> LogGateway:
    return rt.singleton("sms_gateway", LogGateway)


def last_code(sms: LogGateway, phone: str) -> str:
    texts = [text for to, text in sms.sent if to == phone]
    match = re.search(r"验证码是 (\d{6})", texts[-1])
    assert match, texts
    return match.group(1)


def report(city: City, phone: str, text: str = "人民路井盖丢了，有个大洞", category: str = "01023",
           where: tuple[float, float] | None = None, who: str = "hotline") -> str:
    lon, lat = where or grid_point(1, 3)
    data = intake.ReportInput(category_code=category, description=text, lon=lon, lat=lat, address="人民路",
                              reporter_name="市民", reporter_phone=phone)
    return intake.report_case(city.rt, data, city.actor(who)).case_no
