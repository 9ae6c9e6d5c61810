"""Maintenance work (养护作业): a generated month of work orders, recounted independently — every total
of the maintenance report (page, API, Word and Excel) matches the recount; 亮灯率 against the targets."""

from __future__ import annotations

import io
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from citysteward.assets.domain.maintenance import WORK_UNIT, Quantity, Totals, WorkType, report_sentence
from citysteward.assets.services import maintenance as work
from citysteward.kernel.errors import Forbidden, InvalidInput
from tests.conftest import City

TZ = ZoneInfo("Asia/Shanghai")
MONTH = "2026-10"


def _generate(city: City, roads: dict[str, int]) -> list[tuple[datetime, int, str, WorkType, float]]:
    """Thirty orders in October 2026 and a few just outside it (local time), by two units."""
    rng = random.Random(7)
    admin = city.actor("admin")
    made = []
    moments = [datetime(2026, 10, 1, 0, 0, tzinfo=TZ), datetime(2026, 10, 31, 23, 59, tzinfo=TZ),  # edges inside
               datetime(2026, 9, 30, 23, 59, tzinfo=TZ), datetime(2026, 11, 1, 0, 0, tzinfo=TZ)]  # just outside
    moments += [datetime(2026, 10, rng.randint(1, 31), rng.randint(0, 23), tzinfo=TZ) for _ in range(30)]
    types = [wt for wt in WorkType if wt is not WorkType.LED_RETROFIT]
    for i, at in enumerate(moments):
        unit = city.units["facility"] if i % 3 else city.units["sanitation"]
        kinds = rng.sample(types, rng.randint(1, 3))
        qs = [{"work_type": wt.value, "amount": rng.randint(1, 40) if wt is not WorkType.CABLE else rng.randint(10, 300)}
              for wt in kinds]
        work.record_work(city.rt, admin, work.WorkInput(title=f"作业{i}", quantities=qs, unit_id=unit,
                                                        road_id=roads["南通路"], done_at=at.astimezone(UTC)))
        made += [(at, unit, "410802", WorkType(q["work_type"]), float(q["amount"])) for q in qs]
    led = datetime(2026, 10, 12, 10, tzinfo=TZ)
    work.record_work(city.rt, admin, work.WorkInput(title="丰收路 LED 改造", unit_id=city.units["facility"],
                                                    district_code="410802", done_at=led.astimezone(UTC),
                                                    quantities=[{"work_type": "led_retrofit", "amount": 175,
                                                                 "watts_before": 250, "watts_after": 150}]))
    made.append((led, city.units["facility"], "410802", WorkType.LED_RETROFIT, 175.0))
    return made


def _recount(made, start: datetime, end: datetime, unit: int | None = None) -> dict[WorkType, float]:
    out: dict[WorkType, float] = defaultdict(float)
    for at, u, _, wt, amount in made:
        if start <= at < end and (unit is None or u == unit):
            out[wt] += amount
    return dict(out)


@pytest.fixture
def month(city: City, roads: dict[str, int], clock) -> list:
    clock.set(datetime(2026, 11, 17, 2, 0, tzinfo=UTC))
    return _generate(city, roads)


