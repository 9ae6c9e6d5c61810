"""The papers: the daily dispatch sheet (每日调度) and the monthly bulletin (月通报), as Word and Excel.

Both are assembled here as a `Paper` (summary lines, tables, charts) from the same services the API
serves — indicators, rankings, tickets, hot spots — so every figure on paper is the figure on screen;
services/report_docx.py and services/report_xlsx.py only draw it.

- Daily sheet for day D (local): D's intake and closures, handling by unit, cases overdue and still
  unhandled at the end of D, tickets issued on D, the recurring hot spots of the look-back window.
- Monthly bulletin for the month of D: all indicators, unit and street rankings with red and blue flags
  (and last month's), the top categories, the worst overdue cases, the month's tickets.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from citysteward.assets.services import maintenance as maintenance_figures
from citysteward.cases.domain.access import led_units
from citysteward.catalogue import services as catalogue_services
from citysteward.evaluation import domain as evaluation_domain
from citysteward.evaluation.papers import docx as report_docx
from citysteward.evaluation.papers import xlsx as report_xlsx
from citysteward.evaluation.papers.model import Chart, Duration, Paper, PaperSettings, Rate, Section
from citysteward.evaluation.ports import unit_of_work
from citysteward.evaluation.services import indicators as indicator_service
from citysteward.evaluation.services import rankings as ranking_service
from citysteward.geography import services as geography_services
from citysteward.kernel import periods as kernel_periods
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import InvalidInput
from citysteward.org.services import accounts, settings
from citysteward.patrols.services import figures as patrol_figures
from citysteward.platform.runtime import Runtime
from citysteward.supervision.services import hotspots as hotspot_service
from citysteward.supervision.services import tickets as supervision_service

WORST_OVERDUE = 10
TOP_CATEGORIES = 10
SETTINGS_KEY = "papers"


def paper_settings(rt: Runtime) -> PaperSettings:
    return settings.load(rt, SETTINGS_KEY, PaperSettings.from_dict)


def set_paper_settings(rt: Runtime, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    return settings.replace(rt, actor, SETTINGS_KEY, data, PaperSettings.from_dict)


def _pct(value: float | None) -> Rate:
    return Rate(value)


def _hours(moment: datetime, until: datetime) -> Duration:
    return Duration(round((until - moment).total_seconds() / 3600.0, 1))


def _mark(rt: Runtime, paper: Paper, day: date, seq: int) -> Paper:
    """文号, 发文机关 and 落款 from the settings; the date of writing is today (local)."""
    cfg = paper_settings(rt)
    paper.doc_no = cfg.number(paper.kind, day.year, day.month, day.day, seq)
    paper.issuer = cfg.issuer
    paper.signature = cfg.signature or cfg.issuer
    paper.dated = rt.now()
    return paper


def _refuse_empty(counts: dict[str, int], tickets: int, label: str) -> None:
    """A paper of nothing is an error, never an empty file (written, perhaps, over a real one)."""
    if not any(counts.values()) and not tickets:
        raise InvalidInput(f"{label}没有任何案件或督导数据，不生成报表（请检查日期和数据库）", {"field": "date"})


def _local(rt: Runtime, moment: datetime | None) -> str:
    return "" if moment is None else f"{moment.astimezone(rt.settings.tz):%Y-%m-%d %H:%M}"


def _overdue_section(rt: Runtime, period: kernel_periods.Period, title: str, limit: int, reader: Actor) -> Section:
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.evaluation.overdue_open_cases(period.end, limit, led_units(reader))
    units = accounts.unit_names(rt)
    areas = geography_services.area_names(rt)
    catalogue = catalogue_services.catalogue(rt)
    until = min(period.end, rt.now())
    return Section(title, ["案件编号", "问题类别", "责任单位", "街道", "地址", "超期时长"], [
        [r["case_no"], catalogue.name(r["category_code"]), units.get(r["unit"] or 0, "—"),
         areas.get(r["street_code"], r["street_code"]), r["address"], _hours(r["overdue_at"], until)]
        for r in rows])


def _unit_rows(table: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in table["rows"] if r["key"] not in (None, "")]


def _patrol_section(rt: Runtime, period: kernel_periods.Period, reader: Actor) -> Section | None:
    """日常巡查 by inspector (patrols/services/figures.py), in the city's edition only."""
    if led_units(reader) is not None:
        return None
    s = patrol_figures.paper_section(rt, period)
    n = s["rate_columns"]
    rows = [[*r[:-n], *[_pct(v) for v in r[-n:]]] for r in s["rows"]]
    return Section(s["title"], s["columns"], rows, note=s["lead"] + s["note"])


