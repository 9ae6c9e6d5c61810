"""REST for supervision and evaluation: tickets (督导单), hot spots (难点点位 / 挂牌督办), indicators,
rankings (红蓝旗), the daily and monthly papers, notices. Thin: parse, call a service, shape."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from citysteward.evaluation.papers import build as evaluation_papers_build
from citysteward.evaluation.services import indicators as indicator_service
from citysteward.evaluation.services import rankings
from citysteward.kernel import periods as kernel_periods
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import NotFound
from citysteward.org.deps import AdminUser, CurrentStaff
from citysteward.patrols.services import figures as patrol_figures
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import Id
from citysteward.platform.runtime import Runtime
from citysteward.supervision.services import hotspots as hotspot_service
from citysteward.supervision.services import tickets as supervision_service

router = APIRouter(prefix="/api/v1", tags=["supervision"])


class PublishBody(BaseModel):
    period: str = Field(..., pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


# ---------------------------------------------------------------- indicators and rankings
def _period(rt: Runtime, period: str | None, date_from: date | None, date_to: date | None) -> kernel_periods.Period:
    return indicator_service.period_of(rt, period, date_from, date_to)


@router.get("/indicators", summary="考核指标（任意时间段；按单位、网格、社区、街道、区县、类别、来源）")
def indicators(
    rt: RuntimeDep, user: CurrentStaff,
    period: Annotated[str | None, Query(description="YYYY-MM 或 YYYY-MM-DD")] = None,
    date_from: date | None = None, date_to: date | None = None,
    cut: Annotated[str, Query(pattern="^(total|unit|grid|community|street|district|category|source)$")] = "total",
    unit: Annotated[list[Id] | None, Query()] = None,
    grid: Annotated[list[str] | None, Query()] = None,
    community: Annotated[list[str] | None, Query()] = None,
    street: Annotated[list[str] | None, Query()] = None,
    district: Annotated[list[str] | None, Query()] = None,
    category: Annotated[list[str] | None, Query()] = None,
    source: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    filters = {"unit": unit, "grid": grid, "community": community, "street": street, "district": district,
               "category": category, "source": source}
    return indicator_service.compute(rt, _period(rt, period, date_from, date_to), cut, filters, user.actor)


@router.get("/indicators/patrols", summary="巡查指标：人次、有效巡查、上报、按时核实/核查率、漏报率（按监督员、网格、街道）")
def patrol_indicators(
    rt: RuntimeDep, user: CurrentStaff,
    period: Annotated[str | None, Query(description="YYYY-MM 或 YYYY-MM-DD")] = None,
    date_from: date | None = None, date_to: date | None = None,
    cut: Annotated[str, Query(pattern="^(total|inspector|grid|street)$")] = "inspector",
) -> dict[str, Any]:
    """The patrols context's figures (docs/patrols.md), for the same periods as the indicators."""
    return patrol_figures.figures(rt, user.actor, _period(rt, period, date_from, date_to), cut)


@router.get("/indicators/definitions", summary="指标清单与计算口径")
def indicator_definitions(user: CurrentStaff) -> dict[str, Any]:
    return indicator_service.definitions()


_SETTINGS = {
    "evaluation": (lambda rt: indicator_service.config(rt).to_dict(), indicator_service.set_config),
    "hotspots": (lambda rt: hotspot_service.rules(rt).to_dict(), hotspot_service.set_rules),
    "supervision": (lambda rt: supervision_service.rules(rt).to_dict(), supervision_service.set_rules),
    "papers": (lambda rt: evaluation_papers_build.paper_settings(rt).to_dict(), evaluation_papers_build.set_paper_settings),
}


@router.get("/evaluation/settings/{key}", summary="评价、难点点位、督导时限、公文（文号、落款）配置")
def get_settings(key: str, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    if key not in _SETTINGS:
        raise NotFound(f"没有配置项 {key}（可选 evaluation、hotspots、supervision、papers）")
    return _SETTINGS[key][0](rt)


@router.put("/evaluation/settings/{key}", summary="修改配置（系统管理员）")
def put_settings(key: str, body: dict[str, Any], rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    if key not in _SETTINGS:
        raise NotFound(f"没有配置项 {key}（可选 evaluation、hotspots、supervision、papers）")
    return _SETTINGS[key][1](rt, user.actor, body)


@router.get("/rankings", summary="综合评价排名与红蓝旗（含上月对比）")
def ranking(
    rt: RuntimeDep, user: CurrentStaff,
    period: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    scope: Annotated[str, Query(pattern="^(unit|street|district)$")] = "unit",
) -> dict[str, Any]:
    return rankings.ranking(rt, _period(rt, period, None, None), scope)


@router.post("/rankings/publish", summary="发布当月排名与红蓝旗（存档，供逐月对比）")
def publish_ranking(body: PublishBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return rankings.publish(rt, user.actor, _period(rt, body.period, None, None))


@router.get("/rankings/history", summary="历月红蓝旗")
def ranking_history(
    rt: RuntimeDep, user: CurrentStaff,
    scope: Annotated[str, Query(pattern="^(unit|street|district)$")] = "unit",
    subject: str | None = None,
) -> list[dict[str, Any]]:
    return rankings.history(rt, scope, subject)


# ---------------------------------------------------------------- papers
def _paper(rt: Runtime, kind: str, fmt: str, day: date | None, viewer: Actor) -> Response:
    """A unit's staff get their unit's edition of the paper (papers/build.py: `reader_of`)."""
    name, content, media = evaluation_papers_build.build(
        rt, kind, day or evaluation_papers_build.default_day(rt, kind), fmt, viewer)
    label = {"daily": "每日调度", "monthly": "月通报"}[kind]
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(label + '-' + name)}"
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})


_DAY = Annotated[date | None, Query(description="日期 YYYY-MM-DD；每日调度默认昨天，月通报取该日所在月份（默认上月）")]


@router.get("/reports/daily.docx", summary="每日调度（Word）", response_class=Response)
def daily_docx(rt: RuntimeDep, user: CurrentStaff, date: _DAY = None) -> Response:  # noqa: A002
    return _paper(rt, "daily", "docx", date, user.actor)


@router.get("/reports/daily.xlsx", summary="每日调度（Excel）", response_class=Response)
def daily_xlsx(rt: RuntimeDep, user: CurrentStaff, date: _DAY = None) -> Response:  # noqa: A002
    return _paper(rt, "daily", "xlsx", date, user.actor)


@router.get("/reports/monthly.docx", summary="月通报（Word）", response_class=Response)
def monthly_docx(rt: RuntimeDep, user: CurrentStaff, date: _DAY = None) -> Response:  # noqa: A002
    return _paper(rt, "monthly", "docx", date, user.actor)


@router.get("/reports/monthly.xlsx", summary="月通报（Excel）", response_class=Response)
def monthly_xlsx(rt: RuntimeDep, user: CurrentStaff, date: _DAY = None) -> Response:  # noqa: A002
    return _paper(rt, "monthly", "xlsx", date, user.actor)
