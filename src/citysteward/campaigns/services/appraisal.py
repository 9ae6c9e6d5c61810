"""Periodic appraisal (评比): towns/streets or responsible units ranked by a weighted mix of their
inspection scores and the case indicators' composite score (evaluation), with red and blue (or
red/black, red/yellow) flags for the top and the bottom and the rule that made them; publishing
stores the ranking so the history can be read later (e.g. the 示范区's red flags for 苏家作乡 and
文苑街道, blue for 宁郭镇 and 文昌街道)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

from citysteward.campaigns.domain import AppraisalRow, AppraisalRule, appraise, flag_label
from citysteward.campaigns.ports import unit_of_work
from citysteward.campaigns.services.figures import area_key
from citysteward.campaigns.services.setup import MANAGERS, campaign_of
from citysteward.evaluation.services import indicators as indicator_service
from citysteward.evaluation.services import rankings as evaluation_rankings
from citysteward.kernel import periods as kernel_periods
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import Forbidden, InvalidInput
from citysteward.org.services import settings
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime

SCOPES = {"area": "乡镇（街道）", "unit": "责任单位"}
SETTINGS_KEY = "campaign_appraisal"


def default_rule(rt: Runtime) -> AppraisalRule:
    return settings.load(rt, SETTINGS_KEY, AppraisalRule.from_dict)


def set_default_rule(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    return settings.replace(rt, actor, SETTINGS_KEY, data, AppraisalRule.from_dict)


def compute(rt: Runtime, scope: str, first: date, last: date, rule: AppraisalRule, campaign: str = ""
            ) -> dict[str, Any]:
    """The ranking of a period, not yet published."""
    if scope not in SCOPES:
        raise InvalidInput(f"不支持的评比范围：{scope}（可选 area、unit）", {"field": "scope"})
    if last < first:
        raise InvalidInput("结束日期不能早于开始日期", {"field": "date_to"})
    period = kernel_periods.Period.days(first, last, rt.settings.tz)
    with unit_of_work(rt, readonly=True) as uow:
        campaign_id = campaign_of(uow, campaign)["id"] if campaign else None
        insp = uow.campaigns.inspections(campaign_id=campaign_id, start=period.start, end=period.end, limit=200000)
        units = {str(u["id"]): u["name"] for u in uow.org.units()}
        areas = {a["code"]: a["name"] for a in uow.areas.areas()}
    scores: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for i in insp:
        key = area_key(i) if scope == "area" else str(i["unit_id"] or "")
        if not key:
            continue
        counts[key] += 1
        names[key] = (i["area_name"] or areas.get(i["area_code"], key)) if scope == "area" else units.get(key, key)
        if i["score"] is not None:
            scores[key].append(float(i["score"]))
    case_scores: dict[str, float | None] = {}
    if rule.case_weight > 0:
        ds = indicator_service.load(rt, period)
        for row in evaluation_rankings.scores(rt, ds, "street" if scope == "area" else "unit"):
            if row["key"] in counts:
                case_scores[row["key"]] = row["score"]
    rows = [AppraisalRow(subject=k, name=names[k],
                         inspection_score=round(sum(scores[k]) / len(scores[k]), 2) if scores[k] else None,
                         inspections=counts[k], case_score=case_scores.get(k)) for k in counts]
    ranked = appraise(rows, rule)
    return {"scope": scope, "scope_label": SCOPES[scope], "from": first.isoformat(), "to": last.isoformat(),
            "campaign": campaign, "rule": rule.to_dict(), "rule_text": rule.describe(),
            "rows": [{"subject": r.subject, "name": r.name, "inspection_score": r.inspection_score,
                      "inspections": r.inspections, "case_score": r.case_score, "total": r.total, "rank": r.rank,
                      "flag": r.flag, "flag_label": flag_label(r.flag, rule.scheme), "reason": r.reason}
                     for r in ranked]}


def publish(rt: Runtime, actor: Actor, title: str, scope: str, first: date, last: date, rule: AppraisalRule,
            campaign: str = "") -> int:
    if actor.role not in MANAGERS:
        raise Forbidden(f"「{actor.role.label}」不能发布评比结果")
    if not title.strip():
        raise InvalidInput("请填写评比名称", {"field": "title"})
    result = compute(rt, scope, first, last, rule, campaign)
    with unit_of_work(rt) as uow:
        campaign_id = campaign_of(uow, campaign)["id"] if campaign else None
        aid = uow.campaigns.save_appraisal(
            {"campaign_id": campaign_id, "title": title.strip()[:200], "period_from": first, "period_to": last,
             "rule": {**rule.to_dict(), "scope": scope}, "rule_text": result["rule_text"], "published_at": rt.now(),
             "published_by": actor.name or actor.role.label},
            [{k: r[k] for k in ("subject", "inspection_score", "inspections", "case_score", "total", "rank", "flag",
                                "reason")} | {"name": r["name"][:100]} for r in result["rows"]])
        record_change(rt, uow, actor, "campaign_appraisal", aid, "create", None,
                      {"title": title, "flags": {r["name"]: r["flag_label"] for r in result["rows"] if r["flag"]}})
        uow.commit()
    return aid


def history(rt: Runtime, campaign: str = "") -> list[dict[str, Any]]:
    """Published appraisals, newest first, each with its rows and flags."""
    with unit_of_work(rt, readonly=True) as uow:
        campaign_id = campaign_of(uow, campaign)["id"] if campaign else None
        out = []
        for a in uow.campaigns.appraisals(campaign_id):
            rows = uow.campaigns.appraisal_rows(a["id"])
            scheme = str(a["rule"].get("scheme", "red_blue"))
            for r in rows:
                r["flag_label"] = flag_label(r["flag"], scheme)
            out.append({**a, "rows": rows})
    return out