def test_every_total_of_the_month_matches_a_recount(city: City, month, client: TestClient, token) -> None:
    start, end = datetime(2026, 10, 1, tzinfo=TZ), datetime(2026, 11, 1, tzinfo=TZ)
    expected = _recount(month, start, end)
    r = client.get("/api/v1/maintenance/report", params={"month": MONTH}, headers=token("supervisor"))
    assert r.status_code == 200, r.text
    body = r.json()
    got = {WorkType(k): v["amount"] for k, v in body["totals"]["amounts"].items() if v["amount"]}
    assert got == pytest.approx(expected)
    to_date = _recount(month, datetime(2026, 1, 1, tzinfo=TZ), end)
    assert {WorkType(k): v["amount"] for k, v in body["to_date"]["amounts"].items() if v["amount"]} == to_date
    by_unit = {u["name"]: {WorkType(k): v["amount"] for k, v in u["amounts"].items() if v["amount"]}
               for u in body["by_unit"]}
    assert by_unit == {"市市政设施所": _recount(month, start, end, city.units["facility"]),
                       "解放区环卫中心": _recount(month, start, end, city.units["sanitation"])}
    assert [d["name"] for d in body["by_district"]] == ["测试区"]
    assert body["totals"]["saving_rate"] == pytest.approx(0.4)
    # the sentence reads like the seeds' paragraph, every figure the recount's
    sentence = body["sentence"]
    for wt, amount in expected.items():
        assert f"{wt.label} {amount:.0f} {WORK_UNIT[wt]}" in sentence
    assert "LED 改造节电率 40%" in sentence
    assert sentence == report_sentence(Totals(expected, 0, 175 * 250, 175 * 150))
    # the Word and Excel files carry the same figures
    docx = client.get("/api/v1/maintenance/report.docx", params={"month": MONTH}, headers=token("supervisor"))
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert sentence in text
    xlsx = client.get("/api/v1/maintenance/report.xlsx", params={"month": MONTH}, headers=token("supervisor"))
    rows = list(load_workbook(io.BytesIO(xlsx.content)).worksheets[0].iter_rows(min_row=5, values_only=True))
    assert {WorkType(next(w for w in WorkType if w.label == r[0])): r[2] for r in rows if r[2]} == expected
    # the page shows the same sentence
    page = client.get("/console/assets/maintenance", params={"month": MONTH}, headers=token("supervisor"))
    assert page.status_code == 200 and sentence in page.text


def test_a_unit_records_only_its_own_work_and_bad_quantities_are_refused(city: City, roads) -> None:
    facility = city.actor("facility")
    order = work.record_work(city.rt, facility, work.WorkInput(
        title="南通路路灯维修", quantities=[{"work_type": "lamp_repair", "amount": 3}], road_id=roads["南通路"]))
    assert order.unit_id == city.units["facility"] and order.district_code == "410802" and order.no.startswith("YH")
    with pytest.raises(Forbidden):
        work.record_work(city.rt, facility, work.WorkInput(title="x", quantities=[{"work_type": "cable", "amount": 1}],
                                                           unit_id=city.units["sanitation"]))
    with pytest.raises(Forbidden):
        work.record_work(city.rt, city.actor("hotline"), work.WorkInput(title="x", quantities=[]))
    for bad, message in (([{"work_type": "cable", "amount": 0}], "数量"), ([{"work_type": "teleport", "amount": 1}], "作业类型"),
                         ([{"work_type": "led_retrofit", "amount": 5, "watts_before": 100, "watts_after": 120}], "LED"),
                         ([], "至少"), ([{"work_type": "cable", "amount": 1}, {"work_type": "cable", "amount": 2}], "每种")):
        with pytest.raises(InvalidInput, match=message):
            work.record_work(city.rt, facility, work.WorkInput(title="x", quantities=bad))
    with pytest.raises(InvalidInput, match="晚于现在"):
        work.record_work(city.rt, facility, work.WorkInput(title="x", quantities=[{"work_type": "cable", "amount": 1}],
                                                           done_at=city.rt.now() + timedelta(days=1)))
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        work.report(city.rt, city.actor("admin"), "2026-13")


