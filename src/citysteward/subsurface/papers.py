"""The survey report (探测与治理情况报告) as Word and Excel, drawn by evaluation's paper renderers from
the same dashboard the page shows, so every figure on paper is the figure on screen."""

from __future__ import annotations

from typing import Any

from citysteward.evaluation.papers import docx as paper_docx
from citysteward.evaluation.papers import xlsx as paper_xlsx
from citysteward.evaluation.papers.model import Chart, Paper, Section
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import InvalidInput
from citysteward.platform.runtime import Runtime
from citysteward.subsurface import services
from citysteward.subsurface.domain import DefectType

MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def survey_paper(rt: Runtime, actor: Actor, survey_id: int | None = None) -> Paper:
    board = services.dashboard(rt, actor, survey_id)
    total = board["total"]
    types = [t for t in DefectType]
    grades = [g["grade"] for g in board["grades"]]
    by_type = total["by_type"]
    loose = by_type["loose_severe"] + by_type["loose_general"]
    lead = [
        f"共探测道路 {board['road_count']} 条，车道里程 {total['km']:g} 公里，发现地下病害 {total['total']} 处：",
        f"空洞 {by_type['cavity']} 处、脱空 {by_type['void']} 处、疏松 {loose} 处"
        f"（严重 {by_type['loose_severe']}、一般 {by_type['loose_general']}）、富水体 {by_type['water_rich']} 处。",
        f"已完成治理（注浆加固、开挖回填）{total['treated']} 处；处置逾期 {total['overdue']} 处。",
    ]
    figures: list[tuple[str, Any]] = [("探测道路（条）", board["road_count"]), ("车道里程（公里）", total["km"]),
                                      ("病害总数（处）", total["total"])]
    figures += [(f"{t.label}（处）", by_type[t.value]) for t in types]
    figures += [("疏松合计（处）", loose), ("已治理（处）", total["treated"]), ("处置逾期（处）", total["overdue"])]
    roads = [[r["road"], r["km"], r["total"], *(r["by_type"][t.value] for t in types),
              *(r["by_grade"][g] for g in grades), r["treated"], r["overdue"]] for r in board["roads"]]
    columns = ["道路", "里程（公里）", "病害", *(t.label for t in types), *(f"{g}级" for g in grades), "已治理", "逾期"]
    grade_rows = [[f"{g}级", total["by_grade"][g]] for g in grades]
    return Paper(
        kind="survey", title="道路地下病害体探测与治理情况", period_label="截至 " +
        f"{rt.now().astimezone(rt.settings.tz):%Y年%m月%d日}", generated_at=rt.now(), lead=lead, figures=figures,
        sections=[Section("分道路统计", columns, roads),
                  Section("按风险等级统计", ["风险等级", "病害（处）"], grade_rows,
                          note="风险等级表及其方向按本地配置（由重到轻排列）。")],
        charts=[Chart("病害类型", [t.label for t in types], [("病害（处）", [float(by_type[t.value]) for t in types])])],
        filename="survey")


def render(rt: Runtime, paper: Paper, fmt: str) -> tuple[str, bytes, str]:
    if fmt not in MEDIA:
        raise InvalidInput("报告格式只能是 docx 或 xlsx", {"field": "format"})
    renderer = paper_docx.render if fmt == "docx" else paper_xlsx.render
    return f"{paper.filename}.{fmt}", renderer(paper, rt.settings.tz), MEDIA[fmt]
