"""Rankings (综合评价排名): composite scores and grades of units, streets or districts for a month, the
red flags (红旗, the top) and the blue flags (蓝旗, the bottom) shown side by side and equally large,
last month's published rank with an arrow, publishing the month, and the months published before.

Ties (the rule of evaluation/domain.py `rank`): equal scores share a rank; among them the larger
sample comes first, then the name. Subjects below the minimum sample are listed unranked."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from citysteward.evaluation import domain as evaluation_domain
from citysteward.evaluation.services import indicators as indicator_service
from citysteward.evaluation.services import rankings as ranking_service
from citysteward.evaluation.web.indicators import TABS
from citysteward.kernel.errors import InvalidInput
from citysteward.org.deps import PageUser, Shell
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.pages import PageRoute, render
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.tickets import ISSUERS

router = APIRouter(prefix="/console/evaluation/rankings", route_class=PageRoute, include_in_schema=False)
SCOPE_CUT = {"unit": "unit", "street": "street", "district": "district"}
TIE_RULE = "得分相同者名次并列；并列者按样本量多者在前、再按名称排列。样本量不足者不参与排名。"


@dataclass(frozen=True)
class RankingPage:
    shell: Shell
    tabs: tuple[tuple[str, str, str], ...]
    data: dict[str, Any]
    history: list[dict[str, Any]]
    can_publish: bool
    done: str = ""
    tie_rule: str = TIE_RULE
    scopes: tuple[tuple[str, str], ...] = tuple(ranking_service.SCOPE_LABELS.items())

    @property
    def red(self) -> list[dict[str, Any]]:
        return [r for r in self.data["rows"] if r["flag"] == "red"]

    @property
    def blue(self) -> list[dict[str, Any]]:
        """The bottom, worst first: as prominent as the top."""
        return sorted((r for r in self.data["rows"] if r["flag"] == "blue"), key=lambda r: -(r["rank"] or 0))

    @property
    def weights(self) -> list[tuple[str, float]]:
        labels = {"case_band": "案件量档次", **evaluation_domain.RATE_LABELS}
        return [(labels.get(k, k), w) for k, w in self.data["weights"].items()]

    def drill(self, key: str, measure: str) -> str:
        return "/console/evaluation/cases?" + urlencode({"period": self.data["period"]["month"],
                                                         "cut": SCOPE_CUT[self.data["scope"]], "key": key,
                                                         "measure": measure})


def _month(rt: Runtime, period: str) -> str:
    if not period:
        return rt.now().astimezone(rt.settings.tz).strftime("%Y-%m")
    if len(period) != 7:
        raise InvalidInput("月份格式应为 YYYY-MM", {"field": "period"})
    return period


def _history(rt: Runtime, scope: str) -> list[dict[str, Any]]:
    months: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"red": [], "blue": []})
    for r in ranking_service.history(rt, scope, None, 600):
        if r["flag"]:
            months[r["period"]][r["flag"]].append(r["name"])
    return [{"period": p, **v} for p, v in sorted(months.items(), reverse=True)][:12]


@router.get("", response_class=HTMLResponse)
async def ranking_page(request: Request, rt: RuntimeDep, user: PageUser, period: str = "", scope: str = "unit",
                       done: str = "") -> HTMLResponse:
    if scope not in SCOPE_CUT:
        raise InvalidInput("排名范围只能是 unit、street 或 district", {"field": "scope"})
    month = _month(rt, period)
    p = indicator_service.period_of(rt, month)
    data = await run_in_threadpool(ranking_service.ranking, rt, p, scope)
    history = await run_in_threadpool(_history, rt, scope)
    return render(request, "evaluation/rankings.html", RankingPage(
        Shell.of(user, "evaluation"), TABS, data, history, user.role in ISSUERS,
        done="已发布本月排名与红蓝旗" if done == "publish" else ""))


@router.post("/publish")
async def publish(rt: RuntimeDep, user: PageUser, period: Annotated[str, Form()] = "",
                  scope: Annotated[str, Form()] = "unit") -> RedirectResponse:
    month = _month(rt, period)
    await run_in_threadpool(ranking_service.publish, rt, user.actor, indicator_service.period_of(rt, month))
    scope = scope if scope in SCOPE_CUT else "unit"
    return RedirectResponse(f"/console/evaluation/rankings?period={month}&scope={scope}&done=publish", status_code=303)
