"""The after-action report (防汛工作总结) of one event or a whole season, as Word and Excel, drawn by
evaluation's paper renderers from the figures the command page shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from citysteward.evaluation.papers import docx as paper_docx
from citysteward.evaluation.papers import xlsx as paper_xlsx
from citysteward.evaluation.papers.model import Chart, Paper, Section
from citysteward.flood import services
from citysteward.flood.domain import Figures, WarningColour
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import InvalidInput
from citysteward.platform.runtime import Runtime

MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _common(figs: Figures) -> tuple[list[tuple[str, Any]], list[Section], list[Chart]]:
    figures: list[tuple[str, Any]] = [
        ("发布预警（次）", figs.warnings), ("出动防汛人员（人次）", figs.person_times),
        ("出动设备（台次）", figs.equipment_times), ("其中车辆（台次）", figs.vehicle_times),
        ("其中水泵（台次）", figs.pump_times), ("积水点位（个）", figs.points_observed),
        ("已消除积水点位（个）", figs.points_cleared), ("涉雨案件（件）", figs.cases)]
    colours = [[c.label, figs.warnings_by_colour[c.value]] for c in WarningColour]
    sections = [Section("预警发布", ["预警", "次数"], colours),
                Section("涉雨案件分类", ["案件类别", "件数"], [[name, n] for name, n in figs.cases_by_type])]
    charts = [Chart("涉雨案件分类", [n for n, _ in figs.cases_by_type[:10]],
                    [("件数", [float(v) for _, v in figs.cases_by_type[:10]])])] if figs.cases_by_type else []
    return figures, sections, charts


def season_paper(rt: Runtime, actor: Actor, start: datetime, end: datetime, label: str) -> Paper:
    data = services.season_figures(rt, actor, start, end)
    figs: Figures = data["figures"]
    figures, sections, charts = _common(figs)
    lead = [f"{label}，共发布预警 {figs.warnings} 次，出动防汛人员 {figs.person_times} 人次，"
            f"预置设备 {figs.equipment_times} 台次；应对降雨过程 {len(data['events'])} 次，"
            f"积水点位 {figs.points_observed} 个、已消除 {figs.points_cleared} 个，涉雨案件 {figs.cases} 件。"]
    tz = rt.settings.tz
    events = [[e["name"], f"{e['started_at'].astimezone(tz):%m-%d %H:%M}", e["level_label"], e["warnings"], e["people"],
               e["equipment"]] for e in data["events"]]
    sections.insert(0, Section("降雨过程", ["过程", "开始", "最终响应", "预警（次）", "人员（人次）", "设备（台次）"], events))
    return Paper(kind="season", title="防汛工作总结", period_label=label, generated_at=rt.now(), lead=lead,
                 figures=figures, sections=sections, charts=charts, filename="flood-season")


def event_paper(rt: Runtime, actor: Actor, event_id: int) -> Paper:
    view = services.command(rt, actor, event_id)
    ev, figs = view["event"], view["figures"]
    figures, sections, charts = _common(figs)
    tz = rt.settings.tz
    lead = [f"{ev['name']}：共发布预警 {figs.warnings} 次，出动防汛人员 {figs.person_times} 人次、设备 "
            f"{figs.equipment_times} 台次，积水点位 {figs.points_observed} 个（已消除 {figs.points_cleared} 个），"
            f"涉雨案件 {figs.cases} 件。"]
    levels = [[f"{c['at'].astimezone(tz):%m-%d %H:%M}", c["from_label"], c["to_label"], c["declared_by"], c["reason"]]
              for c in view["levels"]]
    sections.insert(0, Section("应急响应变化", ["时间", "原级别", "新级别", "宣布人", "依据"], levels))
    deps = [[f"{d['at'].astimezone(tz):%m-%d %H:%M}", d["unit_name"], d["people"], d["vehicles"], d["pumps"]]
            for d in view["deployments"]]
    sections.append(Section("力量出动", ["时间", "单位", "人员", "车辆", "水泵"], deps))
    return Paper(kind="event", title="防汛应急处置总结", period_label=ev["name"], generated_at=rt.now(), lead=lead,
                 figures=figures, sections=sections, charts=charts, filename=f"flood-event-{event_id}")


def render(rt: Runtime, paper: Paper, fmt: str) -> tuple[str, bytes, str]:
    if fmt not in MEDIA:
        raise InvalidInput("报告格式只能是 docx 或 xlsx", {"field": "format"})
    renderer = paper_docx.render if fmt == "docx" else paper_xlsx.render
    return f"{paper.filename}.{fmt}", renderer(paper, rt.settings.tz), MEDIA[fmt]