def test_lighting_rate_per_road_class_against_configurable_targets(city: City, roads: dict[str, int],
                                                                   client: TestClient, token) -> None:
    inspector = city.actor("inspector")
    checks = [(roads["站前路"], 200, 3), (roads["站前路"], 200, 5), (roads["南通路"], 100, 3)]  # 主干 / 次干
    for road_id, lamps, dark in checks:
        work.record_lighting_check(city.rt, inspector, road_id, date(2026, 11, 10), lamps, dark)
    rates = {x.road_class.value: x for x in work.lighting(city.rt, date(2026, 11, 1), date(2026, 11, 30))}
    assert rates["arterial"].rate == pytest.approx(100 * (400 - 8) / 400) and rates["arterial"].meets  # 98.0 ≥ 98
    assert rates["secondary"].rate == pytest.approx(97.0) and rates["secondary"].target == 96 and rates["secondary"].meets
    r = client.put("/api/v1/assets/settings", json={"lighting_targets": {"secondary": 97.5}}, headers=token("admin"))
    assert r.status_code == 200, r.text
    assert not {x.road_class.value: x for x in work.lighting(city.rt, date(2026, 11, 1), date(2026, 11, 30))}[
        "secondary"].meets
    bad = client.post("/api/v1/lighting-checks", json={"road_id": roads["南通路"], "checked_on": "2026-11-10",
                                                       "lamps": 10, "dark": 11}, headers=token("inspector"))
    assert bad.status_code == 422 and "不亮灯数" in bad.json()["message"]
    bad = client.put("/api/v1/assets/settings", json={"road_snap_m": 9999}, headers=token("admin"))
    assert bad.status_code == 422


def test_quantity_parse_table() -> None:
    q = Quantity.parse({"work_type": "led_retrofit", "amount": "175", "watts_before": "250", "watts_after": "150"})
    assert (q.amount, q.watts_before, q.watts_after) == (175, 250, 150)
    assert Quantity.parse({"work_type": "cable", "amount": 3, "watts_before": 1, "watts_after": 2}).watts_before is None


def test_the_monthly_bulletin_and_daily_sheet_carry_the_maintenance_section(city: City, month, clock) -> None:
    from citysteward.evaluation.papers import build
    from tests.builders.cases import report

    for day in (datetime(2026, 10, 15, 10, tzinfo=TZ), datetime(2026, 11, 1, 10, tzinfo=TZ)):
        clock.set(day.astimezone(UTC))  # a paper of nothing is refused: a case on each paper's day
        report(city)
    clock.set(datetime(2026, 11, 17, 2, 0, tzinfo=UTC))
    start, end = datetime(2026, 10, 1, tzinfo=TZ), datetime(2026, 11, 1, tzinfo=TZ)
    expected = _recount(month, start, end)
    city.rt.cache.drop()
    paper = build.monthly(city.rt, date(2026, 10, 15))
    section = next(s for s in paper.sections if s.title == "市政设施养护")
    assert {WorkType(next(w for w in WorkType if w.label == r[0])): r[2] for r in section.rows} == expected
    assert section.note.startswith(report_sentence(Totals(expected, 0, 175 * 250, 175 * 150)))
    edge = datetime(2026, 11, 1, tzinfo=TZ)  # the order done at 00:00 on 1 November belongs to that day
    daily = build.daily(city.rt, date(2026, 11, 1))
    rows = next(s for s in daily.sections if s.title == "市政设施养护").rows
    assert {r[0]: r[2] for r in rows} == {wt.label: a for wt, a in _recount(month, edge, edge + timedelta(days=1)).items()}


def test_work_orders_api_contract(city: City, roads: dict[str, int], client: TestClient, token) -> None:
    body = {"title": "南通路路灯维修", "quantities": [{"work_type": "lamp_repair", "amount": 4}],
            "road_id": roads["南通路"], "done_at": "2026-11-17T09:00:00+08:00"}
    r = client.post("/api/v1/work-orders", json=body, headers=token("facility"))
    assert r.status_code == 201, r.text
    assert r.json()["quantities"][0] == {"work_type": "lamp_repair", "label": "维修路灯", "unit": "盏次", "amount": 4.0,
                                         "watts_before": None, "watts_after": None}
    listed = client.get("/api/v1/work-orders", headers=token("facility")).json()
    assert listed["total"] == 1 and listed["items"][0]["unit_id"] == city.units["facility"]
    naive = client.post("/api/v1/work-orders", json={**body, "done_at": "2026-11-17T09:00:00"}, headers=token("facility"))
    assert naive.status_code == 422 and "时区" in naive.json()["message"]
    assert client.post("/api/v1/work-orders", json=body, headers=token("hotline")).status_code == 403
    assert client.post("/api/v1/work-orders", json=body).status_code == 401
    assert client.get("/api/v1/work-orders/999999", headers=token("facility")).status_code == 404
