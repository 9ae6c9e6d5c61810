"""Evaluation indicators (考核指标) for any period and any cut: unit, grid, community, street,
district, category, source. Definitions: docs/indicators.md; rules: domain/indicators.py.

One period is read with a handful of grouped queries (store/supervision.py): each returns rows keyed
by (unit, grid, community, street, district, category, source), so every cut of the same period is
a roll-up in Python with no further database work. A month of ~20,000 cases stays in seconds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from citysteward.cases.domain.access import led_units
from citysteward.cases.domain.model import Source
from citysteward.catalogue import services as catalogue_services
from citysteward.evaluation import domain as evaluation_domain
from citysteward.evaluation.ports import unit_of_work
from citysteward.geography import services as geography_services
from citysteward.kernel import periods as kernel_periods
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import InvalidInput
from citysteward.org.services import accounts, settings
from citysteward.platform.runtime import Runtime

SETTINGS_KEY = "evaluation"
CUTS: dict[str, str | None] = {
    "total": None, "unit": "unit", "grid": "grid_code", "community": "community_code", "street": "street_code",
    "district": "district_code", "category": "category_code", "source": "source",
}
CUT_LABELS = {"total": "合计", "unit": "责任单位", "grid": "网格", "community": "社区", "street": "街道",
              "district": "区县", "category": "问题类别", "source": "来源"}
FILTERS = {"unit": "unit", "grid": "grid_code", "community": "community_code", "street": "street_code",
           "district": "district_code", "category": "category_code", "source": "source"}
NOT_DISPATCHED = "（未派遣）"
# sources whose registered reports count as missed by the inspectors (漏报)
INSPECTOR_SOURCES = frozenset({Source.INSPECTOR.value, Source.SENSOR.value})


# ---------------------------------------------------------------- configuration
def config(rt: Runtime) -> evaluation_domain.EvaluationConfig:
    return settings.load(rt, SETTINGS_KEY, evaluation_domain.EvaluationConfig.from_dict)


def set_config(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Replace the evaluation settings (weights, bands, grades, ranking, step limits)."""
    return settings.replace(rt, actor, SETTINGS_KEY, data, evaluation_domain.EvaluationConfig.from_dict)


# ---------------------------------------------------------------- periods
def period_of(rt: Runtime, period: str | None = None, date_from: str | date | None = None,
              date_to: str | date | None = None) -> kernel_periods.Period:
    """`period` = YYYY-MM (a month) or YYYY-MM-DD (a day); or `date_from`..`date_to` (local days,
    both included); by default the current month."""
    tz = rt.settings.tz
    if period:
        if len(period.strip()) == 10:
            return kernel_periods.Period.day(kernel_periods.parse_day(period), tz)
        return kernel_periods.Period.month(*kernel_periods.parse_month(period), tz)
    if date_from or date_to:
        if not (date_from and date_to):
            raise InvalidInput("请同时给出开始和结束日期", {"field": "date_from"})
        first = date_from if isinstance(date_from, date) else kernel_periods.parse_day(date_from)
        last = date_to if isinstance(date_to, date) else kernel_periods.parse_day(date_to)
        return kernel_periods.Period.days(first, last, tz)
    today = rt.now().astimezone(tz).date()
    return kernel_periods.Period.month(today.year, today.month, tz)


# ---------------------------------------------------------------- loading and rolling up
@dataclass
class Dataset:
    period: kernel_periods.Period
    rows: list[dict[str, Any]]
    minutes: list[dict[str, Any]]


def load(rt: Runtime, period: kernel_periods.Period) -> Dataset:
    cfg = config(rt)
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.evaluation.indicator_rows(period.start, period.end, dict(cfg.step_minutes))
        minutes = uow.evaluation.handle_minutes(period.start, period.end)
    return Dataset(period, rows, minutes)


def counts_of(row: Mapping[str, Any]) -> dict[str, int]:
    """What one grouped row adds to the counts (see docs/indicators.md)."""
    n = int(row["n"])
    kind = row["kind"]
    out: dict[str, int] = {}
    if kind == "plain":
        action = row["action"]
        simple = {"report": "reported", "dispatch": "dispatched", "check_fail": "rework", "handle": "handled",
                  "approve_suspend": "suspended", "approve_extension": "extended", "approve_return": "returned",
                  "void": "voided"}
        if action in simple:
            out[simple[action]] = n
        if action in ("register", "self_handle"):
            out["registered"] = n
        if action == "register" and row["source"] not in INSPECTOR_SOURCES:
            out["missed"] = n
        if action == "self_handle":
            out["self_handled"] = n
        if action == "void" and row["from_registered"]:
            out["voided_registered"] = n
        if action == "handle":
            out["handled_on_time" if row["on_time"] else "handled_late"] = n
    elif kind == "valid_reported":
        out["valid_reported"] = n
    elif kind == "closed":
        out["closed"] = n
        if row["on_time"]:
            out["closed_on_time"] = n
    elif kind == "overdue_unhandled":
        out["overdue_unhandled"] = n
    elif kind == "step_verify":
        out["verified"] = n
        if row["on_time"]:
            out["verified_on_time"] = n
    elif kind == "step_dispatch":
        if row["on_time"]:
            out["dispatched_on_time"] = n
    elif kind == "step_check":
        out["checked"] = n
        if row["on_time"]:
            out["checked_on_time"] = n
    return out


