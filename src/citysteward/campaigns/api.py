"""JSON API of the campaigns context: campaigns and their figures, daily scheduling, subjects nearby,
checklist templates, inspections (results as JSON; photos go through the phone page), turning a failed
item into a case or a ticket, appraisals, key tasks. Thin: parse, call a service, shape."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from citysteward.campaigns.domain import AppraisalRule
from citysteward.campaigns.services import appraisal, figures, inspections, setup, tasks
from citysteward.kernel.errors import InvalidInput
from citysteward.org.deps import CurrentStaff
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import Id, PathId, Text

router = APIRouter(prefix="/api/v1", tags=["campaigns"])


@router.get("/campaigns", summary="专项行动列表")
def list_campaigns(rt: RuntimeDep, user: CurrentStaff) -> list[dict[str, Any]]:
    return setup.list_campaigns(rt)


@router.get("/campaigns/{code}/figures", summary="专项行动进展（检查、问题、销号、督导单、案件）")
def campaign_figures(rt: RuntimeDep, user: CurrentStaff, code: str, date_from: date | None = None,
                     date_to: date | None = None) -> dict[str, Any]:
    return figures.campaign_figures(rt, code, date_from, date_to)


@router.get("/campaigns/{code}/daily", summary="每日调度")
def daily(rt: RuntimeDep, user: CurrentStaff, code: str, day: date) -> dict[str, Any]:
    return figures.daily_report(rt, code, day)


@router.get("/campaign-subjects/nearby", summary="附近的检查对象")
def nearby(rt: RuntimeDep, user: CurrentStaff, lon: Annotated[float, Query(ge=-180, le=180)],
           lat: Annotated[float, Query(ge=-90, le=90)],
           radius_m: Annotated[float, Query(gt=0, le=5000)] = 1500) -> list[dict[str, Any]]:
    return setup.nearby_subjects(rt, lon, lat, radius_m)


@router.get("/checklist-templates", summary="检查标准模板（当前版本）")
def list_templates(rt: RuntimeDep, user: CurrentStaff, subject_kind: str | None = None) -> list[dict[str, Any]]:
    return setup.templates(rt, subject_kind)


class ResultBody(BaseModel):
    item_code: Text = Field(..., max_length=16)
    outcome: Text = Field(..., description="pass 合格 | fail 不合格 | na 不适用")
    count: int | None = Field(None, ge=0, le=100000)
    note: Text = Field("", max_length=500)


class InspectionBody(BaseModel):
    subject_id: Id
    template_id: Id
    round_kind: Text = Field("covert", description="covert 明察暗访 | third_party 第三方测评 | self_check 自查")
    campaign: Text = Field("", max_length=32)
    results: list[ResultBody] = Field(..., min_length=1, max_length=60)
    note: Text = Field("", max_length=2000)


@router.post("/campaign-inspections", status_code=201, summary="录入检查结果")
def inspect(rt: RuntimeDep, user: CurrentStaff, body: InspectionBody) -> dict[str, Any]:
    return inspections.inspect(rt, user.actor, inspections.InspectionInput(
        body.subject_id, body.template_id, body.round_kind,
        tuple(inspections.ResultInput(r.item_code, r.outcome, r.count, r.note) for r in body.results),
        campaign_code=body.campaign, note=body.note))


@router.get("/campaign-inspections/{inspection_id}", summary="检查记录")
def inspection(rt: RuntimeDep, user: CurrentStaff, inspection_id: PathId) -> dict[str, Any]:
    d = inspections.inspection_detail(rt, inspection_id)
    t = d.pop("template")
    return {**d, "template": {"id": t.id, "code": t.code, "name": t.name, "version": t.version}}


class HandOverBody(BaseModel):
    to: Text = Field(..., description="case 转为案件 | ticket 下发督导单")
    category_code: Text = Field("", max_length=16)
    level: Text = Field("white", description="督导单级别")


@router.post("/campaign-results/{result_id}/hand-over", status_code=201, summary="不合格项转案件或督导单")
def hand_over(rt: RuntimeDep, user: CurrentStaff, result_id: PathId, body: HandOverBody) -> dict[str, Any]:
    if body.to == "case":
        return inspections.to_case(rt, user.actor, result_id, body.category_code)
    if body.to == "ticket":
        return inspections.to_ticket(rt, user.actor, result_id, body.level)
    raise InvalidInput("to 只能是 case（案件）或 ticket（督导单）", {"field": "to"})


@router.get("/campaign-appraisals", summary="评比排名（预览）")
def appraisal_preview(rt: RuntimeDep, user: CurrentStaff, date_from: date, date_to: date, scope: str = "area",
                      campaign: str = "", inspection_weight: float | None = None, case_weight: float | None = None,
                      top: Annotated[int | None, Query(ge=0, le=1000)] = None,
                      bottom: Annotated[int | None, Query(ge=0, le=1000)] = None, scheme: str | None = None
                      ) -> dict[str, Any]:
    given = {"inspection_weight": inspection_weight, "case_weight": case_weight, "top": top, "bottom": bottom,
             "scheme": scheme}
    rule = AppraisalRule.from_dict({**appraisal.default_rule(rt).to_dict(),
                                    **{k: v for k, v in given.items() if v is not None}})
    return appraisal.compute(rt, scope, date_from, date_to, rule, campaign)


@router.get("/campaign-appraisals/history", summary="已发布的评比")
def appraisal_history(rt: RuntimeDep, user: CurrentStaff, campaign: str = "") -> list[dict[str, Any]]:
    return appraisal.history(rt, campaign)


@router.get("/key-tasks", summary="民生实事月度调度")
def key_tasks(rt: RuntimeDep, user: CurrentStaff, month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")]
              ) -> dict[str, Any]:
    return tasks.ledger(rt, int(month[:4]), month)
