"""The category suggestion model (智能分拨): a multinomial naive Bayes over character n-grams of
Chinese text, with a second, binary one for urgent safety hazards. Pure Python, trained in well under
a second from the corpus the project ships (corpus.py) plus the acceptors' corrections.

Why characters, not words: callers' text is colloquial, dialect and voice-to-text slips (景盖, 陆灯,
站道); n-grams of 1–3 characters keep most of a slipped word, and no segmenter (jieba) is needed.
Each n-gram is weighted by its inverse document frequency, so that "的", "了" and "路" count less
than "井盖" or "燃气"."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ALPHA = 0.5  # additive smoothing of the category model (0.02–1.0 tried; see docs/intake.md)
URGENT_ALPHA = 0.05  # smoothing of the two-class urgent model
URGENT_THRESHOLD = 0.5  # posterior of the urgent model above which a text is flagged
_SPLIT = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
# Words that carry no category: dropped before n-grams are taken.
_FILLERS = ("请尽快", "赶紧", "麻烦", "你们", "我们", "这边", "那边", "这个", "那个", "一下", "好几天", "有人反映")


@dataclass(frozen=True, slots=True)
class Example:
    code: str
    text: str
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class Scored:
    code: str
    score: float  # share of the probability among all categories, 0..1


@dataclass(frozen=True, slots=True)
class Prediction:
    top: tuple[Scored, ...]
    urgent: bool
    urgent_score: float
    hazard_words: tuple[str, ...] = ()


def normalise(text: str) -> list[str]:
    """Full-width to half-width, lower case, fillers out; the text's runs of letters and characters."""
    text = unicodedata.normalize("NFKC", text).lower()
    for filler in _FILLERS:
        text = text.replace(filler, " ")
    return [run for run in _SPLIT.split(text) if run]


def features(text: str) -> Counter[str]:
    """Character 1-, 2- and 3-grams inside each run (an n-gram never spans a pause)."""
    out: Counter[str] = Counter()
    for run in normalise(text):
        for n in (1, 2, 3):
            for i in range(len(run) - n + 1):
                out[run[i:i + n]] += 1
    return out


class NaiveBayes:
    """Multinomial naive Bayes with idf-weighted counts and a uniform prior (the corpus says
    nothing about how often each problem happens). Scores are kept sparse: a class starts from its
    "never seen" log-probability and only the features it has seen move it."""

    def __init__(self, examples: Iterable[tuple[str, Counter[str]]], alpha: float = ALPHA) -> None:
        docs = list(examples)
        df: Counter[str] = Counter()
        for _, feats in docs:
            df.update(feats.keys())
        n_docs = max(len(docs), 1)
        self.idf = {f: math.log((1 + n_docs) / (1 + d)) + 1.0 for f, d in df.items()}
        counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for label, feats in docs:
            bucket = counts[label]
            for f, c in feats.items():
                bucket[f] += c * self.idf[f]
        vocab = len(self.idf)
        self.labels: tuple[str, ...] = tuple(sorted(counts))
        self.unseen: dict[str, float] = {}
        self.weights: dict[str, dict[str, float]] = defaultdict(dict)
        for label in self.labels:
            total = sum(counts[label].values()) + alpha * vocab
            unseen = math.log(alpha / total)
            self.unseen[label] = unseen
            for f, weight in counts[label].items():
                self.weights[f][label] = math.log((weight + alpha) / total) - unseen

    def log_scores(self, feats: Counter[str]) -> dict[str, float]:
        known = [(f, c * self.idf[f]) for f, c in feats.items() if f in self.idf]
        mass = sum(w for _, w in known)
        scores = {label: mass * self.unseen[label] for label in self.labels}
        for f, w in known:
            for label, delta in self.weights[f].items():
                scores[label] += w * delta
        return scores


def _softmax(scores: dict[str, float], temperature: float) -> dict[str, float]:
    top = max(scores.values())
    exp = {k: math.exp((v - top) / temperature) for k, v in scores.items()}
    total = sum(exp.values())
    return {k: v / total for k, v in exp.items()}


class Suggester:
    """Top categories and the urgent flag for a text. `hazards` are phrases that always flag (an
    open manhole, a gas smell …), on top of what the urgent model learned."""

    def __init__(self, examples: Sequence[Example], hazards: Sequence[str] = (), temperature: float = 8.0) -> None:
        feats = [(e, features(e.text)) for e in examples if e.text.strip()]
        self.categories = NaiveBayes((e.code, f) for e, f in feats)
        self.urgency = NaiveBayes((("urgent" if e.urgent else "normal", f) for e, f in feats), URGENT_ALPHA)
        self.hazards = tuple(sorted({h for h in hazards if h}, key=len, reverse=True))
        self.temperature = temperature
        self.size = len(feats)

    def predict(self, text: str, k: int = 3, allowed: frozenset[str] | None = None) -> Prediction:
        feats = features(text)
        if not feats:
            return Prediction((), False, 0.0)
        scores = self.categories.log_scores(feats)
        if allowed is not None:
            scores = {c: s for c, s in scores.items() if c in allowed} or scores
        probs = _softmax(scores, self.temperature)
        top = sorted(probs.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        urgent_probs = _softmax(self.urgency.log_scores(feats), 1.0) if len(self.urgency.labels) == 2 else {}
        urgent_score = urgent_probs.get("urgent", 0.0)
        flat = "".join(normalise(text))
        words = tuple(h for h in self.hazards if h in flat)
        return Prediction(tuple(Scored(c, round(p, 4)) for c, p in top),
                          urgent_score >= URGENT_THRESHOLD or bool(words), round(urgent_score, 4), words)
