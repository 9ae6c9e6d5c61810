"""Composite scores and rankings with red and blue flags (综合评价排名、红蓝旗).

Units are scored with the unit scheme, streets with the area scheme (weights and grade bands from the
evaluation settings, domain/indicators.py). Only subjects with at least `min_cases` in the scheme's
sample count are ranked; the top N get a red flag, the bottom N a blue flag. Publishing a month stores
its ranking in `ranking_flags`, so each month can be set beside the one before.
"""

from __future__ import annotations

from typing import Any

from citysteward.evaluation import domain as evaluation_domain
from citysteward.evaluation.ports import unit_of_work
from citysteward.evaluation.services import indicators as indicator_service
from citysteward.kernel import periods as kernel_periods
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden, InvalidInput
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.tickets import ISSUERS

SCOPES = {"unit": ("unit", "unit"), "street": ("street", "area"), "district": ("district", "area")}
SCOPE_LABELS = {"unit": "责任单位", "street": "街道", "district": "区县"}


def _subjects(rt: Runtime, scope: str) -> dict[str, str]:
    """Everyone who should appear in a ranking, even with no cases (listed unranked)."""
    if scope == "unit":
        with unit_of_work(rt, readonly=True) as uow:
            return {str(u["id"]): u["name"] for u in uow.org.units() if u["active"]}
    level = "street" if scope == "street" else "district"
    with unit_of_work(rt, readonly=True) as uow:
        return {a["code"]: a["name"] for a in uow.areas.areas(level=level)}


def scores(rt: Runtime, ds: indicator_service.Dataset, scope: str,
           config: evaluation_domain.EvaluationConfig | None = None) -> list[dict[str, Any]]:
    """Ranked rows of one period (a Dataset from services/indicators.load)."""
    if scope not in SCOPES:
        raise InvalidInput(f"不支持的排名范围：{scope}（可选 unit、street、district）", {"field": "scope"})
    cfg = config or indicator_service.config(rt)
    cut, scheme_name = SCOPES[scope]
    scheme = cfg.unit if scheme_name == "unit" else cfg.area
    counts, minutes = indicator_service.rollup(ds, cut)
    subjects = _subjects(rt, scope)
    name = indicator_service.names_for(rt, cut)
    keys = {str(k) for k in counts if k not in (None, "")} | set(subjects)
    rows = []
    by_key = {str(k): v for k, v in counts.items() if k not in (None, "")}
    mins = {str(k): v for k, v in minutes.items() if k not in (None, "")}
    for key in keys:
        raw = evaluation_domain.derive(by_key.get(key, {}))
        score = evaluation_domain.composite(raw, scheme, cfg)
        rows.append(evaluation_domain.Ranked(key=key, name=subjects.get(key) or name(int(key) if scope == "unit" else key),
                               score=score.value, grade=score.grade, sample=int(raw.get(scheme.sample, 0)),
                               extra={"counts": raw, "rates": evaluation_domain.rates(raw), "parts": score.parts,
                                      "handle_time": evaluation_domain.duration_stats(mins.get(key, []))}))
    ranked = evaluation_domain.rank(rows, cfg.min_cases, cfg.red_flags, cfg.blue_flags)
    return [{"key": r.key, "name": r.name, "score": r.score, "grade": r.grade, "sample": r.sample,
             "rank": r.rank, "flag": r.flag, "flag_label": evaluation_domain.FLAG_LABELS.get(r.flag or ""),
             "ranked": r.rank is not None, **r.extra} for r in ranked]


def ranking(rt: Runtime, period: kernel_periods.Period, scope: str = "unit",
            ds: indicator_service.Dataset | None = None) -> dict[str, Any]:
    """A live ranking for a period, with last month's published rank and flag beside each row."""
    ds = ds or indicator_service.load(rt, period)
    rows = scores(rt, ds, scope)
    prev_key = period.previous_month(rt.settings.tz).month_key
    with unit_of_work(rt, readonly=True) as uow:
        previous = {r["subject"]: r for r in uow.evaluation.ranking(prev_key, scope)}
        published = bool(uow.evaluation.ranking(period.month_key, scope))
    for row in rows:
        prev = previous.get(row["key"])
        row["previous"] = ({"period": prev_key, "rank": prev["rank"], "flag": prev["flag"], "score": prev["score"],
                            "grade": prev["grade"]} if prev else None)
        row["rank_change"] = (prev["rank"] - row["rank"]) if prev and prev["rank"] and row["rank"] else None
    cfg = indicator_service.config(rt)
    scheme = cfg.unit if SCOPES[scope][1] == "unit" else cfg.area
    return {"period": {"label": period.label, "month": period.month_key, "from": period.first.isoformat(),
                       "to": period.last.isoformat()},
            "scope": scope, "scope_label": SCOPE_LABELS[scope], "published": published,
            "weights": dict(scheme.weights), "sample": scheme.sample,
            "sample_label": evaluation_domain.COUNT_LABELS[scheme.sample], "min_cases": cfg.min_cases,
            "red_flags": cfg.red_flags, "blue_flags": cfg.blue_flags,
            "grades": [list(g) for g in cfg.grades], "rows": rows}


def publish(rt: Runtime, actor: Actor, period: kernel_periods.Period, scopes: tuple[str, ...] = ("unit", "street")
            ) -> dict[str, Any]:
    """Store the month's ranking and flags (replacing an earlier publication of the same month)."""
    if actor.role not in ISSUERS and actor.role is not Role.SYSTEM:
        raise Forbidden(f"「{actor.role.label}」不能发布排名")
    if period.first.day != 1 or period.last != kernel_periods.Period.month(period.first.year, period.first.month,
                                                                rt.settings.tz).last:
        raise InvalidInput("红蓝旗按自然月发布，请给出月份（YYYY-MM）")
    ds = indicator_service.load(rt, period)
    saved = {}
    now = rt.now()
    for scope in scopes:
        rows = scores(rt, ds, scope)
        with unit_of_work(rt) as uow:
            saved[scope] = uow.evaluation.save_ranking(period.month_key, scope, [
                {"subject": r["key"], "subject_name": r["name"][:100], "rank": r["rank"], "score": r["score"],
                 "grade": r["grade"], "sample": r["sample"], "flag": r["flag"]} for r in rows], now)
            record_change(rt, uow, actor, "ranking", f"{period.month_key}:{scope}", "create", None,
                          {"rows": saved[scope]})
            uow.commit()
    return {"period": period.month_key, "saved": saved}


def history(rt: Runtime, scope: str = "unit", subject: str | None = None, limit: int = 120) -> list[dict[str, Any]]:
    """Published flags, newest month first (one subject's months, or every subject)."""
    if scope not in SCOPES:
        raise InvalidInput(f"不支持的排名范围：{scope}", {"field": "scope"})
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.evaluation.flag_history(scope, subject, limit)
    return [{"period": r["period"], "subject": r["subject"], "name": r["subject_name"], "rank": r["rank"],
             "score": r["score"], "grade": r["grade"], "sample": r["sample"], "flag": r["flag"],
             "flag_label": evaluation_domain.FLAG_LABELS.get(r["flag"] or ""), "published_at": r["published_at"]} for r in rows]