def _maintenance_section(rt: Runtime, period: kernel_periods.Period, reader: Actor) -> Section | None:
    """市政设施养护 (assets/services/maintenance.py): the period's work by type and 亮灯率, city edition only."""
    if led_units(reader) is not None:
        return None
    s = maintenance_figures.paper_section(rt, period.start, period.end, period.first, period.last)
    return Section(s["title"], s["columns"], s["rows"], note=s["lead"] + s["note"])


def reader_of(viewer: Actor | None, label: str) -> Actor:
    """Whom a paper is written for: a unit's staff get their unit's edition (its own figures, cases,
    tickets and hot spots: cases.domain.access.led_units); everyone else the city's."""
    if viewer is not None and led_units(viewer) is not None:
        return viewer
    return Actor.system(label)


def _edition(rt: Runtime, reader: Actor) -> tuple[str, str]:
    """(title suffix, whose figures the lead speaks of)."""
    if led_units(reader) is None:
        return "", "全市"
    name = accounts.unit_names(rt).get(reader.unit_id or 0, "本单位")
    return f"（{name}）", name


def daily(rt: Runtime, day: date, viewer: Actor | None = None) -> Paper:
    period = kernel_periods.Period.day(day, rt.settings.tz)
    actor_view = reader_of(viewer, "每日调度")
    ds = indicator_service.load(rt, period)
    total = indicator_service.table(rt, ds, "total", viewer=actor_view)["total"]
    by_unit = indicator_service.table(rt, ds, "unit", viewer=actor_view)
    by_category = indicator_service.table(rt, ds, "category", viewer=actor_view)
    c = total["counts"]
    suffix, whose = _edition(rt, actor_view)
    tickets = supervision_service.list_tickets(rt, actor_view, {"start": period.start, "end": period.end},
                                               page_size=200)
    _refuse_empty(c, tickets["summary"]["total"], period.label)
    look = hotspot_service.rules(rt).lookback_days
    spots = hotspot_service.find(rt, actor_view, date_from=period.end - timedelta(days=look), date_to=period.end,
                                limit=20)
    city = rt.settings.city_name
    paper = Paper(
        kind="daily", title=f"{city}城市管理每日调度{suffix}", period_label=period.label, generated_at=rt.now(),
        lead=[f"{period.label}，{whose}新增上报问题 {c['reported']} 件，立案 {c['registered']} 件，派遣 {c['dispatched']} 件，"
              f"处置 {c['handled']} 件（按时 {c['handled_on_time']} 件、超期 {c['handled_late']} 件），结案 {c['closed']} 件；"
              f"截至当日 24 时超期未处置 {c['overdue_unhandled']} 件。",
              f"当日下发督导单 {tickets['summary']['text']}；近 {look} 天反复反弹的难点点位 {spots['total']} 处。"],
        figures=[("上报数", c["reported"]), ("立案数", c["registered"]), ("派遣数", c["dispatched"]),
                 ("处置数", c["handled"]), ("按时处置数", c["handled_on_time"]), ("超期处置数", c["handled_late"]),
                 ("结案数", c["closed"]), ("作废数", c["voided"]), ("自处理数", c["self_handled"]),
                 ("超期未处置数", c["overdue_unhandled"]), ("督导单", tickets["summary"]["total"]),
                 ("难点点位", spots["total"])],
        filename=f"daily-{day.isoformat()}",
    )
    units = sorted(_unit_rows(by_unit), key=_worst_first)  # the worst first: most overdue, lowest on-time rate
    paper.sections.append(Section("各责任单位调度情况", [
        "责任单位", "派遣数", "处置数", "按时处置数", "超期处置数", "超期未处置数", "结案数", "返工数", "按时处置率"], [
        [r["name"], r["counts"]["dispatched"], r["counts"]["handled"], r["counts"]["handled_on_time"],
         r["counts"]["handled_late"], r["counts"]["overdue_unhandled"], r["counts"]["closed"], r["counts"]["rework"],
         _pct(r["rates"]["on_time_handle_rate"])] for r in units]))
    cats = sorted(by_category["rows"], key=lambda r: (-r["counts"]["reported"], str(r["key"])))[:TOP_CATEGORIES]
    paper.sections.append(Section("当日上报问题类别（前十）", ["问题类别", "上报数", "立案数", "结案数"], [
        [r["name"], r["counts"]["reported"], r["counts"]["registered"], r["counts"]["closed"]]
        for r in cats if r["counts"]["reported"] or r["counts"]["registered"]]))
    paper.sections.append(_overdue_section(rt, period, "超期未处置案件（截至当日 24 时）", 20, actor_view))
    paper.sections.append(Section("当日下发督导单", ["编号", "级别", "责任单位", "督导事项", "整改期限", "状态"], [
        [t["ticket_no"], t["level_label"], "、".join(u["unit_name"] or "" for u in t["units"]), t["title"],
         _local(rt, t["deadline"]), t["state_label"]] for t in tickets["items"]], note=tickets["summary"]["text"]))
    paper.sections.append(Section(f"反复反弹的难点点位（近 {look} 天）", [
        "问题类别", "地址", "反弹次数", "涉及案件", "最近一次", "挂牌督办"], [
        [h["category_name"], h["address"], h["recurrences"], h["cases_count"], _local(rt, h["last_at"]),
         "是" if h["listed_id"] else "否"] for h in spots["items"]]))
    if (patrol := _patrol_section(rt, period, actor_view)) is not None:
        paper.sections.append(patrol)
    if (upkeep := _maintenance_section(rt, period, actor_view)) is not None:
        paper.sections.append(upkeep)
    if units:
        paper.charts.append(Chart("各单位处置与超期未处置", [r["name"] for r in units], [
            ("处置数", [r["counts"]["handled"] for r in units]),
            ("超期未处置数", [r["counts"]["overdue_unhandled"] for r in units])], "件"))
    return _mark(rt, paper, day, day.timetuple().tm_yday)


