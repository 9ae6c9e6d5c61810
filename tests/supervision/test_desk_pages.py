"""The supervisor's desk in the console: a case's 督办 issues a real ticket to two units (双交办), both
units get a notice and reply (with a photo) from the ticket page, the supervisor accepts, and the
ledger's counts are those of the tickets. Plus the forms' refusals and the hot-spot page."""

from __future__ import annotations

import re

from citysteward.notify import services as notify
from citysteward.supervision.services import tickets as sv
from tests.builders.cases import dispatched, report
from tests.builders.http import png
from tests.conftest import City, grid_point


def _unread(client) -> int:
    html = client.get("/console/notices/_bell").text
    return int(re.search(r'data-unread="(\d+)"', html).group(1))


def test_a_yellow_ticket_from_a_case_page_goes_round_the_desk(city: City, client_for) -> None:
    case_no = report(city)
    dispatched(city, case_no)  # to the facility unit, which hears of it at once
    facility, sanitation, supervisor = client_for("facility"), client_for("sanitation"), client_for("supervisor")
    assert _unread(facility) == 1 and _unread(sanitation) == 0
    assert "【派遣】" + case_no in facility.get("/console/notices").text

    page = supervisor.get(f"/console/cases/{case_no}").text
    assert f'href="/console/supervision/new?case={case_no}"' in page
    assert "/console/supervision/new" not in facility.get(f"/console/cases/{case_no}").text  # units do not issue
    form = supervisor.get(f"/console/supervision/new?case={case_no}").text
    assert f'value="{city.units["facility"]}" checked' in form  # the case's unit is preselected

    r = supervisor.post("/console/supervision/new", data={
        "level": "yellow", "title": "井盖破损督办", "content": "请两单位协同，48 小时内整改到位",
        "unit_ids": [str(city.units["facility"]), str(city.units["sanitation"])], "case_nos": case_no,
        "limit_hours": "48"})
    assert r.status_code == 303, r.text
    ticket_no = r.headers["location"].split("/")[-1].split("?")[0]
    assert _unread(facility) == 2 and _unread(sanitation) == 1

    r = facility.post(f"/console/supervision/tickets/{ticket_no}/act/reply",
                      data={"note": "已更换井盖"}, files={"photos": ("after.png", png(), "image/png")})
    assert r.status_code == 303, r.text
    detail = sv.ticket_detail(city.rt, ticket_no, city.actor("supervisor"))
    assert detail["state"] == "issued"  # waits for the second unit
    assert _unread(supervisor) == 1  # told of the first reply
    shown = supervisor.get(f"/console/supervision/tickets/{ticket_no}").text
    assert re.search(r'src="/api/v1/photos/\d+"', shown) and "已更换井盖" in shown
    r = sanitation.post(f"/console/supervision/tickets/{ticket_no}/act/reply", data={"note": "周边垃圾已清理"})
    assert r.status_code == 303
    r = supervisor.post(f"/console/supervision/tickets/{ticket_no}/act/accept", data={"note": "现场复核通过"})
    assert r.status_code == 303
    assert sv.ticket_detail(city.rt, ticket_no, city.actor("supervisor"))["state"] == "rectified"

    ledger = supervisor.get("/console/supervision?level=yellow").text
    assert ticket_no in ledger and re.search(r'id="ticket-total">1<', ledger)
    assert "1 张：黄色 1，已整改 1" in ledger
    by_unit = re.findall(r'<tr data-unit="(\d+)"><td><a[^>]*>[^<]*</a></td><td>(\d+)</td>', ledger)
    assert sorted(by_unit) == sorted([(str(city.units["facility"]), "1"), (str(city.units["sanitation"]), "1")])
    # the unit sees its own tickets only
    assert ticket_no in sanitation.get("/console/supervision").text
    # mark all read empties the bell
    assert facility.post("/console/notices/read-all").status_code == 303
    assert _unread(facility) == 0 and notify.unread_count(city.rt, city.actor("sanitation")) > 0


