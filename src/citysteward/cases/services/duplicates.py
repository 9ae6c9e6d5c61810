"""Likely duplicates (疑似重复) for the acceptor: open reports near the same place, reported recently,
with a similar text, in the same or a related category — a wrong pick by the citizen ("污水井盖" for a
"雨水井盖") no longer hides a duplicate. Each candidate says why in plain words; merging keeps both
reporters (see citizens.services.merge_duplicate, which also notifies them)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from citysteward.cases.domain.case import Case
from citysteward.cases.domain.model import CaseState
from citysteward.cases.ports import unit_of_work
from citysteward.catalogue import services as catalogue_services
from citysteward.catalogue.suggest import services as suggest_services
from citysteward.catalogue.suggest.model import features
from citysteward.kernel.cells import cell_of, cells_within
from citysteward.kernel.errors import NotFound
from citysteward.platform.runtime import Runtime

RADIUS_M = 300.0  # farther than this is another place
WINDOW = timedelta(days=7)  # older reports are not the same event
THRESHOLD = 0.45  # shown from this score on
MIN_TEXT = 0.15  # a text this similar is evidence of the same problem
SCAN = 60  # open reports read around the place
# Weights of the four signals; they add up to 1.
W_PLACE, W_TIME, W_TEXT, W_CATEGORY = 0.35, 0.15, 0.30, 0.20
# Categories that are often the same problem seen differently (besides the same class of manholes,
# lights, and whatever the suggestion model ranks high for the text).
RELATED: tuple[frozenset[str], ...] = (
    frozenset({"TF01", "06013", "01023", "TF02"}),  # a collapse, a hole, an open manhole, a burst main
    frozenset({"TF02", "TF06", "TF04", "01004"}),  # water on the road
    frozenset({"TF04", "01002", "01003", "01023"}),  # sewers and their covers
    frozenset({"TF03", "01011", "01057"}),  # gas
    frozenset({"TF08", "10002", "01028", "01030"}),  # wires and poles
    frozenset({"04002", "TF99", "04001"}),  # fallen trees
    frozenset({"06010", "06011", "06042", "06036"}),  # rubbish
    frozenset({"09009", "09012", "09019"}),  # parking
)


@dataclass(frozen=True, slots=True)
class Candidate:
    case_no: str
    category_code: str
    category_name: str
    description: str
    address: str
    state_label: str
    reported_at: datetime
    distance_m: float
    score: float
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"case_no": self.case_no, "category_code": self.category_code, "category_name": self.category_name,
                "description": self.description, "address": self.address, "state_label": self.state_label,
                "reported_at": self.reported_at.isoformat(), "distance_m": round(self.distance_m),
                "score": self.score, "reasons": list(self.reasons)}


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * r * math.asin(math.sqrt(a))


def text_similarity(a: str, b: str) -> float:
    """Cosine of the two texts' character 2- and 3-gram counts (0..1)."""
    fa = Counter({k: v for k, v in features(a).items() if len(k) > 1})
    fb = Counter({k: v for k, v in features(b).items() if len(k) > 1})
    dot = sum(v * fb[k] for k, v in fa.items() if k in fb)
    norm = math.sqrt(sum(v * v for v in fa.values())) * math.sqrt(sum(v * v for v in fb.values()))
    return dot / norm if norm else 0.0


def category_relation(a: str, b: str, class_of: dict[str, str], suggested: frozenset[str]) -> tuple[float, str]:
    if a == b:
        return 1.0, "同一类别"
    if any(a in group and b in group for group in RELATED):
        return 0.7, "相关类别"
    if b in suggested:
        return 0.6, "描述也符合该类别"
    if class_of.get(a) and class_of.get(a) == class_of.get(b) and not a.startswith("TF"):
        return 0.4, "同一大类"
    return 0.0, ""


def score(case: Case | dict[str, Any], other: dict[str, Any], class_of: dict[str, str],
          suggested: frozenset[str]) -> tuple[float, float, tuple[str, ...]]:
    """The candidate's score (0..1), its distance and the reasons, in plain words. Place and time
    alone are not enough: without a similar text or a related category the score is halved."""
    def get(key: str) -> Any:
        return case[key] if isinstance(case, dict) else getattr(case, key)

    d = distance_m(get("lon"), get("lat"), other["lon"], other["lat"])
    place = max(0.0, 1 - d / RADIUS_M)
    dt = abs(get("reported_at") - other["reported_at"])
    time = max(0.0, 1 - dt / WINDOW)
    text = text_similarity(get("description"), other["description"])
    cat, cat_reason = category_relation(get("category_code"), other["category_code"], class_of, suggested)
    total = W_PLACE * place + W_TIME * time + W_TEXT * min(1.0, text * 1.5) + W_CATEGORY * cat
    if text < MIN_TEXT and not cat:
        total /= 2
    reasons = [f"相距约 {round(d)} 米"]
    hours = dt.total_seconds() / 3600
    reasons.append(f"相隔 {hours:.0f} 小时" if hours >= 1 else "相隔不到 1 小时")
    if text >= 0.2:
        reasons.append(f"描述相似（{text:.0%}）")
    if cat_reason:
        reasons.append(cat_reason)
    return round(total, 3), d, tuple(reasons)


def likely_duplicates(rt: Runtime, case_no: str, limit: int = 5) -> list[Candidate]:
    """Open reports that may be the same problem as this case, best first."""
    with unit_of_work(rt, readonly=True) as uow:
        case = uow.cases.get(case_no)
        if case is None:
            raise NotFound(f"案件 {case_no} 不存在", {"case_no": case_no})
        rows = uow.cases.nearby_open(sorted(cells_within(cell_of(case.lon, case.lat), 2)), None, SCAN)
    return rank(rt, case, [r for r in rows if r["case_no"] != case.case_no], limit)


def rank(rt: Runtime, case: Case, rows: list[dict[str, Any]], limit: int = 5) -> list[Candidate]:
    catalogue = catalogue_services.catalogue(rt)
    class_of = {code: c.class_code for code, c in catalogue.by_code.items()}
    suggested = frozenset(s.code for s in suggest_services.suggest(rt, case.description, 5).items)
    out = []
    for r in rows:
        total, d, reasons = score(case, r, class_of, suggested)
        if total >= THRESHOLD and d <= RADIUS_M:
            out.append(Candidate(r["case_no"], r["category_code"], catalogue.name(r["category_code"]),
                                 r["description"][:120], r.get("address") or "", CaseState(r["state"]).label,
                                 r["reported_at"], d, total, reasons))
    out.sort(key=lambda c: (-c.score, c.case_no))
    return out[:limit]
