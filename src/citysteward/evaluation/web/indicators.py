"""Indicator pages (考核指标): any period (a month, a day or a range of days) and any cut (unit,
street, district, grid, community, category, source) as a sortable table and a chart; every count
opens the cases behind it, every rate its denominator's cases with the numerator's marked; the same
table as .xlsx (rates are numeric cells with a % format); the daily and monthly papers to download."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from citysteward.evaluation import domain as evaluation_domain
from citysteward.evaluation.papers import build as papers
from citysteward.evaluation.services import drilldown
from citysteward.evaluation.services import indicators as indicator_service
from citysteward.kernel import periods as kernel_periods
from citysteward.kernel.errors import InvalidInput
from citysteward.org.deps import PageUser, Shell
from citysteward.org.services.auth import StaffUser
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.pages import PageRoute, render
from citysteward.platform.runtime import Runtime
from citysteward.platform.xlsx import put

router = APIRouter(prefix="/console/evaluation", route_class=PageRoute, include_in_schema=False)
TABS = (("indicators", "考核指标", "/console/evaluation"), ("rankings", "综合评价排名", "/console/evaluation/rankings"))
COUNT_COLUMNS = ("reported", "registered", "dispatched", "handled", "handled_on_time", "overdue_unhandled",
                 "due_close", "closed", "closed_on_time", "rework")
RATE_COLUMNS = ("handle_rate", "on_time_handle_rate", "close_rate", "on_time_close_rate", "rework_rate")
CHART_RATES = ("on_time_handle_rate", "close_rate", "on_time_close_rate", "handle_rate", "rework_rate")
CUTS = tuple((c, label) for c, label in indicator_service.CUT_LABELS.items())


@dataclass(frozen=True)
class Query:
    period: str
    date_from: str
    date_to: str
    cut: str
    rate: str

    def params(self, **more: str) -> str:
        pairs = {"period": self.period, "date_from": self.date_from, "date_to": self.date_to, "cut": self.cut}
        pairs.update(more)
        return urlencode({k: v for k, v in pairs.items() if v})


def _query(rt: Runtime, period: str, date_from: str, date_to: str, cut: str, rate: str = "") -> tuple[Query, Any]:
    if cut not in indicator_service.CUTS:
        raise InvalidInput(f"不支持的统计维度：{cut}", {"field": "cut"})
    if rate and rate not in CHART_RATES:
        raise InvalidInput(f"不支持的图表指标：{rate}", {"field": "rate"})
    if not period and not date_from and not date_to:
        period = rt.now().astimezone(rt.settings.tz).strftime("%Y-%m")
    p = indicator_service.period_of(rt, period or None, date_from or None, date_to or None)
    return Query(period, date_from, date_to, cut, rate or "on_time_handle_rate"), p


@dataclass(frozen=True)
class IndicatorsPage:
    shell: Shell
    tabs: tuple[tuple[str, str, str], ...]
    query: Query
    table: dict[str, Any]
    cuts: tuple[tuple[str, str], ...] = CUTS
    count_columns: tuple[tuple[str, str], ...] = tuple((c, evaluation_domain.COUNT_LABELS[c]) for c in COUNT_COLUMNS)
    rate_columns: tuple[tuple[str, str], ...] = tuple((c, evaluation_domain.RATE_LABELS[c]) for c in RATE_COLUMNS)
    chart_rates: tuple[tuple[str, str], ...] = tuple((c, evaluation_domain.RATE_LABELS[c]) for c in CHART_RATES)
    daily_day: str = ""
    monthly_day: str = ""

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.table["rows"] or [self.table["total"]]

    @property
    def chart_config(self) -> dict[str, Any]:
        rows = [r for r in self.rows if r["rates"].get(self.query.rate) is not None][:40]
        return {"categories": [r["name"] for r in rows], "unit": "%",
                "series": [{"name": evaluation_domain.RATE_LABELS[self.query.rate],
                            "data": [r["rates"][self.query.rate] for r in rows]},
                           ]}

    def drill(self, key: Any, measure: str) -> str:
        return ("/console/evaluation/cases?" + self.query.params(measure=measure)
                + "&key=" + quote("" if key is None else str(key)))


@router.get("", response_class=HTMLResponse)
async def indicators_page(request: Request, rt: RuntimeDep, user: PageUser, period: str = "", date_from: str = "",
                          date_to: str = "", cut: str = "unit", rate: str = "") -> HTMLResponse:
    query, p = _query(rt, period, date_from, date_to, cut, rate)
    table = await run_in_threadpool(indicator_service.compute, rt, p, cut, None, user.actor)
    return render(request, "evaluation/indicators.html", IndicatorsPage(
        Shell.of(user, "evaluation"), TABS, query, table,
        daily_day=papers.default_day(rt, "daily").isoformat(), monthly_day=papers.default_day(rt, "monthly").isoformat()))


@dataclass(frozen=True)
class CasesPage:
    shell: Shell
    tabs: tuple[tuple[str, str, str], ...]
    query: Query
    data: dict[str, Any]


@router.get("/cases", response_class=HTMLResponse)
async def cases_behind(request: Request, rt: RuntimeDep, user: PageUser, measure: str, key: str = "",
                       period: str = "", date_from: str = "", date_to: str = "", cut: str = "unit") -> HTMLResponse:
    query, p = _query(rt, period, date_from, date_to, cut)
    data = await run_in_threadpool(drilldown.cases_behind, rt, p, cut, key, measure, None, user.actor)
    return render(request, "evaluation/cases.html", CasesPage(Shell.of(user, "evaluation"), TABS, query, data))


def indicators_xlsx(table: dict[str, Any]) -> bytes:
    """The table as a workbook: counts and hours as numbers, rates as fractions shown with a % format."""
    wb = Workbook()
    ws = wb.active
    ws.title = "考核指标"
    put(ws, 1, 1, f"考核指标（{table['period']['label']}，按{table['cut_label']}）").font = Font(bold=True, size=14)
    head = [table["cut_label"], *(evaluation_domain.COUNT_LABELS[c] for c in COUNT_COLUMNS),
            *(evaluation_domain.RATE_LABELS[c] for c in RATE_COLUMNS), "平均处置用时（小时）"]
    for j, name in enumerate(head, start=1):
        cell = put(ws, 2, j, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E2F3")
    rows = [*(table["rows"] or []), table["total"]]
    for i, r in enumerate(rows, start=3):
        put(ws, i, 1, r["name"])
        j = 2
        for c in COUNT_COLUMNS:
            put(ws, i, j, r["counts"][c])
            j += 1
        for c in RATE_COLUMNS:
            value = r["rates"][c]
            cell = put(ws, i, j, None if value is None else round(value / 100.0, 6))
            cell.number_format = "0.00%"
            j += 1
        put(ws, i, j, r["handle_time"]["avg_hours"])
    ws.column_dimensions["A"].width = 24
    ws.freeze_panes = "B3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _download(name: str, label: str, content: bytes, media: str) -> Response:
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(label + '-' + name)}"
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/indicators.xlsx")
async def export_xlsx(rt: RuntimeDep, user: PageUser, period: str = "", date_from: str = "", date_to: str = "",
                      cut: str = "unit") -> Response:
    _q, p = _query(rt, period, date_from, date_to, cut)
    table = await run_in_threadpool(indicator_service.compute, rt, p, cut, None, user.actor)
    content = await run_in_threadpool(indicators_xlsx, table)
    return _download(f"indicators-{cut}-{p.first.isoformat()}.xlsx", "考核指标", content, papers.FORMATS["xlsx"])


def paper_response(rt: Runtime, user: StaffUser, kind: str, fmt: str, day: str) -> Response:
    if kind not in ("daily", "monthly") or fmt not in papers.FORMATS:
        raise InvalidInput("报表只有 daily（每日调度）和 monthly（月通报），格式 docx 或 xlsx", {"field": "kind"})
    when: date = kernel_periods.parse_day(day) if day else papers.default_day(rt, kind)
    name, content, media = papers.build(rt, kind, when, fmt, user.actor)
    return _download(name, {"daily": "每日调度", "monthly": "月通报"}[kind], content, media)


@router.get("/papers/{kind}.{fmt}")
async def paper(rt: RuntimeDep, user: PageUser, kind: str, fmt: str, date: str = "") -> Response:  # noqa: A002
    return await run_in_threadpool(paper_response, rt, user, kind, fmt, date)
