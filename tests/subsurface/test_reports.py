"""The survey report (Word and Excel) built from raw records, every figure recounted independently from
the records this test wrote."""

from __future__ import annotations

import io
import random
from collections import Counter

from docx import Document
from openpyxl import load_workbook

from citysteward.subsurface import papers
from citysteward.subsurface import services as ss
from tests.conftest import City

TYPES = ["cavity", "void", "loose_severe", "loose_general", "water_rich"]
LABELS = {"cavity": "空洞", "void": "脱空", "loose_severe": "严重疏松体", "loose_general": "一般疏松体", "water_rich": "富水体"}
ROADS = {"人民路": 7.25, "解放路": 5.5, "塔南路": 4.75}


def test_survey_report_recounts(city: City, clock) -> None:
    rt, who = city.rt, city.actor("facility")
    ss.set_rules(rt, city.actor("admin"), {"deadline_days": [{"type": "*", "grade": "Ⅳ", "days": 5}]})
    survey_id = ss.create_survey(rt, who, {"name": "探测", "started_on": "2026-04-01",
                                           "roads": [{"road": r, "length_km": km} for r, km in ROADS.items()]})["id"]
    rng = random.Random(13)
    raw = []
    for i in range(24):
        road, kind, grade = rng.choice(list(ROADS)), rng.choice(TYPES), rng.choice(["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"])
        fate = rng.choice(["none", "treated", "late"]) if grade == "Ⅳ" else rng.choice(["none", "treated"])
        code = ss.record_defect(rt, who, {"survey_id": survey_id, "road": road, "chainage_m": i * 100, "type": kind,
                                          "grade": grade})["code"]
        raw.append({"road": road, "type": kind, "grade": grade, "fate": fate, "code": code})
        if fate != "none":
            ss.defect_action(rt, who, code, "confirm")
            ss.start_treatment(rt, who, code, {"method": "grouting", "unit_id": city.units["facility"]})
            if fate == "treated":
                ss.complete_treatment(rt, who, code, {"grout_m3": 3})
    clock.advance(days=6)  # every open grade-Ⅳ grouting is now past its 5-day deadline
    # independent tallies from the raw records
    by_type = Counter(r["type"] for r in raw)
    treated = sum(r["fate"] == "treated" for r in raw)
    late = sum(r["fate"] == "late" for r in raw)
    per_road = {road: Counter(r["type"] for r in raw if r["road"] == road) for road in ROADS}

    _, content, _ = papers.render(rt, papers.survey_paper(rt, who), "xlsx")
    book = load_workbook(io.BytesIO(content))
    figures = {r[0]: r[1] for r in book["概况"].iter_rows(values_only=True) if r and r[0] and len(r) > 1}
    assert figures["探测道路（条）"] == len(ROADS)
    assert figures["车道里程（公里）"] == sum(ROADS.values())
    assert figures["病害总数（处）"] == len(raw)
    for t in TYPES:
        assert figures[f"{LABELS[t]}（处）"] == by_type[t]
    assert figures["疏松合计（处）"] == by_type["loose_severe"] + by_type["loose_general"]
    assert figures["已治理（处）"] == treated and figures["处置逾期（处）"] == late
    rows = [r for r in book["分道路统计"].iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[0] == "道路")
    table = {r[0]: dict(zip(header, r, strict=False)) for r in rows[rows.index(header) + 1:] if r and r[0]}
    for road, km in ROADS.items():
        line = table[road]
        assert line["里程（公里）"] == km and line["病害"] == sum(per_road[road].values())
        for t in TYPES:
            assert line[LABELS[t]] == per_road[road][t]
        assert line["已治理"] == sum(r["fate"] == "treated" for r in raw if r["road"] == road)
        assert line["逾期"] == sum(r["fate"] == "late" for r in raw if r["road"] == road)
        for g in ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"]:
            assert line[f"{g}级"] == sum(r["grade"] == g for r in raw if r["road"] == road)

    _, content, _ = papers.render(rt, papers.survey_paper(rt, who), "docx")
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"发现地下病害 {len(raw)} 处" in text and f"空洞 {by_type['cavity']} 处、脱空 {by_type['void']} 处" in text
    assert f"已完成治理（注浆加固、开挖回填）{treated} 处；处置逾期 {late} 处" in text
    cells = {doc.tables[0].cell(i, j).text: doc.tables[0].cell(i, j + 1).text
             for i in range(len(doc.tables[0].rows)) for j in (0, 2)}
    assert cells["病害总数（处）"] == str(len(raw)) and cells["已治理（处）"] == str(treated)
