"""Evaluation indicators (综合评价): the counts and rates of standards/STANDARDS.md, composite scores
with configurable weights and grade bands, and rankings with red and blue flags (红蓝旗).

The counts are computed from the step log (services/indicators.py, store/supervision.py); their exact
definitions in terms of events are in docs/indicators.md. This module holds what needs no storage:
the list of indicators, rates from counts, scores, grades, ranks, percentiles and periods.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from citysteward.kernel.errors import InvalidInput

# The counts, in the order of STANDARDS.md, then the helper counts some rates need.
COUNTS: tuple[tuple[str, str], ...] = (
    ("reported", "上报数"),
    ("valid_reported", "有效上报数"),
    ("registered", "立案数"),
    ("voided", "作废数"),
    ("dispatched", "派遣数"),
    ("rework", "返工数"),
    ("due_handle", "应处置数"),
    ("handled", "处置数"),
    ("handled_on_time", "按时处置数"),
    ("handled_late", "超期处置数"),
    ("overdue_unhandled", "超期未处置数"),
    ("due_close", "应结案数"),
    ("closed", "结案数"),
    ("closed_on_time", "按期结案数"),
    ("suspended", "挂账数"),
    ("extended", "延期数"),
    ("returned", "回退数"),
    ("self_handled", "自处理数"),
    # helper counts
    ("verified", "核实数"),
    ("verified_on_time", "按时核实数"),
    ("checked", "核查数"),
    ("checked_on_time", "按时核查数"),
    ("dispatched_on_time", "按时派遣数"),
    ("missed", "漏报数"),
    ("voided_registered", "立案后作废数"),
)
COUNT_LABELS = dict(COUNTS)
STANDARD_COUNTS = tuple(code for code, _ in COUNTS[:18])

# rate -> (label, numerator terms (code, sign), denominator)
RATES: tuple[tuple[str, str, tuple[tuple[str, int], ...], str], ...] = (
    ("valid_report_rate", "有效上报率", (("valid_reported", 1),), "reported"),
    ("on_time_verify_rate", "按时核实率", (("verified_on_time", 1),), "verified"),
    ("on_time_check_rate", "按时核查率", (("checked_on_time", 1),), "checked"),
    ("missed_rate", "漏报率", (("missed", 1),), "registered"),
    ("accurate_register_rate", "准确立案率", (("registered", 1), ("voided_registered", -1)), "registered"),
    ("on_time_dispatch_rate", "按时派遣率", (("dispatched_on_time", 1),), "dispatched"),
    ("accurate_dispatch_rate", "准确派遣率", (("dispatched", 1), ("rework", -1)), "dispatched"),
    ("handle_rate", "处置率", (("handled", 1),), "due_handle"),
    ("on_time_handle_rate", "按时处置率", (("handled_on_time", 1),), "due_handle"),
    ("close_rate", "结案率", (("closed", 1),), "due_close"),
    ("on_time_close_rate", "按期结案率", (("closed_on_time", 1),), "due_close"),
    ("rework_rate", "返工率", (("rework", 1),), "handled"),
)
RATE_LABELS = {code: label for code, label, _n, _d in RATES}
# Rates where lower is better; a score uses 100 − rate.
LOWER_IS_BETTER = frozenset({"missed_rate", "rework_rate"})


def derive(counts: Mapping[str, int]) -> dict[str, int]:
    """Fill the counts defined by other counts (应处置 = 处置 + 超期未处置, 应结案 = 结案 + 超期未处置)."""
    out = {code: int(counts.get(code, 0)) for code, _ in COUNTS}
    out["due_handle"] = out["handled"] + out["overdue_unhandled"]
    out["due_close"] = out["closed"] + out["overdue_unhandled"]
    return out


def rates(counts: Mapping[str, int]) -> dict[str, float | None]:
    """Percentages with two decimals; None where the denominator is 0 (a rate of nothing is not 0%)."""
    out: dict[str, float | None] = {}
    for code, _label, terms, denominator in RATES:
        d = counts.get(denominator, 0)
        if not d:
            out[code] = None
            continue
        n = max(0, sum(sign * counts.get(term, 0) for term, sign in terms))
        out[code] = round(100.0 * n / d, 2)
    return out


def add_counts(into: dict[str, int], other: Mapping[str, int]) -> None:
    for key, value in other.items():
        into[key] = into.get(key, 0) + int(value)


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont, numpy's default)."""
    if not values:
        return None
    xs = sorted(values)
    k = (len(xs) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    if lo == hi:
        return float(xs[lo])
    return float(xs[lo] + (xs[hi] - xs[lo]) * (k - lo))


def duration_stats(minutes: Sequence[float]) -> dict[str, float | int | None]:
    """Average, p50 and p90 of handling times, in hours (two decimals)."""
    def hours(v: float | None) -> float | None:
        return None if v is None else round(v / 60.0, 2)

    avg = sum(minutes) / len(minutes) if minutes else None
    return {"count": len(minutes), "avg_hours": hours(avg), "p50_hours": hours(percentile(minutes, 50)),
            "p90_hours": hours(percentile(minutes, 90))}


# ---------------------------------------------------------------- configuration
DEFAULT_EVALUATION: dict[str, Any] = {
    "unit": {
        "weights": {"case_band": 10, "close_rate": 30, "on_time_handle_rate": 30, "rework_rate": 30},
        "sample": "due_handle",
    },
    "area": {
        "weights": {"case_band": 10, "close_rate": 30, "on_time_close_rate": 30, "on_time_handle_rate": 30},
        "sample": "registered",
    },
    # case-count band (案件量档次): sample ≥ threshold → points; the first matching band wins.
    "case_bands": [[100, 100], [50, 90], [20, 80], [10, 70], [0, 60]],
    "grades": [["A", 90], ["B", 75], ["C", 60], ["D", 40], ["E", 0]],
    "ranking": {"min_cases": 5, "red_flags": 3, "blue_flags": 3},
    # natural minutes allowed for the steps that have their own on-time rate
    "step_minutes": {"verify": 120, "dispatch": 60, "check": 240},
}


@dataclass(frozen=True, slots=True)
class ScoreScheme:
    weights: Mapping[str, float]
    sample: str


@dataclass(frozen=True, slots=True)
class EvaluationConfig:
    unit: ScoreScheme
    area: ScoreScheme
    case_bands: tuple[tuple[int, float], ...]
    grades: tuple[tuple[str, float], ...]
    min_cases: int
    red_flags: int
    blue_flags: int
    step_minutes: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def default(cls) -> EvaluationConfig:
        return cls.from_dict({})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> EvaluationConfig:
        """Defaults overlaid with `data`; anything malformed is refused with a Chinese message."""
        merged = _merge(DEFAULT_EVALUATION, dict(data or {}))
        schemes = {}
        for scope in ("unit", "area"):
            raw = merged[scope]
            weights = {str(k): _number(v, f"{scope}.weights.{k}") for k, v in dict(raw["weights"]).items()}
            for metric in weights:
                if metric != "case_band" and metric not in RATE_LABELS:
                    raise InvalidInput(f"未知的评价指标：{metric}", {"field": f"{scope}.weights"})
            if not weights or sum(weights.values()) <= 0:
                raise InvalidInput("权重之和必须大于 0", {"field": f"{scope}.weights"})
            if raw.get("sample") not in COUNT_LABELS:
                raise InvalidInput(f"未知的样本量指标：{raw.get('sample')}", {"field": f"{scope}.sample"})
            schemes[scope] = ScoreScheme(weights, str(raw["sample"]))
        bands = tuple(sorted(((int(_number(a, "case_bands")), _number(b, "case_bands"))
                              for a, b in merged["case_bands"]), reverse=True))
        grades = tuple(sorted(((str(g), _number(lo, "grades")) for g, lo in merged["grades"]),
                              key=lambda x: -x[1]))
        if not bands or not grades:
            raise InvalidInput("案件量档次和等级划分不能为空")
        ranking = merged["ranking"]
        steps = {k: _number(v, f"step_minutes.{k}") for k, v in dict(merged["step_minutes"]).items()}
        return cls(unit=schemes["unit"], area=schemes["area"], case_bands=bands, grades=grades,
                   min_cases=int(_number(ranking["min_cases"], "ranking.min_cases")),
                   red_flags=int(_number(ranking["red_flags"], "ranking.red_flags")),
                   blue_flags=int(_number(ranking["blue_flags"], "ranking.blue_flags")),
                   step_minutes=steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": {"weights": dict(self.unit.weights), "sample": self.unit.sample},
            "area": {"weights": dict(self.area.weights), "sample": self.area.sample},
            "case_bands": [list(b) for b in self.case_bands],
            "grades": [list(g) for g in self.grades],
            "ranking": {"min_cases": self.min_cases, "red_flags": self.red_flags, "blue_flags": self.blue_flags},
            "step_minutes": dict(self.step_minutes),
        }


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if key not in base:
            raise InvalidInput(f"未知的配置项：{key}", {"field": key})
        if isinstance(base[key], dict) and isinstance(value, Mapping) and key not in ("weights",):
            out[key] = _merge(base[key], value)
        else:
            out[key] = value
    return out


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidInput(f"配置项 {where} 应为非负数", {"field": where})
    return float(value)


# ---------------------------------------------------------------- scores, grades, ranks
@dataclass(frozen=True, slots=True)
class Score:
    value: float | None
    grade: str | None
    parts: dict[str, float]


def case_band_points(sample: int, bands: Iterable[tuple[int, float]]) -> float:
    for threshold, points in bands:
        if sample >= threshold:
            return points
    return 0.0


def grade_for(value: float, grades: Iterable[tuple[str, float]]) -> str:
    last = ""
    for name, lower in grades:
        last = name
        if value >= lower:
            return name
    return last


def composite(counts: Mapping[str, int], scheme: ScoreScheme, config: EvaluationConfig) -> Score:
    """Weighted score 0–100. A rate that cannot be computed (denominator 0) drops out and the other
    weights are scaled up, so a unit is not punished or rewarded for work it was not given."""
    r = rates(counts)
    parts: dict[str, float] = {}
    total_weight = 0.0
    acc = 0.0
    for metric, weight in scheme.weights.items():
        if metric == "case_band":
            points = case_band_points(int(counts.get(scheme.sample, 0)), config.case_bands)
        else:
            value = r.get(metric)
            if value is None:
                continue
            points = 100.0 - value if metric in LOWER_IS_BETTER else value
        parts[metric] = round(points, 2)
        acc += weight * points
        total_weight += weight
    if total_weight <= 0 or set(parts) <= {"case_band"}:
        return Score(None, None, parts)
    value = round(acc / total_weight, 2)
    return Score(value, grade_for(value, config.grades), parts)


@dataclass(slots=True)
class Ranked:
    key: str
    name: str
    score: float | None
    grade: str | None
    sample: int
    rank: int | None = None
    flag: str | None = None  # "red" | "blue" | None
    extra: dict[str, Any] = field(default_factory=dict)


FLAG_LABELS = {"red": "红旗", "blue": "蓝旗"}


def rank(rows: Sequence[Ranked], min_cases: int, red_flags: int, blue_flags: int) -> list[Ranked]:
    """Rank by score (ties share a rank, then by sample and name for a stable order). Rows with a
    sample below `min_cases` or without a score are listed unranked. The top `red_flags` ranked get a
    red flag, the bottom `blue_flags` a blue one; the two never overlap."""
    eligible = [r for r in rows if r.score is not None and r.sample >= min_cases]
    others = [r for r in rows if r not in eligible]
    eligible.sort(key=lambda r: (-(r.score or 0.0), -r.sample, r.name, r.key))
    prev_score: float | None = None
    prev_rank = 0
    for i, r in enumerate(eligible, start=1):
        r.rank = prev_rank if r.score == prev_score else i
        prev_rank, prev_score = r.rank, r.score
        r.flag = None
    n = len(eligible)
    red = min(red_flags, n)
    blue = min(blue_flags, n - red)
    for r in eligible[:red]:
        r.flag = "red"
    for r in eligible[n - blue:] if blue else []:
        r.flag = "blue"
    for r in others:
        r.rank, r.flag = None, None
    others.sort(key=lambda r: (r.name, r.key))
    return eligible + others
