"""A generated campaign month, recounted independently: every figure of the campaign report (and of its
Excel export) and the ranking with its flags is computed again here from what the generator did, not
from the stored rows."""

from __future__ import annotations

import io
import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from citysteward.campaigns.domain import AppraisalRule, ChecklistItem
from citysteward.campaigns.services import appraisal, figures, inspections, report, setup
from citysteward.cases.domain.model import Action
from citysteward.cases.services import photos
from citysteward.supervision.domain.tickets import TicketAction
from citysteward.supervision.services import tickets as ticket_service
from tests.builders.cases import act
from tests.builders.http import png
from tests.campaigns.conftest import SIX, add_campaign, add_six
from tests.conftest import City, grid_point

TOWNS = ("苏家作乡", "文苑街道", "宁郭镇", "文昌街道")
VILLAGE_ITEMS = (("清理农村生活垃圾", 30.0), ("清理村内塘沟", 30.0), ("清理畜禽养殖粪污", 20.0), ("改变不良习惯", 20.0))


def _score(outcomes: dict[str, str], weights: dict[str, float]) -> float | None:
    judged = [c for c, o in outcomes.items() if o != "na"]
    total = sum(weights[c] for c in judged)
    return round(100 * sum(weights[c] for c in judged if outcomes[c] == "pass") / total, 2) if total else None