def _worst_first(r: dict[str, Any]) -> tuple[Any, ...]:
    rate = r["rates"]["on_time_handle_rate"]
    return (-r["counts"]["overdue_unhandled"], rate is None, rate if rate is not None else 0.0,
            -r["counts"]["handled_late"], r["name"])


def monthly(rt: Runtime, day: date, viewer: Actor | None = None) -> Paper:
    period = kernel_periods.Period.month(day.year, day.month, rt.settings.tz)
    actor_view = reader_of(viewer, "月通报")
    ds = indicator_service.load(rt, period)
    total = indicator_service.table(rt, ds, "total", viewer=actor_view)["total"]
    by_category = indicator_service.table(rt, ds, "category", viewer=actor_view)
    unit_rank = ranking_service.ranking(rt, period, "unit", ds)
    street_rank = ranking_service.ranking(rt, period, "street", ds)
    c, r = total["counts"], total["rates"]
    suffix, whose = _edition(rt, actor_view)
    tickets = supervision_service.ticket_summary(rt, actor_view, {"start": period.start, "end": period.end})
    _refuse_empty(c, tickets["total"], period.label)
    city = rt.settings.city_name
    ht = total["handle_time"]
    red = [x["name"] for x in unit_rank["rows"] if x["flag"] == "red"]
    blue = [x["name"] for x in unit_rank["rows"] if x["flag"] == "blue"]
    paper = Paper(
        kind="monthly", title=f"{city}城市管理月通报{suffix}", period_label=period.label, generated_at=rt.now(),
        lead=[f"{period.label}，{whose}上报问题 {c['reported']} 件，有效上报 {c['valid_reported']} 件；立案 {c['registered']} 件，"
              f"应结案 {c['due_close']} 件，结案 {c['closed']} 件（结案率 {_pct(r['close_rate'])}），"
              f"按期结案 {c['closed_on_time']} 件（按期结案率 {_pct(r['on_time_close_rate'])}）。",
              f"应处置 {c['due_handle']} 件，处置 {c['handled']} 件，按时处置 {c['handled_on_time']} 件"
              f"（按时处置率 {_pct(r['on_time_handle_rate'])}），返工 {c['rework']} 件（返工率 {_pct(r['rework_rate'])}）。",
              f"红旗单位：{'、'.join(red) or '无'}；蓝旗单位：{'、'.join(blue) or '无'}。本月下发督导单 {tickets['text']}。"],
        figures=[(label, c[code]) for code, label in evaluation_domain.COUNTS[:18]]
        + [(label, _pct(r[code])) for code, label, _n, _d in evaluation_domain.RATES],
        filename=f"monthly-{period.month_key}",
    )
    paper.sections.append(Section("考核指标", ["指标", "数值", "说明"], [
        *[[label, c[code], "计数"] for code, label in evaluation_domain.COUNTS],
        *[[label, _pct(r[code]), f"{'+'.join(evaluation_domain.COUNT_LABELS[t] if s > 0 else '−' + evaluation_domain.COUNT_LABELS[t] for t, s in terms)}"
           f" ÷ {evaluation_domain.COUNT_LABELS[d]}"] for code, label, terms, d in evaluation_domain.RATES],
        ["平均处置用时（小时）", ht["avg_hours"] if ht["avg_hours"] is not None else "—", f"{ht['count']} 次处置"],
        ["处置用时中位数 P50（小时）", ht["p50_hours"] if ht["p50_hours"] is not None else "—", ""],
        ["处置用时 P90（小时）", ht["p90_hours"] if ht["p90_hours"] is not None else "—", ""],
    ]))
    for title, rank in (("责任单位综合评价排名", unit_rank), ("街道综合评价排名", street_rank)):
        paper.sections.append(Section(title, [
            "排名", "名称", "综合得分", "等级", rank["sample_label"], "结案率", "按时处置率", "返工率", "红蓝旗", "上月排名",
            "上月旗帜"], [
            [x["rank"] if x["rank"] is not None else "不参评", x["name"],
             x["score"] if x["score"] is not None else "—", x["grade"] or "—", x["sample"],
             _pct(x["rates"]["close_rate"]), _pct(x["rates"]["on_time_handle_rate"]), _pct(x["rates"]["rework_rate"]),
             x["flag_label"] or "", (x["previous"] or {}).get("rank") or "—",
             evaluation_domain.FLAG_LABELS.get((x["previous"] or {}).get("flag") or "", "")] for x in rank["rows"]],
            note=f"样本量少于 {rank['min_cases']} 件不参与排名；前 {rank['red_flags']} 名红旗，后 {rank['blue_flags']} 名蓝旗。"))
    cats = sorted(by_category["rows"], key=lambda x: (-x["counts"]["registered"], str(x["key"])))[:TOP_CATEGORIES]
    paper.sections.append(Section("高发问题类别（前十）", ["问题类别", "立案数", "结案数", "按期结案数", "按期结案率"], [
        [x["name"], x["counts"]["registered"], x["counts"]["closed"], x["counts"]["closed_on_time"],
         _pct(x["rates"]["on_time_close_rate"])] for x in cats if x["counts"]["registered"]]))
    paper.sections.append(_overdue_section(rt, period, "超期未处置最严重的案件", WORST_OVERDUE, actor_view))
    paper.sections.append(Section("督导单办理情况", ["责任单位", "督导单", "白色", "黄色", "红色", "已整改"], [
        [u["unit_name"], u["total"], u["white"], u["yellow"], u["red"], u["rectified"]]
        for u in sorted(tickets["by_unit"], key=lambda u: (u["rectified"] - u["total"], -u["red"], u["unit_name"]))],
        note=tickets["text"]))
    if (patrol := _patrol_section(rt, period, actor_view)) is not None:
        paper.sections.append(patrol)
    if (upkeep := _maintenance_section(rt, period, actor_view)) is not None:
        paper.sections.append(upkeep)
    scored = [x for x in unit_rank["rows"] if x["ranked"]][:30]
    if scored:
        paper.charts.append(Chart("责任单位综合得分（参评单位）", [x["name"] for x in scored],
                                  [("综合得分", [x["score"] for x in scored])], "分"))
    top = [x for x in cats if x["counts"]["registered"]]
    if top:
        paper.charts.append(Chart("高发问题类别立案数", [x["name"] for x in top],
                                  [("立案数", [x["counts"]["registered"] for x in top])], "件"))
    return _mark(rt, paper, day, day.month)


FORMATS = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def build(rt: Runtime, kind: str, day: date, fmt: str, viewer: Actor | None = None) -> tuple[str, bytes, str]:
    """(file name, content, media type) of one paper, in the edition `viewer` may read (`reader_of`)."""
    if kind not in ("daily", "monthly"):
        raise InvalidInput("报表只有 daily（每日调度）和 monthly（月通报）两种", {"field": "kind"})
    if fmt not in FORMATS:
        raise InvalidInput("格式只能是 docx 或 xlsx", {"field": "format"})
    paper = daily(rt, day, viewer) if kind == "daily" else monthly(rt, day, viewer)
    render = report_docx.render if fmt == "docx" else report_xlsx.render
    return f"{paper.filename}.{fmt}", render(paper, rt.settings.tz), FORMATS[fmt]


def default_day(rt: Runtime, kind: str) -> date:
    """Daily: yesterday; monthly: last month (the papers are written after the period ends)."""
    today = rt.now().astimezone(rt.settings.tz).date()
    return today - timedelta(days=1) if kind == "daily" else today.replace(day=1) - timedelta(days=1)
