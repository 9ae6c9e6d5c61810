"""Text at every edge (docs/security.md "Text input"): a control character is a 422 naming the field and
stores nothing; line breaks are stored as LF; a form body that is not valid UTF-8 is refused instead of
stored garbled — REST (JSON, multipart, urlencoded), every context's bodies, page forms and the CLI, on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from citysteward.cli import app as cli
from citysteward.platform.runtime import Runtime
from tests.builders.cases import report
from tests.builders.http import assert_error, png, stored
from tests.cases.test_rest_api import report_body
from tests.conftest import City, synthetic_city

ESC = "\x1b[31m"  # a terminal colour sequence: invisible on a page, active in a terminal showing the logs


def multipart(fields: list[tuple[str, bytes]], files: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
              boundary: str = "cs-boundary-1") -> tuple[bytes, dict[str, str]]:
    """A multipart body written byte by byte, so a field can hold bytes no client library would send."""
    out = b""
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
    for name, filename, data in files:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: image/png\r\n\r\n").encode() + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, {"content-type": f"multipart/form-data; boundary={boundary}"}


def report_fields(**changes: bytes) -> list[tuple[str, bytes]]:
    fields = {k: str(v).encode() for k, v in report_body().items()}
    fields.update(changes)
    return list(fields.items())


# ------------------------------------------------------------------ REST reports
@pytest.mark.parametrize("field", ["description", "address", "road", "reporter_name", "reporter_phone"])
def test_a_control_character_in_a_json_report_is_refused_naming_the_field(client: TestClient, rt: Runtime,
                                                                        field: str) -> None:
    before = stored(rt)
    r = client.post("/api/v1/reports", json=report_body(**{field: f"139{ESC}0000"}))
    body = assert_error(r, 422, "invalid_input")
    assert field in body["message"] and body["detail"][0] == {
        "field": field, "message": "含有不可见的控制字符，请删除后重新提交", "type": "control_character"}
    assert stored(rt) == before


def test_line_breaks_are_stored_as_newlines(client: TestClient, token: Callable[[str], dict[str, str]]) -> None:
    r = client.post("/api/v1/reports", headers=token("hotline"), json=report_body(
        description="第一行\r\n第二行\r第三行\x0b第四行", address="解放路\r\n88 号"))
    assert r.status_code == 201, r.text
    detail = client.get(f"/api/v1/cases/{r.json()['case_no']}", headers=token("acceptor")).json()
    assert detail["description"] == "第一行\n第二行\n第三行\n第四行"
    assert detail["address"] == "解放路 88 号"


@pytest.mark.parametrize("value", [
    b"\xe4\xba\x95\xe7\x9b\x96\xff\xfe",  # UTF-8, then two bytes that are no UTF-8 at all
    "井盖破损".encode("gbk"),  # a GBK client that did not say so
])
def test_a_multipart_field_that_is_not_utf8_is_refused(client: TestClient, rt: Runtime, value: bytes) -> None:
    before = stored(rt)
    content, headers = multipart(report_fields(description=value), [("photos", "a.png", png())])
    body = assert_error(client.post("/api/v1/reports", content=content, headers=headers), 422, "invalid_input")
    assert "description" in body["message"] and body["detail"] == {"field": "description"}
    assert stored(rt) == before


def test_a_multipart_field_with_a_control_character_is_refused(client: TestClient, rt: Runtime) -> None:
    before = stored(rt)
    content, headers = multipart(report_fields(reporter_name="张三\x07".encode()))
    body = assert_error(client.post("/api/v1/reports", content=content, headers=headers), 422, "invalid_input")
    assert "reporter_name" in body["message"] and "U+0007" in body["message"]
    assert stored(rt) == before


def test_a_declared_gbk_multipart_is_read_as_gbk(client: TestClient, token: Callable[[str], dict[str, str]]) -> None:
    fields = [(k, str(v).encode("gbk")) for k, v in report_body(description="井盖破损").items()]
    content, headers = multipart(fields)
    headers["content-type"] += "; charset=gbk"
    r = client.post("/api/v1/reports", content=content, headers={**headers, **token("hotline")})
    assert r.status_code == 201, r.text
    detail = client.get(f"/api/v1/cases/{r.json()['case_no']}", headers=token("acceptor")).json()
    assert detail["description"] == "井盖破损"


@pytest.mark.parametrize("body", [
    b"description=%E4%BA%95%FF",  # a percent-escape that decodes to no UTF-8
    "description=井盖".encode(),  # raw bytes: a form body must be percent-encoded
])
def test_an_urlencoded_body_that_is_not_utf8_is_refused(client: TestClient, rt: Runtime, body: bytes) -> None:
    before = stored(rt)
    fields = urlencode([(k, v) for k, v in report_body().items() if k != "description"]).encode()
    r = client.post("/api/v1/reports", content=fields + b"&" + body,
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert "description" in assert_error(r, 422, "invalid_input")["message"]
    assert stored(rt) == before


# ------------------------------------------------------------------ every context's bodies
BODIES: list[tuple[str, str, Any, str]] = [
    ("post", "/api/v1/units", {"name": f"环卫{ESC}所", "code": "x1"}, "name"),
    ("put", "/api/v1/grids/410802001001001/team", [{"name": "张\x00三", "team_role": "leader"}], "name"),
    ("patch", "/api/v1/categories/06010", {"name": "暴露垃圾\x08"}, "name"),
    ("put", "/api/v1/calendar/days", {"day": "2026-12-01", "kind": "holiday", "name": "节\x1f日"}, "name"),
    ("post", "/api/v1/rules", {"main_unit_id": 1, "road": "人民路\x7f"}, "road"),
    ("post", "/api/v1/open311/clients", {"name": f"App{ESC}"}, "name"),
    ("put", "/api/v1/notify/contacts/1", {"emails": ["a\x00@example.org"]}, "emails"),
]


@pytest.mark.parametrize(("method", "path", "payload", "field"), BODIES, ids=[b[1] for b in BODIES])
def test_every_context_refuses_control_characters_in_its_bodies(client: TestClient, rt: Runtime, token: Any,
                                                              method: str, path: str, payload: Any,
                                                              field: str) -> None:
    before = stored(rt)
    r = client.request(method.upper(), path, json=payload, headers=token("admin"))
    body = assert_error(r, 422, "invalid_input")
    assert field in body["message"] and body["detail"][0]["type"] == "control_character"
    assert stored(rt) == before


def test_supervision_bodies_refuse_control_characters(client: TestClient, city: City, token: Any) -> None:
    r = client.post("/api/v1/tickets", headers=token("supervisor"), json={
        "level": "white", "title": f"督办{ESC}", "content": "请整改", "unit_ids": [city.units["facility"]]})
    assert "title" in assert_error(r, 422, "invalid_input")["message"]
    case_no = report(city)
    r = client.post(f"/api/v1/cases/{case_no}/register", json={"version": 1, "note": "已\x1b核实"},
                    headers=token("acceptor"))
    assert "note" in assert_error(r, 422, "invalid_input")["message"]


# ------------------------------------------------------------------ page forms
def test_a_page_form_with_a_control_character_gets_a_422_page(client_for: Any, city: City, rt: Runtime) -> None:
    case_no = report(city)
    before = stored(rt)
    browser = client_for("acceptor")
    r = browser.post(f"/console/cases/{case_no}/act/register", data={"version": "1", "note": f"已核实{ESC}"})
    assert r.status_code == 422 and "text/html" in r.headers["content-type"]
    assert "note" in r.text and "U+001B" in r.text
    r = browser.post(f"/console/cases/{case_no}/act/register", content=b"version=1&note=%E5%B7%B2%FF",
                     headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422 and "UTF-8" in r.text
    assert stored(rt) == before


def test_a_page_textarea_s_line_breaks_are_stored_as_newlines(client_for: Any, city: City,
                                                              token: Any, client: TestClient) -> None:
    case_no = report(city)
    r = client_for("acceptor").post(f"/console/cases/{case_no}/act/register",
                                    data={"version": "1", "note": "现场核实\r\n属实"})
    assert r.status_code == 303, r.text
    timeline = client.get(f"/api/v1/cases/{case_no}", headers=token("acceptor")).json()["timeline"]
    assert timeline[-1]["note"] == "现场核实\n属实"


# ------------------------------------------------------------------ the command line
def test_the_cli_refuses_files_with_control_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYSTEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("CITYSTEWARD_MEDIA_DIR", str(tmp_path / "media"))
    runner = CliRunner()
    csv = tmp_path / "2027.csv"
    csv.write_text("2027-01-01,holiday,元\x1b旦\n", encoding="utf-8")
    r = runner.invoke(cli, ["import-calendar", "2027", "--csv", str(csv)])
    assert r.exit_code == 1 and "U+001B" in r.output and len(r.output.strip().splitlines()) == 1
    csv.write_bytes("2027-01-01,holiday,元旦\n".encode("gbk"))
    r = runner.invoke(cli, ["import-calendar", "2027", "--csv", str(csv)])
    assert r.exit_code == 1 and "UTF-8" in r.output
    city = synthetic_city()
    city["features"][0]["properties"]["name"] = "测试\u0007区"  # escaped in the JSON text: found after parsing
    geo = tmp_path / "city.geojson"
    geo.write_text(json.dumps(city), encoding="utf-8")
    r = runner.invoke(cli, ["import-areas", str(geo)])
    assert r.exit_code == 1 and "U+0007" in r.output and "第 1 个要素" in r.output
