"""The subsurface pages and API over a real app: dashboard, defect page, forms, errors, reports."""

from __future__ import annotations

import io

from docx import Document
from openpyxl import load_workbook

from citysteward.subsurface import services as ss
from tests.builders.http import assert_error
from tests.conftest import City


def test_dashboard_defect_page_forms_and_report(city: City, client_for, token, client) -> None:
    rt = city.rt
    survey = ss.create_survey(rt, city.actor("admin"), {"name": "主干道探测", "started_on": "2026-04-01",
                                                        "roads": [{"road": "人民路", "length_km": 6.5}]})
    web = client_for("facility")
    r = web.post("/console/subsurface/defects", data={"survey_id": str(survey["id"]), "road": "人民路",
                                                       "chainage_m": "300", "type": "void", "grade": "Ⅱ"})
    assert r.status_code == 303
    code = r.headers["location"].split("/")[-1].split("?")[0]
    page = web.get(f"/console/subsurface/defects/{code}")
    assert page.status_code == 200 and "脱空" in page.text and "K0+300" in page.text
    r = web.post(f"/console/subsurface/defects/{code}/resurvey", data={"type": "cavity", "grade": "Ⅳ"})
    assert r.status_code == 303
    assert "脱空 → 空洞" in web.get(f"/console/subsurface/defects/{code}").text
    bad = web.post("/console/subsurface/defects", data={"survey_id": str(survey["id"]), "road": "人民路",
                                                         "chainage_m": "300", "type": "void", "grade": "Ⅸ"})
    assert bad.status_code == 422 and "风险等级只能是" in bad.text
    board = web.get("/console/subsurface")
    assert board.status_code == 200 and 'id="n-cavity">1<' in board.text
    assert web.get("/console/subsurface/defect-map.js").status_code == 200
    assert client_for("hotline").get("/console/subsurface").status_code == 200  # reading is open to staff
    # API: map, 4xx with the one error body, reports
    headers = token("facility")
    fc = client.get("/api/v1/subsurface/map", headers=headers).json()
    assert fc["features"] == [] and fc["legend"][0]["grade"] == "Ⅳ"  # located by chainage only
    assert_error(client.post("/api/v1/subsurface/defects", headers=headers, json={
        "survey_id": 999, "road": "人民路", "chainage_m": 1, "type": "void", "grade": "Ⅱ"}), 422, "invalid_input")
    assert_error(client.get("/api/v1/subsurface/defects/NOPE", headers=headers), 404, "not_found")
    assert_error(client.post(f"/api/v1/subsurface/defects/{code}/actions/close", headers=headers, json={}), 409,
                 "illegal_transition")
    xlsx = client.get("/api/v1/subsurface/report.xlsx", headers=headers)
    assert xlsx.status_code == 200
    figures = {r[0]: r[1] for r in load_workbook(io.BytesIO(xlsx.content))["概况"].iter_rows(values_only=True)
               if r and r[0]}
    assert figures["空洞（处）"] == 1 and figures["车道里程（公里）"] == 6.5
    doc = Document(io.BytesIO(client.get("/api/v1/subsurface/report.docx", headers=headers).content))
    assert any("空洞 1 处" in p.text for p in doc.paragraphs)


def test_a_photo_is_attached_to_the_defect(city: City, client_for) -> None:
    from PIL import Image

    survey = ss.create_survey(city.rt, city.actor("admin"), {"name": "探测", "started_on": "2026-04-01",
                                                             "roads": [{"road": "人民路", "length_km": 1}]})
    code = ss.record_defect(city.rt, city.actor("facility"), {"survey_id": survey["id"], "road": "人民路",
                                                              "chainage_m": 5, "type": "cavity", "grade": "Ⅳ"})["code"]
    web = client_for("facility")
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    r = web.post(f"/console/subsurface/defects/{code}/photo", files={"photo": ("hole.png", buf.getvalue(), "image/png")})
    assert r.status_code == 303
    (photo,) = ss.defect_detail(city.rt, city.actor("facility"), code)["photos"]
    got = web.get(photo["url"])
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    bad = web.post(f"/console/subsurface/defects/{code}/photo", files={"photo": ("x.png", b"not an image", "image/png")})
    assert bad.status_code == 415 and len(ss.defect_detail(city.rt, city.actor("facility"), code)["photos"]) == 1


def test_a_survey_from_the_form(city: City, client_for) -> None:
    web = client_for("facility")
    r = web.post("/console/subsurface/surveys", data={"name": "次干道探测", "method": "vehicle_radar",
                                                      "started_on": "2026-05-01", "roads": "人民路 6.5\n丰收路 K0-K2 2.25"})
    assert r.status_code == 303
    (survey,) = ss.list_surveys(city.rt, city.actor("facility"))
    assert (survey["roads"], survey["km"]) == (2, 8.75)
    bad = web.post("/console/subsurface/surveys", data={"name": "x", "started_on": "2026-05-01", "roads": "人民路 很长"})
    assert bad.status_code == 422 and "第 1 行" in bad.text