def _keep(row: Mapping[str, Any], filters: Mapping[str, Iterable[Any]]) -> bool:
    return all(row.get(dim) in values for dim, values in filters.items())


def _normalise_filters(filters: Mapping[str, Any] | None) -> dict[str, set[Any]]:
    out: dict[str, set[Any]] = {}
    for name, value in (filters or {}).items():
        if value in (None, "", []):
            continue
        dim = FILTERS.get(name)
        if dim is None:
            raise InvalidInput(f"不支持的筛选条件：{name}", {"field": name})
        values = value if isinstance(value, list | tuple | set) else [value]
        out[dim] = {int(v) for v in values} if dim == "unit" else {str(v) for v in values}
    return out


def rollup(ds: Dataset, cut: str, filters: Mapping[str, Any] | None = None, viewer: Actor | None = None
           ) -> tuple[dict[Any, dict[str, int]], dict[Any, list[float]]]:
    """Counts and handling times by `cut`; a unit's staff (`viewer`) get their own unit's only
    (cases.domain.access.led_units), whatever units they ask for."""
    if cut not in CUTS:
        raise InvalidInput(f"不支持的统计维度：{cut}（可选 {'、'.join(CUTS)}）", {"field": "cut"})
    dim = CUTS[cut]
    f = _normalise_filters(filters)
    own = led_units(viewer) if viewer is not None else None
    if own is not None:
        f["unit"] = f.get("unit", set(own)) & set(own)  # empty: nothing matches
    counts: dict[Any, dict[str, int]] = defaultdict(dict)
    for row in ds.rows:
        if f and not _keep(row, f):
            continue
        key = row[dim] if dim else ""
        evaluation_domain.add_counts(counts[key], counts_of(row))
    minutes: dict[Any, list[float]] = defaultdict(list)
    for row in ds.minutes:
        if (f and not _keep(row, f)) or row["minutes"] is None:
            continue
        minutes[row[dim] if dim else ""].append(float(row["minutes"]))
    return counts, minutes


def names_for(rt: Runtime, cut: str) -> Any:
    if cut == "unit":
        units = accounts.unit_names(rt)
        return lambda k: NOT_DISPATCHED if k in (None, "") else units.get(int(k), f"单位 {k}")
    if cut in ("grid", "community", "street", "district"):
        areas = geography_services.area_names(rt)
        return lambda k: areas.get(k, k)
    if cut == "category":
        catalogue = catalogue_services.catalogue(rt)
        return lambda k: catalogue.name(k)
    if cut == "source":
        return lambda k: Source(k).label if k in Source._value2member_map_ else k
    return lambda k: "合计"


def entry(key: Any, name: str, raw: Mapping[str, int], minutes: list[float]) -> dict[str, Any]:
    counts = evaluation_domain.derive(raw)
    return {"key": key, "name": name, "counts": counts, "rates": evaluation_domain.rates(counts),
            "handle_time": evaluation_domain.duration_stats(minutes)}


def table(rt: Runtime, ds: Dataset, cut: str, filters: Mapping[str, Any] | None = None,
          viewer: Actor | None = None) -> dict[str, Any]:
    counts, minutes = rollup(ds, cut, filters, viewer)
    name = names_for(rt, cut)
    rows = [entry(k, name(k), counts[k], minutes.get(k, [])) for k in counts]
    rows.sort(key=lambda r: (r["key"] in (None, ""), str(r["key"])))
    all_counts: dict[str, int] = {}
    for c in counts.values():
        evaluation_domain.add_counts(all_counts, c)
    all_minutes = [m for ms in minutes.values() for m in ms]
    p = ds.period
    return {
        "period": {"label": p.label, "from": p.first.isoformat(), "to": p.last.isoformat(), "start": p.start,
                   "end": p.end},
        "cut": cut, "cut_label": CUT_LABELS[cut],
        "total": entry("", "合计", all_counts, all_minutes),
        "rows": rows if cut != "total" else [],
    }


def compute(rt: Runtime, period: kernel_periods.Period, cut: str = "total", filters: Mapping[str, Any] | None = None,
            viewer: Actor | None = None) -> dict[str, Any]:
    return table(rt, load(rt, period), cut, filters, viewer)


def definitions() -> dict[str, Any]:
    return {"counts": [{"code": c, "label": label, "standard": c in evaluation_domain.STANDARD_COUNTS} for c, label in evaluation_domain.COUNTS],
            "rates": [{"code": c, "label": label, "numerator": [list(t) for t in terms], "denominator": d}
                      for c, label, terms, d in evaluation_domain.RATES],
            "cuts": [{"code": c, "label": CUT_LABELS[c]} for c in CUTS],
            "doc": "docs/indicators.md"}
