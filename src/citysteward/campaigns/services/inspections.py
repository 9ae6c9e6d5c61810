"""Inspections (明察暗访 / 第三方测评 / 自查) at registered subjects with a checklist template; a failed
item becomes a case (through the ordinary intake) or a supervision ticket in one action, and is
rectified (销号) when that case passes its on-site check or the ticket is accepted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from citysteward.campaigns.domain import (
    PROBLEM_LABELS,
    ItemResult,
    Outcome,
    RoundKind,
    judge,
    problem_state,
)
from citysteward.campaigns.ports import CampaignsUnitOfWork, unit_of_work
from citysteward.campaigns.services.setup import INSPECTORS, campaign_of
from citysteward.cases.services import intake
from citysteward.cases.services.photos import PreparedPhoto, save_photo
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.tickets import ISSUERS, TicketLevel, TicketSource
from citysteward.supervision.services import tickets as ticket_service

MAX_PHOTOS_PER_ITEM = 4


@dataclass(frozen=True, slots=True)
class ResultInput:
    item_code: str
    outcome: str
    count: int | None = None
    note: str = ""
    photos: tuple[PreparedPhoto, ...] = ()


@dataclass(frozen=True, slots=True)
class InspectionInput:
    subject_id: int
    template_id: int
    round_kind: str
    results: tuple[ResultInput, ...]
    campaign_code: str = ""
    note: str = ""


def inspect(rt: Runtime, actor: Actor, data: InspectionInput) -> dict[str, Any]:
    """Record one inspection with its item results and photos; returns its id, score and failures."""
    if actor.role not in INSPECTORS:
        raise Forbidden(f"「{actor.role.label}」不能录入检查结果")
    try:
        round_kind = RoundKind(data.round_kind)
    except ValueError as exc:
        raise InvalidInput(f"未知的检查方式：{data.round_kind}", {"field": "round_kind"}) from exc
    given: dict[str, ItemResult] = {}
    for r in data.results:
        try:
            outcome = Outcome(r.outcome)
        except ValueError as exc:
            raise InvalidInput(f"检查项 {r.item_code} 的结果只能是合格、不合格或不适用", {"field": r.item_code}) from exc
        if len(r.photos) > MAX_PHOTOS_PER_ITEM:
            raise InvalidInput(f"每个检查项最多 {MAX_PHOTOS_PER_ITEM} 张照片", {"field": r.item_code})
        # photo ids come after saving; a placeholder per photo lets judge() check "photo required"
        given[r.item_code] = ItemResult(r.item_code, outcome, r.count, r.note, tuple(range(len(r.photos))))
    now = rt.now()
    with unit_of_work(rt) as uow:
        subject = uow.campaigns.subject(data.subject_id)
        if subject is None:
            raise NotFound("检查对象不存在")
        template = uow.campaigns.template(data.template_id)
        if template is None:
            raise NotFound("检查标准模板不存在")
        if template.subject_kind.value != subject["kind"]:
            raise InvalidInput(f"模板「{template.name}」不适用于{subject['name']}", {"field": "template_id"})
        campaign_id = None
        if data.campaign_code:
            campaign = campaign_of(uow, data.campaign_code)
            if campaign["state"] != "active":
                raise Conflict(f"专项行动「{campaign['name']}」已结束")
            campaign_id = campaign["id"]
        judged = judge(template, given)
        photos = {r.item_code: r.photos for r in data.results}
        items = {i.code: i for i in template.items}
        rows = []
        for judged_item in judged.results:
            code = judged_item.item_code
            ids = [save_photo(rt, uow, p, None, actor.name or actor.role.label) for p in photos.get(code, ())]
            item_id = items[code].id
            assert item_id is not None
            rows.append({"item_id": item_id, "item_code": code, "outcome": judged_item.outcome.value,
                         "count": judged_item.count, "note": judged_item.note, "photo_ids": ids})
        iid = uow.campaigns.add_inspection({
            "campaign_id": campaign_id, "subject_id": subject["id"], "template_id": template.id,
            "round_kind": round_kind.value, "inspector_id": actor.user_id,
            "inspector_name": actor.name or actor.role.label, "at": now, "score": judged.score,
            "passed": judged.passed, "failed": judged.failed, "area_code": subject["area_code"],
            "area_name": subject["area_name"],
            "unit_id": subject["unit_id"], "note": data.note.strip()[:2000]}, rows)
        uow.commit()
    return {"id": iid, "score": judged.score, "passed": judged.passed, "failed": judged.failed}


def inspection_detail(rt: Runtime, inspection_id: int) -> dict[str, Any]:
    with unit_of_work(rt, readonly=True) as uow:
        row = uow.campaigns.inspection(inspection_id)
        if row is None:
            raise NotFound("检查记录不存在")
        subject = uow.campaigns.subject(row["subject_id"])
        template = uow.campaigns.template(row["template_id"])
        results = uow.campaigns.results_of([inspection_id])
        units = {u["id"]: u["name"] for u in uow.org.units()}
    assert subject is not None and template is not None
    for r in results:
        _decorate(r)
    return {**row, "subject": subject, "template": template, "results": results,
            "round_label": RoundKind(row["round_kind"]).label, "unit_name": units.get(row["unit_id"] or 0, "")}


def _decorate(r: dict[str, Any]) -> dict[str, Any]:
    r["outcome_label"] = Outcome(r["outcome"]).label
    r["outcome_colour"] = Outcome(r["outcome"]).colour
    if r["outcome"] == Outcome.FAIL.value:
        r["problem"] = problem_state(r.get("case_state"), r.get("ticket_state"))
        r["problem_label"] = PROBLEM_LABELS[r["problem"]]
    r["photo_urls"] = [f"/api/v1/photos/{p}" for p in r.get("photo_ids") or []]
    return r


def _failed_result(uow: CampaignsUnitOfWork, result_id: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    result = uow.campaigns.result(result_id, lock=True)
    if result is None:
        raise NotFound("检查结果不存在")
    if result["outcome"] != Outcome.FAIL.value:
        raise InvalidInput("只有不合格的检查项才能转为案件或督导单")
    if result["case_id"] or result["ticket_id"]:
        raise Conflict(f"该问题已转交：{result['case_no'] or result['ticket_no']}")
    inspection = uow.campaigns.inspection(result["inspection_id"])
    assert inspection is not None
    subject = uow.campaigns.subject(inspection["subject_id"])
    assert subject is not None
    return result, inspection, subject


def _item(uow: CampaignsUnitOfWork, inspection: Mapping[str, Any], item_id: int) -> Any:
    template = uow.campaigns.template(inspection["template_id"])
    assert template is not None
    return next(i for i in template.items if i.id == item_id), template


def to_case(rt: Runtime, actor: Actor, result_id: int, category_code: str = "") -> dict[str, Any]:
    """The failed item becomes a case through the ordinary intake (same numbering, grid and routing),
    with the item's photos; the case joins the inspection's campaign."""
    if actor.role is not Role.INSPECTOR:
        raise Forbidden("由监督员将不合格项上报为案件")
    with unit_of_work(rt) as uow:
        result, inspection, subject = _failed_result(uow, result_id)
        item, template = _item(uow, inspection, result["item_id"])
        category = (category_code or item.category_code).strip()
        if not category:
            raise InvalidInput("该检查项未设置案件类别，请选择案件类别", {"field": "category_code"})
        if subject["lon"] is None:
            raise InvalidInput("检查对象没有登记位置，无法上报案件", {"field": "subject"})
        text = f"【{template.name}】{subject['name']}：{item.text} 不合格" + (f"（{result['note']}）" if result["note"] else "")
        report = intake.report_within(rt, uow, intake.ReportInput(
            category_code=category, description=text, lon=subject["lon"], lat=subject["lat"],
            address=subject["address"] or subject["name"], photo_ids=tuple(result["photo_ids"] or ()),
            attributes={"inspection_id": inspection["id"], "item": item.text}), actor)
        uow.campaigns.set_result_link(result_id, {"case_id": report.id, "case_no": report.case_no})
        if inspection["campaign_id"]:
            uow.campaigns.link(inspection["campaign_id"], "case", report.id, report.case_no, rt.now())
        uow.commit()
    return {"case_no": report.case_no, "id": report.id}


def to_ticket(rt: Runtime, actor: Actor, result_id: int, level: str = "white") -> dict[str, Any]:
    """The failed item becomes a supervision ticket to the subject's responsible unit."""
    if actor.role not in ISSUERS:
        raise Forbidden(f"「{actor.role.label}」不能下发督导单")
    try:
        lv = TicketLevel(level)
    except ValueError as exc:
        raise InvalidInput("督导级别只能是 white、yellow 或 red", {"field": "level"}) from exc
    with unit_of_work(rt) as uow:
        result, inspection, subject = _failed_result(uow, result_id)
        item, template = _item(uow, inspection, result["item_id"])
        if not subject["unit_id"]:
            raise InvalidInput("检查对象没有登记责任单位，无法下发督导单", {"field": "unit_id"})
        ticket = ticket_service.issue_in(
            uow, rt, rt.now(), actor, level=lv, source=TicketSource.MANUAL,
            title=f"{template.name}：{subject['name']} {item.text}"[:200],
            content=f"{subject['name']}（{subject['address']}）检查项「{item.text}」不合格，请限期整改并回复。",
            unit_ids=(subject["unit_id"],), lon=subject["lon"], lat=subject["lat"], address=subject["address"])
        assert ticket.id is not None
        uow.campaigns.set_result_link(result_id, {"ticket_id": ticket.id, "ticket_no": ticket.ticket_no})
        if inspection["campaign_id"]:
            uow.campaigns.link(inspection["campaign_id"], "ticket", ticket.id, ticket.ticket_no, rt.now())
        uow.commit()
    return {"ticket_no": ticket.ticket_no, "id": ticket.id}


def recent(rt: Runtime, *, campaign_id: int | None = None, subject_id: int | None = None,
           start: datetime | None = None, end: datetime | None = None) -> list[dict[str, Any]]:
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.campaigns.inspections(campaign_id=campaign_id, subject_id=subject_id, start=start, end=end)
        subjects = {s["id"]: s for s in uow.campaigns.subjects(ids=sorted({r["subject_id"] for r in rows}), limit=100000)}
    for r in rows:
        s = subjects.get(r["subject_id"]) or {}
        r["subject_name"] = s.get("name", "")
        r["round_label"] = RoundKind(r["round_kind"]).label
    return rows


def decorate_all(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_decorate(r) for r in rows]