def test_the_issue_form_says_what_is_wrong_and_keeps_what_was_typed(city: City, client_for) -> None:
    supervisor = client_for("supervisor")
    r = supervisor.post("/console/supervision/new", data={"level": "white", "title": "占道经营", "content": "请整改",
                                                          "case_nos": "JZ-NOPE"})
    assert r.status_code == 422 and "请选择 1–10 个责任单位" in r.text and "占道经营" in r.text
    r = supervisor.post("/console/supervision/new", data={
        "level": "white", "title": "占道经营", "content": "请整改", "unit_ids": str(city.units["street"]),
        "case_nos": "JZ-NOPE"})
    assert r.status_code == 422 and "案件不存在：JZ-NOPE" in r.text
    r = supervisor.post("/console/supervision/new", data={
        "level": "white", "title": "占道经营", "content": "请整改", "unit_ids": str(city.units["street"]),
        "lon": "abc", "lat": "35.2"})
    assert r.status_code == 422 and "经度应为数字" in r.text
    lon, lat = grid_point(1, 2)  # a place picked on the map, no case
    r = supervisor.post("/console/supervision/new", data={
        "level": "red", "title": "占道经营", "content": "请整改", "unit_ids": str(city.units["street"]),
        "lon": str(lon), "lat": str(lat), "address": "解放路 8 号"})
    assert r.status_code == 303
    assert client_for("facility").get("/console/supervision/new").status_code == 403
    assert supervisor.get("/console/supervision?page_size=7").status_code == 422
    assert supervisor.get("/console/supervision?date_from=2026-13-01").status_code == 422


def test_a_reply_needs_words_and_a_stale_form_is_refused(city: City, client_for) -> None:
    lon, lat = grid_point(1, 2)
    no = sv.issue_ticket(city.rt, city.actor("supervisor"), sv.TicketInput(
        level="white", title="占道经营", content="请整改", unit_ids=(city.units["facility"],), lon=lon, lat=lat))["ticket_no"]
    facility = client_for("facility")
    r = facility.post(f"/console/supervision/tickets/{no}/act/reply", data={"note": ""})
    assert r.status_code == 422 and "需要填写说明" in r.text
    r = facility.post(f"/console/supervision/tickets/{no}/act/reply", data={"note": "已整改", "version": "99"})
    assert r.status_code == 409 and "刷新页面" in r.text
    assert facility.post(f"/console/supervision/tickets/{no}/act/escalate", data={}).status_code == 404
    assert client_for("sanitation").get(f"/console/supervision/tickets/{no}").status_code == 404


def test_the_hotspot_page_lists_places_and_lists_one_under_supervision(city: City, client_for, clock) -> None:
    supervisor = client_for("supervisor")
    page = supervisor.get("/console/supervision/hotspots")
    assert page.status_code == 200 and 'data-cs-desk="spots"' in page.text
    lon, lat = grid_point(1, 3)
    r = supervisor.post("/console/supervision/hotspots/list", data={
        "category_code": "01002", "lon": str(lon), "lat": str(lat), "owner_unit_id": str(city.units["facility"]),
        "measure": "更换为防盗防沉降井盖并纳入每日巡查", "address": "人民路口", "ticket_level": "white"})
    assert r.status_code == 303, r.text
    page = supervisor.get("/console/supervision/hotspots").text
    assert "更换为防盗防沉降井盖" in page and "未反弹" in page
    r = supervisor.post("/console/supervision/hotspots/list", data={
        "category_code": "01002", "lon": str(lon), "lat": str(lat), "owner_unit_id": str(city.units["facility"]),
        "measure": "重复挂牌"})
    assert r.status_code == 409 and "该点位已挂牌督办" in r.text
    r = supervisor.post("/console/supervision/hotspots/list", data={"category_code": "01002", "lon": str(lon),
                                                                      "lat": str(lat), "measure": "x"})
    assert r.status_code == 422 and "请选择牵头责任单位" in r.text
    assert "【挂牌督办】" in client_for("facility").get("/console/notices").text
