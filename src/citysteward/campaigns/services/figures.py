"""A campaign's figures over a period (进展报告) and its daily scheduling report (每日调度): subjects
inspected, pass rate by item, problems found / handed / rectified (销号), by area and by responsible
unit, the campaign's own supervision tickets by level and its cases."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from citysteward.campaigns.domain import Outcome, Phase, RoundKind, phase_on, problem_state
from citysteward.campaigns.ports import unit_of_work
from citysteward.campaigns.services.setup import campaign_of
from citysteward.kernel import periods as kernel_periods
from citysteward.kernel.errors import InvalidInput
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.tickets import TicketLevel


def area_key(inspection: dict[str, Any]) -> str:
    """Streets are keyed by code; a town beyond the gridded city by its name."""
    return str(inspection["area_code"] or inspection["area_name"] or "")


def _rate(num: int, den: int) -> float | None:
    return round(100.0 * num / den, 2) if den else None


def campaign_figures(rt: Runtime, code: str, first: date | None = None, last: date | None = None) -> dict[str, Any]:
    """Every figure of the progress report; the period defaults to the campaign's own dates."""
    tz = rt.settings.tz
    with unit_of_work(rt, readonly=True) as uow:
        c = campaign_of(uow, code)
        first = first or c["starts_on"]
        last = last or c["ends_on"]
        if last < first:
            raise InvalidInput("结束日期不能早于开始日期", {"field": "date_to"})
        period = kernel_periods.Period.days(first, last, tz)
        phases = [Phase(p["seq"], p["name"], p["starts_on"], p["ends_on"], p["goal"]) for p in uow.campaigns.phases(c["id"])]
        targets = uow.campaigns.targets(c["id"])
        insp = uow.campaigns.inspections(campaign_id=c["id"], start=period.start, end=period.end)
        results = uow.campaigns.results_of([i["id"] for i in insp])
        tickets = uow.campaigns.linked_tickets(c["id"])
        cases = uow.campaigns.linked_cases(c["id"])
        units = {u["id"]: u["name"] for u in uow.org.units()}
        areas = {a["code"]: a["name"] for a in uow.areas.areas()}
    by_inspection = {i["id"]: i for i in insp}
    scores = [i["score"] for i in insp if i["score"] is not None]

    items: dict[str, dict[str, Any]] = {}
    problems = {"found": 0, "handed": 0, "rectified": 0, "to_case": 0, "to_ticket": 0}
    cut: dict[str, dict[str, dict[str, Any]]] = {"area": {}, "unit": {}}
    for i in insp:
        for key, name in (("area", i["area_name"] or areas.get(i["area_code"], "未划分")),
                          ("unit", units.get(i["unit_id"] or 0, "未指定"))):
            k = area_key(i) if key == "area" else str(i["unit_id"] or "")
            row = cut[key].setdefault(k, {"key": k, "name": name, "inspections": 0, "score_sum": 0.0, "scored": 0,
                                          "found": 0, "rectified": 0})
            row["inspections"] += 1
            if i["score"] is not None:
                row["score_sum"] += i["score"]
                row["scored"] += 1
    for r in results:
        it = items.setdefault(r["item_code"] + "|" + r["item_text"], {"code": r["item_code"], "text": r["item_text"],
                                                                         "pass": 0, "fail": 0, "na": 0})
        it[r["outcome"]] += 1
        if r["outcome"] != Outcome.FAIL.value:
            continue
        state = problem_state(r["case_state"], r["ticket_state"])
        problems["found"] += 1
        problems["to_case"] += r["case_id"] is not None
        problems["to_ticket"] += r["ticket_id"] is not None
        problems["handed"] += state != "open"
        problems["rectified"] += state == "rectified"
        i = by_inspection[r["inspection_id"]]
        for key, k in (("area", area_key(i)), ("unit", str(i["unit_id"] or ""))):
            cut[key][k]["found"] += 1
            cut[key][k]["rectified"] += state == "rectified"
    for it in items.values():
        it["rate"] = _rate(it["pass"], it["pass"] + it["fail"])
    for rows in cut.values():
        for row in rows.values():
            row["avg_score"] = round(row.pop("score_sum") / row["scored"], 2) if row["scored"] else None
            row.pop("scored")
    by_level = Counter(t["level"] for t in tickets)
    ticket_rect = Counter(t["level"] for t in tickets if t["state"] == "rectified")
    today = rt.now().astimezone(tz).date()
    phase = phase_on(phases, today)
    return {
        "campaign": {**{k: c[k] for k in ("code", "name", "office", "starts_on", "ends_on", "goal", "state")},
                     "areas": [areas.get(a, a) for a in c["area_codes"] or ()], "members": list(c["members"] or ())},
        "period": {"from": first.isoformat(), "to": last.isoformat()},
        "phases": [{"seq": p.seq, "name": p.name, "from": p.starts_on.isoformat(), "to": p.ends_on.isoformat(),
                    "goal": p.goal, "current": phase is not None and p.seq == phase.seq} for p in phases],
        "targets": len(targets),
        "inspections": len(insp),
        "subjects_inspected": len({i["subject_id"] for i in insp}),
        "targets_inspected": len({i["subject_id"] for i in insp} & set(targets)),
        "avg_score": round(sum(scores) / len(scores), 2) if scores else None,
        "by_round": {RoundKind(k).label: v for k, v in sorted(Counter(i["round_kind"] for i in insp).items())},
        "items": sorted(items.values(), key=lambda x: (x["code"], x["text"])),
        "problems": {**problems, "rectify_rate": _rate(problems["rectified"], problems["found"])},
        "by_area": sorted(cut["area"].values(), key=lambda r: r["key"]),
        "by_unit": sorted(cut["unit"].values(), key=lambda r: r["name"]),
        "tickets": {"total": len(tickets), "rectified": sum(t["state"] == "rectified" for t in tickets),
                    "by_level": [{"level": lv.value, "label": lv.label, "count": by_level.get(lv.value, 0),
                                  "rectified": ticket_rect.get(lv.value, 0)} for lv in TicketLevel]},
        "cases": {"total": len(cases), "closed": sum(x["state"] == "closed" for x in cases),
                  "open": sum(x["state"] not in ("closed", "voided", "rejected", "merged") for x in cases)},
    }


