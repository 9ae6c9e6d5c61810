"""The cases behind a figure (下钻): for one period, one cut and one key of it (a unit, a street, a
category …), the cases a count or a rate is made of. It reads the same grouped step log as the
indicators (store: `indicator_rows(by_case=True)`), split by case, and applies the same `counts_of`,
so the events listed add up to the figure on screen. A rate lists its denominator's cases, each
marked when it also counts in the numerator (e.g. 按时处置率: the cases due, the on-time ones marked)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from citysteward.cases.domain.access import led_units
from citysteward.cases.domain.model import CaseState
from citysteward.catalogue import services as catalogue_services
from citysteward.evaluation import domain as evaluation_domain
from citysteward.evaluation.ports import unit_of_work
from citysteward.evaluation.services import indicators as indicator_service
from citysteward.geography import services as geography_services
from citysteward.kernel import periods as kernel_periods
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import InvalidInput
from citysteward.org.services import accounts
from citysteward.platform.runtime import Runtime

# counts defined by other counts (domain.derive)
DERIVED = {"due_handle": ("handled", "overdue_unhandled"), "due_close": ("closed", "overdue_unhandled")}
RATE_PARTS = {code: (terms, denominator) for code, _label, terms, denominator in evaluation_domain.RATES}
MAX_LISTED = 500


def _parts(code: str) -> tuple[str, ...]:
    return DERIVED.get(code, (code,))


def _key_of(value: Any) -> str:
    return "" if value is None else str(value)


def cases_behind(rt: Runtime, period: kernel_periods.Period, cut: str, key: str, measure: str,
                 filters: Mapping[str, Any] | None = None, viewer: Actor | None = None) -> dict[str, Any]:
    if cut not in indicator_service.CUTS:
        raise InvalidInput(f"不支持的统计维度：{cut}", {"field": "cut"})
    is_rate = measure in RATE_PARTS
    if not is_rate and measure not in evaluation_domain.COUNT_LABELS:
        raise InvalidInput(f"未知的指标：{measure}", {"field": "measure"})
    if is_rate:
        terms, denominator = RATE_PARTS[measure]
        listed, marked = _parts(denominator), tuple(p for t, sign in terms if sign > 0 for p in _parts(t))
        minus = tuple(p for t, sign in terms if sign < 0 for p in _parts(t))
    else:
        listed, marked, minus = _parts(measure), (), ()
    cfg = indicator_service.config(rt)
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.evaluation.indicator_rows(period.start, period.end, dict(cfg.step_minutes), by_case=True)
    f = indicator_service._normalise_filters(filters)
    own = led_units(viewer) if viewer is not None else None
    if own is not None:
        f["unit"] = f.get("unit", set(own)) & set(own)
    dim = indicator_service.CUTS[cut]
    counted: dict[int, int] = defaultdict(int)
    in_numerator: dict[int, int] = defaultdict(int)
    for row in rows:
        if f and not indicator_service._keep(row, f):
            continue
        if dim and _key_of(row[dim]) != key:
            continue
        c = indicator_service.counts_of(row)
        n = sum(c.get(p, 0) for p in listed)
        if n:
            counted[row["case_id"]] += n
        m = sum(c.get(p, 0) for p in marked) - sum(c.get(p, 0) for p in minus)
        if m:
            in_numerator[row["case_id"]] += m
    ids = sorted(counted, reverse=True)
    with unit_of_work(rt, readonly=True) as uow:
        found = {r["id"]: r for r in uow.evaluation.case_rows(ids[:MAX_LISTED])}
    catalogue = catalogue_services.catalogue(rt)
    units = accounts.unit_names(rt)
    areas = geography_services.area_names(rt)
    name = indicator_service.names_for(rt, cut)
    items = []
    for cid in ids[:MAX_LISTED]:
        r = found.get(cid)
        if r is None:
            continue
        state = CaseState(r["state"])
        items.append({"case_no": r["case_no"], "category_name": catalogue.name(r["category_code"]),
                      "address": r["address"], "state": state.value, "state_label": state.label,
                      "unit_name": units.get(r["main_unit_id"] or 0, "—"),
                      "street_name": areas.get(r["street_code"], r["street_code"] or ""),
                      "reported_at": r["reported_at"], "times": counted[cid],
                      "in_numerator": in_numerator.get(cid, 0) > 0 if is_rate else None})
    label = evaluation_domain.RATE_LABELS.get(measure) or evaluation_domain.COUNT_LABELS[measure]
    subject = name(int(key) if cut == "unit" and key.isdigit() else (None if cut == "unit" else key)) if dim else "合计"
    total = sum(counted.values())
    numerator = sum(max(0, in_numerator.get(c, 0)) for c in counted) if is_rate else None
    return {"period": {"label": period.label}, "cut": cut, "key": key, "subject": subject, "measure": measure,
            "measure_label": label, "is_rate": is_rate, "total": total, "cases": len(counted),
            "numerator": numerator,
            "denominator_label": evaluation_domain.COUNT_LABELS[RATE_PARTS[measure][1]] if is_rate else None,
            "items": items, "truncated": len(ids) > MAX_LISTED}
