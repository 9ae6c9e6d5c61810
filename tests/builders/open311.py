"""Builders for the Open311 tests: the categories they file under, request forms, parsing the JSON
and XML documents, and the spec's error shape."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from citysteward.catalogue import services as catalogue_services
from citysteward.open311.services import GeoReport
from citysteward.platform.runtime import Runtime
from tests.conftest import PASSWORD, City, grid_point

V2 = "/open311/v2"
MANHOLE = "BJ01002"  # 污水井盖: class 01 -> 市市政设施所
GARBAGE = "06010"  # 暴露垃圾: class 06 -> 解放区环卫中心
HAWKER = "09001"  # 无照经营游商: any other class -> 王褚街道 (the territorial default)
ATTRIBUTES = [
    {"code": "notice", "variable": False, "datatype": "string", "description": "井盖缺失请先在周边设置警示",
     "order": 0},
    {"code": "damage", "datatype": "singlevaluelist", "required": True, "description": "破损情况", "order": 1,
     "datatype_description": "选择一项",
     "values": [{"key": "missing", "name": "缺失"}, {"key": "broken", "name": "破损"},
                {"key": "loose", "name": "松动"}]},
    {"code": "hazards", "datatype": "multivaluelist", "required": False, "description": "周边隐患", "order": 2,
     "values": [{"key": "traffic", "name": "影响通行"}, {"key": "school", "name": "学校附近"},
                {"key": "night", "name": "夜间无照明"}]},
    {"code": "width_cm", "datatype": "number", "description": "井口直径（厘米）", "order": 3},
    {"code": "seen_at", "datatype": "datetime", "description": "发现时间", "order": 4},
]
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_FIELDS = ["variable", "code", "datatype", "required", "datatype_description", "order", "description"]
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]
POST_FIELDS = ["service_request_id", "token", "service_notice", "account_id"]
ISO_WITH_ZONE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")


def new_key(rt: Runtime, city: City, name: str = "数字城管 App") -> dict[str, Any]:
    return GeoReport(rt).issue_key(city.actor("admin"), name)


@contextmanager
def edited_category(rt: Runtime, city: City, code: str, **changes: Any) -> Iterator[None]:
    """Change a category for one test; categories are reference data shared by the PostgreSQL tests."""
    cat = next(c for c in catalogue_services.list_categories(rt) if c.code == code)
    original = {"active": cat.active, "attributes": [dict(a) for a in cat.attributes]}
    catalogue_services.update_category(rt, city.actor("admin"), code, changes)
    try:
        yield
    finally:
        catalogue_services.update_category(rt, city.actor("admin"), code, original)


def login(client: TestClient, username: str) -> dict[str, str]:
    """A staff bearer header (one login per user and client: argon2 is slow by design)."""
    tokens: dict[str, str] = client.__dict__.setdefault("_staff_tokens", {})
    if username not in tokens:
        r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        tokens[username] = r.json()["token"]
    return {"Authorization": f"Bearer {tokens[username]}"}


def act(client: TestClient, headers: dict[str, str], case_no: str, action: str, **body: Any) -> dict[str, Any]:
    version = client.get(f"/api/v1/cases/{case_no}", headers=headers).json()["version"]
    r = client.post(f"/api/v1/cases/{case_no}/{action}", json={"version": version, **body}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def form(api_key: str | None, code: str = MANHOLE, **extra: Any) -> dict[str, Any]:
    lon, lat = grid_point(1, 3)
    data: dict[str, Any] = {"service_code": code, "lat": str(lat), "long": str(lon),
                            "description": "人民路与塔南路交叉口污水井盖破损，车辆经过有响声"}
    if api_key is not None:
        data["api_key"] = api_key
    if code == MANHOLE:
        data["attribute[damage]"] = "broken"
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def post(client: TestClient, data: dict[str, Any], fmt: str = "json", **kw: Any) -> Any:
    return client.post(f"{V2}/requests.{fmt}", data=data, **kw)


def xml_root(response: Any, root: str) -> ET.Element:
    """A well-formed XML document with the spec's declaration, content type, root and no namespace."""
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    element = ET.fromstring(response.content)
    assert element.tag == root
    assert not any("}" in e.tag for e in element.iter()), "no namespaces"
    return element


def children(element: ET.Element) -> list[str]:
    return [c.tag for c in element]


def json_body(response: Any) -> Any:
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()


def assert_errors(response: Any, status: int, fmt: str) -> str:
    """The spec's error shape: a list of {code, description}; returns the description."""
    assert response.status_code == status, response.text
    if fmt == "json":
        body = json_body(response)
        assert isinstance(body, list) and len(body) == 1 and set(body[0]) == {"code", "description"}
        assert body[0]["code"] == status and body[0]["description"]
        return str(body[0]["description"])
    root = xml_root(response, "errors")
    assert children(root) == ["error"] and children(root[0]) == ["code", "description"]
    assert root[0].findtext("code") == str(status) and root[0].findtext("description")
    return str(root[0].findtext("description"))


def count_cases(rt: Runtime) -> int:
    with rt.uow(readonly=True) as uow:
        return uow.cases.count({})


def file_one(client: TestClient, api_key: str, code: str = MANHOLE, **extra: Any) -> str:
    r = post(client, form(api_key, code, **extra))
    assert r.status_code == 200, r.text
    return str(r.json()[0]["service_request_id"])