@pytest.mark.parametrize("seed", [7])
def test_a_generated_month_is_recounted_figure_by_figure(city: City, clock, seed: int) -> None:
    rt = city.rt
    rng = random.Random(seed)
    add_six(city)
    village_t = setup.save_template(rt, city.actor("admin"), setup.TemplateInput(
        "sqyg", "村庄清洁行动三清一改", "village",
        tuple(ChecklistItem(f"{i:02d}", t, w) for i, (t, w) in enumerate(VILLAGE_ITEMS, start=1))))["id"]
    six_t = next(t["id"] for t in setup.templates(rt) if t["code"] == "six100")
    code = add_campaign(city, "rural-2026", "农村人居环境集中整治")
    sup, ins = city.actor("supervisor"), city.actor("inspector")

    subjects: dict[int, dict] = {}
    for n, town in enumerate(TOWNS):
        for v in range(2):
            unit = ("facility", "sanitation")[(n + v) % 2]
            sid = setup.add_subject(rt, sup, setup.SubjectInput(kind="village", name=f"{town}第{v + 1}村", area_name=town,
                                                                unit_id=city.units[unit]))
            subjects[sid] = {"kind": "village", "area": town, "unit": city.units[unit], "template": village_t,
                             "weights": {f"{i:02d}": w for i, (_t, w) in enumerate(VILLAGE_ITEMS, start=1)},
                             "texts": {f"{i:02d}": t for i, (t, _w) in enumerate(VILLAGE_ITEMS, start=1)}}
    for k, unit in enumerate(("facility", "sanitation", "facility")):
        lon, lat = grid_point(1 + k % 2, 3 + k)
        sid = setup.add_subject(rt, sup, setup.SubjectInput(kind="site", name=f"工地{k + 1}", lon=lon, lat=lat,
                                                            unit_id=city.units[unit]))
        subjects[sid] = {"kind": "site", "area": "410802001", "unit": city.units[unit], "template": six_t,
                         "weights": {f"{i:02d}": 10.0 for i in range(1, 7)},
                         "texts": {f"{i:02d}": t for i, (t, _c) in enumerate(SIX, start=1)}}
    setup.add_targets(rt, sup, code, list(subjects))
    photo = photos.prepare_photo(rt, png((120, 100, 80), (100, 80)))

    truth: list[dict] = []
    for day in range(1, 31):
        clock.set(datetime(2026, 11, day, 2, 0, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 300)))
        for sid in rng.sample(sorted(subjects), 2):
            s = subjects[sid]
            outcomes = {c: rng.choices(("pass", "fail", "na"), (70, 22, 8))[0] for c in s["weights"]}
            done = inspections.inspect(rt, ins, inspections.InspectionInput(
                sid, s["template"], rng.choice(("covert", "third_party")), campaign_code=code,
                results=tuple(inspections.ResultInput(c, o, photos=(photo,) if o == "fail" and s["kind"] == "site" else ())
                              for c, o in outcomes.items())))
            entry = {"subject": sid, "day": day, "outcomes": outcomes, "score": _score(outcomes, s["weights"]),
                     "problems": []}
            detail = inspections.inspection_detail(rt, done["id"])
            for r in detail["results"]:
                if r["outcome"] != "fail" or rng.random() < 0.3:
                    if r["outcome"] == "fail":
                        entry["problems"].append({"handed": None, "rectified": False})
                    continue
                if s["kind"] == "site":
                    made = inspections.to_case(rt, ins, r["id"])
                    problem = {"handed": "case", "no": made["case_no"], "rectified": False}
                    if rng.random() < 0.5:
                        unit_user = "facility" if s["unit"] == city.units["facility"] else "sanitation"
                        act(city, "acceptor", made["case_no"], Action.REGISTER)
                        act(city, "dispatcher", made["case_no"], Action.DISPATCH, unit_id=s["unit"], override_reason="工地属地")
                        act(city, unit_user, made["case_no"], Action.HANDLE, note="已整改")
                        act(city, "inspector", made["case_no"], Action.CHECK_PASS)
                        problem["rectified"] = True
                        if rng.random() < 0.5:
                            act(city, "leader", made["case_no"], Action.CLOSE)
                            problem["closed"] = True
                else:
                    level = rng.choice(("white", "yellow"))
                    made = inspections.to_ticket(rt, sup, r["id"], level)
                    problem = {"handed": "ticket", "level": level, "rectified": False}
                    if rng.random() < 0.5:
                        unit_user = "facility" if s["unit"] == city.units["facility"] else "sanitation"
                        ticket_service.ticket_action(rt, made["ticket_no"], TicketAction.REPLY, city.actor(unit_user), "已清理")
                        ticket_service.ticket_action(rt, made["ticket_no"], TicketAction.ACCEPT, sup)
                        problem["rectified"] = True
                entry["problems"].append(problem)
            truth.append(entry)

    fig = figures.campaign_figures(rt, code, date(2026, 11, 1), date(2026, 11, 30))
    # ---- the recount
    scores = [e["score"] for e in truth if e["score"] is not None]
    problems = [p for e in truth for p in e["problems"]]
    assert fig["inspections"] == len(truth) == 60
    assert fig["subjects_inspected"] == len({e["subject"] for e in truth})
    assert fig["targets_inspected"] == fig["subjects_inspected"]
    assert fig["avg_score"] == pytest.approx(sum(scores) / len(scores), abs=0.006)
    found = len(problems)
    rectified = sum(p["rectified"] for p in problems)
    assert fig["problems"] == {
        "found": found, "handed": sum(p["handed"] is not None for p in problems), "rectified": rectified,
        "to_case": sum(p["handed"] == "case" for p in problems), "to_ticket": sum(p["handed"] == "ticket" for p in problems),
        "rectify_rate": round(100 * rectified / found, 2)}
    items: dict[str, Counter] = defaultdict(Counter)
    for e in truth:
        for c, o in e["outcomes"].items():
            items[subjects[e["subject"]]["texts"][c]][o] += 1
    for row in fig["items"]:
        got = items[row["text"]]
        assert (row["pass"], row["fail"], row["na"]) == (got["pass"], got["fail"], got["na"]), row["text"]
        judged = got["pass"] + got["fail"]
        assert row["rate"] == (round(100 * got["pass"] / judged, 2) if judged else None)
    assert len(fig["items"]) == len(items)
    tickets = [p for p in problems if p["handed"] == "ticket"]
    for lv in fig["tickets"]["by_level"]:
        mine = [p for p in tickets if p["level"] == lv["level"]]
        assert (lv["count"], lv["rectified"]) == (len(mine), sum(p["rectified"] for p in mine))
    cases = [p for p in problems if p["handed"] == "case"]
    assert fig["cases"]["total"] == len(cases) and fig["cases"]["closed"] == sum(bool(p.get("closed")) for p in cases)
    by_area: dict[str, list] = defaultdict(list)
    by_unit: dict[int, list] = defaultdict(list)
    for e in truth:
        by_area[subjects[e["subject"]]["area"]].append(e)
        by_unit[subjects[e["subject"]]["unit"]].append(e)
    for row in fig["by_area"]:
        es = by_area[row["key"]]
        sc = [e["score"] for e in es if e["score"] is not None]
        assert row["inspections"] == len(es)
        assert row["avg_score"] == pytest.approx(sum(sc) / len(sc), abs=0.006)
        assert row["found"] == sum(len(e["problems"]) for e in es)
        assert row["rectified"] == sum(p["rectified"] for e in es for p in e["problems"])
    assert {r["key"] for r in fig["by_area"]} == set(by_area)
    assert {int(r["key"]) for r in fig["by_unit"]} == set(by_unit)

    # ---- the Excel export carries the same figures
    wb = load_workbook(io.BytesIO(report.xlsx(rt, code, date(2026, 11, 1), date(2026, 11, 30))))
    cells = {r[0]: r[1] for r in wb.active.iter_rows(values_only=True) if r and r[0]}
    assert cells["检查次数"] == len(truth) and cells["发现问题"] == found and cells["已销号"] == rectified
    assert cells["整改率"] == f"{100 * rectified / found:.2f}%"

    # ---- the ranking of towns: mean inspection score, top 2 red, bottom 2 blue
    rule = AppraisalRule(inspection_weight=100, case_weight=0, top=2, bottom=2, scheme="red_blue", min_inspections=1)
    ranked = appraisal.compute(rt, "area", date(2026, 11, 1), date(2026, 11, 30), rule, code)
    village_areas = {a: es for a, es in by_area.items() if a in TOWNS}
    means = {a: round(sum(e["score"] for e in es if e["score"] is not None)
                      / len([e for e in es if e["score"] is not None]), 2) for a, es in village_areas.items()}
    means["410802001"] = round(sum(e["score"] for e in by_area["410802001"] if e["score"] is not None)
                               / len([e for e in by_area["410802001"] if e["score"] is not None]), 2)
    order = sorted(means, key=lambda a: (-means[a], next(r["name"] for r in ranked["rows"] if r["subject"] == a)))
    assert [r["subject"] for r in ranked["rows"]] == order
    for r in ranked["rows"]:
        assert r["total"] == means[r["subject"]]
    flags = {r["subject"]: r["flag_label"] for r in ranked["rows"]}
    assert [flags[a] for a in order] == ["红旗", "红旗", "", "蓝旗", "蓝旗"]
    assert "前 2 名授红旗" in ranked["rows"][0]["reason"] and "后 2 名授蓝旗" in ranked["rows"][-1]["reason"]

    aid = appraisal.publish(rt, sup, "11 月评比", "area", date(2026, 11, 1), date(2026, 11, 30), rule, code)
    [published] = appraisal.history(rt, code)
    assert published["id"] == aid and [r["flag_label"] for r in published["rows"]] == ["红旗", "红旗", "", "蓝旗", "蓝旗"]
    assert "前 2 名授红旗" in published["rule_text"]
