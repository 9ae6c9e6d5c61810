"""The corpus the suggestion model is trained on: the catalogue's own names and keywords, the
project's phrase file (data/suggest/corpus.txt: synonyms, colloquial and dialect variants,
voice-to-text slips, urgent examples) and the hazard phrases (data/suggest/hazards.txt). Pure:
reads packaged files, no database."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from citysteward.catalogue.suggest.model import Example

EMERGENCY_PREFIX = "TF"


@dataclass(frozen=True, slots=True)
class Corpus:
    examples: tuple[Example, ...]
    hazards: tuple[str, ...]
    codes: frozenset[str]  # the categories the model may suggest


def _data(name: str) -> str:
    return resources.files("citysteward.data").joinpath(name).read_text(encoding="utf-8")


def parse_phrases(text: str) -> list[Example]:
    """`[CODE]` starts a block; each following line is a phrase, `!` marks an urgent one."""
    out: list[Example] = []
    code = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            code = line[1:-1].strip()
            continue
        if not code:
            raise ValueError(f"phrase before any [CODE]: {line}")
        urgent = line.startswith("!")
        out.append(Example(code, line.lstrip("!").strip(), urgent))
    return out


def suggestible(category: Mapping[str, Any]) -> bool:
    """Events of GB/T 47678.5 and the 突发事件 items: a citizen reports a problem, not a component."""
    return category.get("kind") == "event" and category.get("active", True) is not False


def _own(keyword: str, name: str, shared: int) -> bool:
    """A keyword listed by several categories (the catalogue copies "路灯不亮" to 地灯 and 景观灯 too)
    is kept only where it names the category: it contains the name's stem or the name contains it."""
    stem = name.removesuffix("异常")
    return shared == 1 or keyword in name or stem in keyword


def catalogue_examples(categories: Iterable[Mapping[str, Any]]) -> list[Example]:
    cats = [c for c in categories if suggestible(c)]
    shared = Counter(str(k) for c in cats for k in set(c.get("keywords", ())))
    out: list[Example] = []
    for c in cats:
        code, name = str(c["code"]), str(c["name"])
        urgent = code.startswith(EMERGENCY_PREFIX) and code not in ("TF04", "TF09")
        out.append(Example(code, name, urgent))
        out.append(Example(code, name.removesuffix("异常"), urgent))
        out.extend(Example(code, str(k), False) for k in c.get("keywords", ())
                   if k != "突发事件" and _own(str(k), name, shared[str(k)]))
    return out


@lru_cache(maxsize=1)
def packaged() -> Corpus:
    categories = json.loads(_data("categories.json"))
    phrases = parse_phrases(_data("suggest/corpus.txt"))
    codes = frozenset(str(c["code"]) for c in categories if suggestible(c))
    unknown = {e.code for e in phrases} - codes
    if unknown:
        raise ValueError(f"corpus.txt names codes the catalogue does not suggest: {sorted(unknown)}")
    hazards = tuple(line.strip() for line in _data("suggest/hazards.txt").splitlines()
                    if line.strip() and not line.startswith("#"))
    return Corpus(tuple(catalogue_examples(categories) + phrases), hazards, codes)
