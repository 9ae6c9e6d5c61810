"""The suggestion model of this runtime: trained on the packaged corpus plus the newest acceptors'
corrections, cached per worker for a few minutes (training takes about 0.1 s), so a correction
teaches the model within TTL seconds on every worker."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from citysteward.catalogue import services as catalogue_services
from citysteward.catalogue.domain.categories import Urgency
from citysteward.catalogue.suggest import corpus
from citysteward.catalogue.suggest.model import Example, Suggester
from citysteward.catalogue.suggest.ports import SuggestUnitOfWork
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import InvalidInput
from citysteward.platform.runtime import Runtime

TTL = 300.0
MAX_TEXT = 400  # the first characters decide; a long description adds little but time
MAX_CORRECTIONS = 5000
CORRECTION_WEIGHT = 2  # a correction counts like two phrases of the corpus


def unit_of_work(rt: Runtime, *, readonly: bool = False) -> AbstractContextManager[SuggestUnitOfWork]:
    return cast(AbstractContextManager[SuggestUnitOfWork], rt.uow(readonly=readonly))


def build(corrections: Sequence[tuple[str, str]] = ()) -> Suggester:
    c = corpus.packaged()
    learned = [Example(code, text) for code, text in corrections if code in c.codes] * CORRECTION_WEIGHT
    return Suggester([*c.examples, *learned], c.hazards)


def suggester(rt: Runtime) -> Suggester:
    def load() -> Suggester:
        with unit_of_work(rt, readonly=True) as uow:
            learned = uow.corrections.training(MAX_CORRECTIONS)
        return build(learned)
    return rt.cache.get("suggester", TTL, load)


@dataclass(frozen=True, slots=True)
class CategorySuggestion:
    code: str
    name: str
    class_name: str
    score: float


@dataclass(frozen=True, slots=True)
class SuggestionResult:
    items: tuple[CategorySuggestion, ...]
    urgent: bool
    urgent_score: float
    hazard_words: tuple[str, ...]

    @property
    def urgency(self) -> str:
        """The urgency to propose: 紧急 for a likely safety hazard."""
        return Urgency.URGENT.value if self.urgent else Urgency.NORMAL.value

    def to_json(self) -> dict[str, Any]:
        return {"items": [{"code": i.code, "name": i.name, "class_name": i.class_name, "score": i.score}
                          for i in self.items],
                "urgent": self.urgent, "urgent_score": self.urgent_score, "urgency": self.urgency,
                "hazard_words": list(self.hazard_words)}


def suggest(rt: Runtime, text: str, k: int = 3) -> SuggestionResult:
    if not 1 <= k <= 10:
        raise InvalidInput("建议个数 k 应在 1–10 之间", {"field": "k"})
    cat = catalogue_services.catalogue(rt)
    active = frozenset(code for code, c in cat.by_code.items() if c.active)
    p = suggester(rt).predict(text[:MAX_TEXT], k, allowed=active)
    items = tuple(CategorySuggestion(s.code, cat.by_code[s.code].name, cat.by_code[s.code].class_name, s.score)
                  for s in p.top if s.code in cat.by_code)
    return SuggestionResult(items, p.urgent, p.urgent_score, p.hazard_words)


def record_correction(uow: SuggestUnitOfWork, text: str, suggested_code: str | None, chosen_code: str,
                      actor: Actor, case_no: str | None, at: datetime) -> bool:
    """Inside the caller's transaction: keep the text with the category the acceptor chose, when it
    is not what the model put first. True when a correction was kept."""
    text = text.strip()[:MAX_TEXT]
    if not text or suggested_code == chosen_code:
        return False
    uow.corrections.add(text, suggested_code, chosen_code, case_no, actor.user_id, at)
    return True
