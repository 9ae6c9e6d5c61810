"""Open311 discovery and services: documents in JSON and XML shaped as the spec's examples, one service
per active category with its extra questions, unknown services and jurisdictions, API keys issued and
revoked by the administrator."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from citysteward.catalogue import services as catalogue_services
from citysteward.platform.runtime import Runtime
from tests.builders.open311 import (
    ATTRIBUTE_FIELDS,
    HAWKER,
    MANHOLE,
    SERVICE_FIELDS,
    V2,
    assert_errors,
    children,
    count_cases,
    edited_category,
    file_one,
    form,
    json_body,
    login,
    post,
    xml_root,
)
from tests.conftest import City


# ------------------------------------------------------------------ discovery and services
def test_discovery_in_both_formats(client: TestClient) -> None:
    body = json_body(client.get(f"{V2}/discovery.json"))
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2" and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml_root(client.get(f"{V2}/discovery.xml"), "discovery")
    assert children(root) == ["changeset", "contact", "key_service", "endpoints"]
    ep = root.find("endpoints/endpoint")
    assert ep is not None and children(ep) == ["specification", "url", "changeset", "type", "formats"]
    assert [f.text for f in ep.findall("formats/format")] == ["text/xml", "application/json"]


def test_service_list_has_one_service_per_active_category(client: TestClient, rt: Runtime, city: City) -> None:
    with edited_category(rt, city, HAWKER, active=False):
        check_service_list(client, rt)


def check_service_list(client: TestClient, rt: Runtime) -> None:
    active = [c for c in catalogue_services.list_categories(rt) if c.active]
    services = json_body(client.get(f"{V2}/services.json"))
    assert [s["service_code"] for s in services] == sorted(c.code for c in active)
    assert HAWKER not in {s["service_code"] for s in services}
    manhole = next(s for s in services if s["service_code"] == MANHOLE)
    assert list(manhole) == SERVICE_FIELDS
    assert manhole["service_name"] == "污水井盖" and manhole["group"] == "市政公用设施"
    assert manhole["metadata"] is False and manhole["type"] == "realtime"
    assert "井盖" in manhole["keywords"].split(",")
    root = xml_root(client.get(f"{V2}/services.xml"), "services")
    assert len(root) == len(services) and {e.tag for e in root} == {"service"}
    xml_manhole = next(e for e in root if e.findtext("service_code") == MANHOLE)
    assert children(xml_manhole) == SERVICE_FIELDS
    assert xml_manhole.findtext("group") == "市政公用设施" and xml_manhole.findtext("metadata") == "false"


def test_service_definition_lists_the_extra_questions(client: TestClient, manhole_attributes: None) -> None:
    services = json_body(client.get(f"{V2}/services.json"))
    assert next(s for s in services if s["service_code"] == MANHOLE)["metadata"] is True
    body = json_body(client.get(f"{V2}/services/{MANHOLE}.json", params={"jurisdiction_id": "jz"}))
    assert body["service_code"] == MANHOLE
    assert [a["code"] for a in body["attributes"]] == ["notice", "damage", "hazards", "width_cm", "seen_at"]
    damage = body["attributes"][1]
    assert damage == {"variable": True, "code": "damage", "datatype": "singlevaluelist", "required": True,
                      "datatype_description": "选择一项", "order": 1, "description": "破损情况",
                      "values": [{"key": "missing", "name": "缺失"}, {"key": "broken", "name": "破损"},
                                 {"key": "loose", "name": "松动"}]}
    assert body["attributes"][0]["variable"] is False and "values" not in body["attributes"][3]
    root = xml_root(client.get(f"{V2}/services/{MANHOLE}.xml"), "service_definition")
    assert children(root) == ["service_code", "attributes"]
    xml_attrs = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in xml_attrs] == ["notice", "damage", "hazards", "width_cm", "seen_at"]
    assert children(xml_attrs[1]) == [*ATTRIBUTE_FIELDS, "values"]
    values = [(v.findtext("key"), v.findtext("name")) for v in xml_attrs[1].findall("values/value")]
    assert values == [("missing", "缺失"), ("broken", "破损"), ("loose", "松动")]
    assert xml_attrs[1].findtext("required") == "true"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_and_jurisdiction_are_404(client: TestClient, fmt: str) -> None:
    assert "NOPE" in assert_errors(client.get(f"{V2}/services/NOPE.{fmt}"), 404, fmt)
    assert_errors(client.get(f"{V2}/services.{fmt}", params={"jurisdiction_id": "springfield"}), 404, fmt)
    assert_errors(client.get(f"{V2}/requests/JZ20000101-99999.{fmt}"), 404, fmt)
    assert_errors(client.get(f"{V2}/tokens/nope.{fmt}"), 404, fmt)
    assert_errors(client.get(f"{V2}/no-such-thing.{fmt}"), 404, fmt)
    assert client.get(f"{V2}/services.{fmt}", params={"jurisdiction_id": "JZ"}).status_code == 200


# ------------------------------------------------------------------ keys
def test_admin_issues_lists_and_revokes_keys(client: TestClient, rt: Runtime) -> None:
    staff = login(client, "dispatcher")
    assert client.post("/api/v1/open311/clients", json={"name": "x"}, headers=staff).status_code == 403
    assert client.get("/api/v1/open311/clients").status_code == 401
    headers = login(client, "admin")
    r = client.post("/api/v1/open311/clients", json={"name": "市民通 App"}, headers=headers)
    assert r.status_code == 201, r.text
    issued = r.json()
    key = issued["api_key"]
    assert key.startswith("cs311_") and issued["key_prefix"] == key[:12] and issued["active"] is True
    listed = client.get("/api/v1/open311/clients", headers=headers).json()
    assert [(c["name"], c["key_prefix"], c["active"]) for c in listed] == [("市民通 App", key[:12], True)]
    assert key not in r.text.replace(key, "", 1) and key not in str(listed)
    case_no = file_one(client, key)
    r = client.post(f"/api/v1/open311/clients/{issued['id']}/revoke", headers=headers)
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["revoked_at"]
    assert "吊销" in assert_errors(post(client, form(key)), 403, "json")
    assert count_cases(rt) == 1
    assert client.post("/api/v1/open311/clients/999/revoke", headers=headers).status_code == 404
    audit = client.get("/api/v1/audit", params={"entity": "api_client"}, headers=headers).json()
    assert [a["action"] for a in audit] == ["revoke", "create"] and all(a["actor_name"] == "管理员" for a in audit)
    assert key not in str(audit)
    with rt.uow(readonly=True) as uow:
        case = uow.cases.get(case_no)
    assert case is not None and case.client_id == issued["id"]