def daily_report(rt: Runtime, code: str, day: date) -> dict[str, Any]:
    """每日调度: what the day added, the totals since the start, and the open problems by unit, in a few
    lines a 专班 reads at its morning meeting."""
    with unit_of_work(rt, readonly=True) as uow:
        c = campaign_of(uow, code)
    start = c["starts_on"]
    if day < start:
        raise InvalidInput("调度日期早于行动开始日期", {"field": "day"})
    today = campaign_figures(rt, code, day, day)
    total = campaign_figures(rt, code, start, day)
    open_by_unit: dict[str, int] = defaultdict(int)
    for row in total["by_unit"]:
        if row["found"] - row["rectified"]:
            open_by_unit[row["name"]] += row["found"] - row["rectified"]
    phase = next((p for p in total["phases"] if p["from"] <= day.isoformat() <= p["to"]), None)
    lines = [
        f"{c['name']}每日调度（{day.isoformat()}）" + (f"，{phase['name']}" if phase else ""),
        f"当日检查 {today['inspections']} 次、{today['subjects_inspected']} 个对象，发现问题 {today['problems']['found']} 个",
        f"累计检查 {total['inspections']} 次，发现问题 {total['problems']['found']} 个，"
        f"已销号 {total['problems']['rectified']} 个，整改率 "
        + (f"{total['problems']['rectify_rate']:.2f}%" if total["problems"]["rectify_rate"] is not None else "—"),
        f"督导单 {total['tickets']['total']} 张，已整改 {total['tickets']['rectified']} 张；"
        f"案件 {total['cases']['total']} 件，已结案 {total['cases']['closed']} 件",
    ]
    if open_by_unit:
        lines.append("待整改：" + "、".join(f"{k} {v} 个" for k, v in sorted(open_by_unit.items(), key=lambda x: -x[1])))
    return {"day": day.isoformat(), "today": today, "total": total, "open_by_unit": dict(open_by_unit),
            "lines": lines}
