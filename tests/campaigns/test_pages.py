"""Console and phone pages of the campaigns context, through the app (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

from citysteward.campaigns.services import setup
from tests.builders.http import png
from tests.campaigns.conftest import add_campaign, add_site
from tests.conftest import City


def test_an_admin_adds_a_template_from_the_page_and_a_bad_one_is_refused(client_for, city: City) -> None:
    admin = client_for("admin")
    page = admin.get("/console/campaigns/templates")
    assert page.status_code == 200 and "新建模板" in page.text
    r = admin.post("/console/campaigns/templates", data={
        "code": "mqwb-b", "name": "门前五包（B 式）", "subject_kind": "shop",
        "items": "包卫生 | 20 | 照片 | | | 06010\n包秩序 | 20\n包绿化\n包设施 | 20\n包文明 | 20\n公益广告 | 5 | | 5 | 处/100 m"})
    assert r.status_code == 303, r.text
    shown = admin.get(r.headers["location"])
    assert "已保存为第 1 版" in shown.text and "≥ 5 处/100 m" in shown.text
    [made] = [t for t in setup.templates(city.rt) if t["code"] == "mqwb-b"]
    template = setup.template(city.rt, made["id"])
    assert [i.text for i in template.items][:2] == ["包卫生", "包秩序"]
    assert template.items[0].photo_required and template.items[0].category_code == "06010"
    assert template.items[2].weight == 10.0 and template.items[5].count_min == 5

    bad = admin.post("/console/campaigns/templates", data={"code": "x", "name": "坏模板", "subject_kind": "shop",
                                                            "items": "包卫生 | 很多"})
    assert bad.status_code == 422 and "不是数字" in bad.text
    sup = client_for("supervisor")
    refused = sup.post("/console/campaigns/templates", data={"code": "y", "name": "y", "subject_kind": "shop",
                                                             "items": "a"})
    assert refused.status_code == 403


def test_the_console_lists_campaigns_and_creates_one(client_for, city: City) -> None:
    sup = client_for("supervisor")
    r = sup.post("/console/campaigns", data={
        "code": "qjjy", "name": "清洁家园行动", "office": "市清洁家园行动专班办公室", "starts_on": "2026-07-01",
        "ends_on": "2026-12-31", "subject_kinds": ["point", "shop"], "area_codes": ["410802001"],
        "phases": "集中清理 | 2026-07-01 | 2026-09-07 | 清理存量垃圾\n提质升级 | 2026-09-08 | 2026-12-31 | 顽疾挂牌督办",
        "members": "市城管局 | 牵头\n解放区 | 成员"})
    assert r.status_code == 303, r.text
    page = sup.get(r.headers["location"])
    assert page.status_code == 200 and "提质升级" in page.text and "每日调度" in page.text
    assert "范围：王褚街道" in page.text and "市城管局（牵头）" in page.text
    listing = sup.get("/console/campaigns")
    assert "清洁家园行动" in listing.text and "测评点位、沿街商铺" in listing.text
    bad = sup.post("/console/campaigns", data={"code": "b", "name": "b", "starts_on": "2026-13-01", "ends_on": ""})
    assert bad.status_code == 422 and "日期格式" in bad.text
    assert client_for("hotline").get("/console/campaigns/c/qjjy").status_code == 200  # reading is open to staff
    assert sup.get("/console/campaigns/c/nope").status_code == 404


def test_the_phone_page_inspects_and_hands_a_failure_over(client_for, city: City, six: int) -> None:
    add_campaign(city)
    site = add_site(city)
    phone = client_for("inspector")
    near = phone.get("/m/campaigns", params={"lon": "113.2055", "lat": "35.2250", "campaign": "dust-2026"})
    assert near.status_code == 200 and "太行路安置房工地" in near.text
    form = phone.get(f"/m/campaigns/inspect/{site}?campaign=dust-2026")
    assert "物料堆放 100% 覆盖" in form.text
    data = {"template_id": str(six), "campaign": "dust-2026", "round_kind": "covert",
            **{f"o_{i:02d}": "pass" for i in range(1, 7)}, "o_02": "fail", "note_02": "裸土未覆盖"}
    refused = phone.post(f"/m/campaigns/inspect/{site}", data=data)
    assert refused.status_code == 422 and "须附现场照片" in refused.text
    done = phone.post(f"/m/campaigns/inspect/{site}", data=data,
                      files={"p_02": ("a.png", png((10, 90, 10), (120, 90)), "image/png")})
    assert done.status_code == 303
    result = phone.get(done.headers["location"])
    assert "83.33" in result.text and "转为案件" in result.text
    rid = re.search(r'action="/m/campaigns/results/(\d+)/case"', result.text).group(1)  # type: ignore[union-attr]
    iid = done.headers["location"].rsplit("/", 1)[1]
    made = phone.post(f"/m/campaigns/results/{rid}/case", data={"inspection_id": iid})
    assert made.status_code == 200 and re.search(r"已上报案件 JZ20261117-\d{5}", made.text)
    again = phone.post(f"/m/campaigns/results/{rid}/case", data={"inspection_id": iid})
    assert again.status_code == 409
    assert client_for("hotline").get("/m/campaigns").status_code == 403


def test_reports_download_and_appraisals_publish_from_the_pages(client_for, city: City, six: int) -> None:
    import io

    from docx import Document
    from openpyxl import load_workbook

    from citysteward.campaigns.services import inspections

    add_campaign(city)
    site = add_site(city)
    inspections.inspect(city.rt, city.actor("inspector"), inspections.InspectionInput(
        site, six, "covert", tuple(inspections.ResultInput(f"{i:02d}", "pass") for i in range(1, 7)),
        campaign_code="dust-2026"))
    sup = client_for("supervisor")
    x = sup.get("/console/campaigns/c/dust-2026/report.xlsx")
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    cells = {r[0]: r[1] for r in load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True) if r and r[0]}
    assert cells["检查次数"] == 1 and cells["平均得分"] == "100.00"
    d = sup.get("/console/campaigns/c/dust-2026/report.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(d.content)).paragraphs)
    assert "秋冬季大气污染防治攻坚进展报告" in text
    assert sup.get("/console/campaigns/c/dust-2026/report.pdf").status_code == 422

    q = {"campaign": "dust-2026", "scope": "unit", "date_from": "2026-11-01", "date_to": "2026-11-30",
         "case_weight": "0", "top": "1", "bottom": "0"}
    preview = sup.get("/console/campaigns/appraisals", params=q)
    assert preview.status_code == 200 and "王褚街道" in preview.text and "红旗" in preview.text
    r = sup.post("/console/campaigns/appraisals", data={**q, "title": "11 月工地扬尘评比"})
    assert r.status_code == 303
    assert "11 月工地扬尘评比" in sup.get(r.headers["location"]).text
    bad = sup.post("/console/campaigns/appraisals", data={**q, "title": ""})
    assert bad.status_code == 422 and "评比名称" in bad.text
    assert client_for("inspector").post("/console/campaigns/appraisals", data={**q, "title": "x"}).status_code == 403
    tasks_page = sup.get("/console/campaigns/tasks?month=2026-11")
    assert tasks_page.status_code == 200 and "月度调度" in tasks_page.text
    r = sup.post("/console/campaigns/tasks", data={
        "year": "2026", "level": "provincial", "seq": "1", "name": "农村公路改造", "owner_unit_id": str(city.units["street"]),
        "milestones": "完成设计 | 2026-05-31\n全部完工 | 2026-12-20"})
    assert r.status_code == 303
    ledger = sup.get("/console/campaigns/tasks?month=2026-11").text
    assert "农村公路改造" in ledger and "逾期" in ledger and "逾期未完成节点 1 个" in ledger
    bad = sup.post("/console/campaigns/tasks", data={"year": "2026", "level": "x", "name": "y"})
    assert bad.status_code == 422 and "任务级别" in bad.text


def test_targets_and_tickets_join_a_campaign_from_its_page(client_for, city: City) -> None:
    from citysteward.supervision.services import tickets as ticket_service
    from tests.conftest import grid_point

    add_campaign(city)
    add_site(city)
    add_site(city, "另一工地", seq=5)
    lon, lat = grid_point(1, 3)
    for title in ("清洁家园：甲处", "清洁家园：乙处", "其他：丙处"):
        ticket_service.issue_ticket(city.rt, city.actor("supervisor"), ticket_service.TicketInput(
            level="white", title=title, content="请整改", unit_ids=(city.units["sanitation"],), lon=lon, lat=lat))
    sup = client_for("supervisor")
    r = sup.post("/console/campaigns/c/dust-2026/targets", data={"kind": ["site", "village"]})
    assert r.status_code == 303 and "已加入目标清单 2 个" in sup.get(r.headers["location"]).text
    r = sup.post("/console/campaigns/c/dust-2026/tickets", data={"title_prefix": "清洁家园："})
    page = sup.get(r.headers["location"]).text
    assert "已关联督导单 2 张" in page
    assert sup.post("/console/campaigns/c/dust-2026/tickets", data={"ticket_nos": "NOPE"}).status_code == 404
    assert sup.post("/console/campaigns/c/dust-2026/targets", data={"kind": "ufo"}).status_code == 422
    assert client_for("inspector").post("/console/campaigns/c/dust-2026/targets",
                                        data={"kind": "site"}).status_code == 403
