"""Evaluates the category suggestion model (catalogue/suggest) on the project's own held-out set
(bench/data/suggest_heldout.tsv, no line of which is in the training corpus): top-1 and top-3
accuracy, urgent recall and false alarms, and the time one suggestion takes (p50/p95).

    .venv/bin/python bench/suggest_eval.py [--show-misses] [--http]

--http also times GET /api/v1/suggest through the whole app (ASGI in process, a fresh SQLite
database with the catalogue): routing, validation, the catalogue cache and the JSON answer.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from citysteward.catalogue.suggest import corpus
from citysteward.catalogue.suggest.model import Suggester

HELDOUT = Path(__file__).resolve().parent / "data" / "suggest_heldout.tsv"
# Written after the smoothing and the hazard phrases were chosen on HELDOUT; never used to tune.
FRESH = Path(__file__).resolve().parent / "data" / "suggest_fresh.tsv"


def load(path: Path = HELDOUT) -> list[tuple[frozenset[str], bool, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        codes, urgent, text = line.split("\t")
        rows.append((frozenset(codes.split("|")), urgent == "1", text))
    return rows


def evaluate(model: Suggester, rows: list[tuple[frozenset[str], bool, str]], show: bool = False) -> dict[str, float]:
    top1 = top3 = urgent_hit = urgent_total = false_alarm = calm_total = 0
    timings = []
    for gold, urgent, text in rows:
        t0 = time.perf_counter()
        p = model.predict(text)
        timings.append((time.perf_counter() - t0) * 1000)
        codes = [s.code for s in p.top]
        top1 += codes[0] in gold
        top3 += bool(gold & set(codes))
        if urgent:
            urgent_total += 1
            urgent_hit += p.urgent
        else:
            calm_total += 1
            false_alarm += p.urgent
        if show and (codes[0] not in gold or p.urgent != urgent):
            print(f"  miss: {text} gold={'|'.join(sorted(gold))} urgent={urgent} got={codes} urgent={p.urgent}")
    timings.sort()
    n = len(rows)
    return {"n": n, "top1": top1 / n, "top3": top3 / n, "urgent_recall": urgent_hit / max(urgent_total, 1),
            "urgent_false_alarm": false_alarm / max(calm_total, 1), "urgent_n": urgent_total,
            "p50_ms": statistics.median(timings), "p95_ms": timings[int(0.95 * (n - 1))]}


def http_timings(rows: list[tuple[frozenset[str], bool, str]], rounds: int = 5) -> dict[str, tuple[float, float]]:
    """p50 and p95 (ms) of the suggestion endpoint, and of /api/v1/problems (a constant answer) as
    the baseline of the app's own cost per request on this machine."""
    import tempfile

    from fastapi.testclient import TestClient

    from citysteward.bootstrap import create_app, initialise
    from citysteward.config import Settings
    from citysteward.platform.db import make_engine
    from citysteward.platform.migrate import upgrade
    from citysteward.platform.runtime import Runtime
    from citysteward.unit_of_work import SqlUnitOfWorkFactory

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/suggest.db"
        upgrade(url)
        engine = make_engine(url)
        rt = Runtime(uow=SqlUnitOfWorkFactory(engine), settings=Settings(database_url=url, media_dir=Path(tmp)))
        initialise(rt)
        client = TestClient(create_app(runtime=rt))
        client.get("/api/v1/suggest", params={"text": "预热"})  # the first call trains the model
        timings: dict[str, list[float]] = {"suggest": [], "baseline": []}
        for _ in range(rounds):
            for _, _, text in rows:
                for name, path, params in (("suggest", "/api/v1/suggest", {"text": text}),
                                           ("baseline", "/api/v1/problems", {})):
                    t0 = time.perf_counter()
                    assert client.get(path, params=params).status_code == 200
                    timings[name].append((time.perf_counter() - t0) * 1000)
        engine.dispose()
    out = {}
    for name, values in timings.items():
        values.sort()
        out[name] = (statistics.median(values), values[int(0.95 * (len(values) - 1))])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--http", action="store_true", help="also time the API end to end")
    args = parser.parse_args()
    t0 = time.perf_counter()
    c = corpus.packaged()
    model = Suggester(c.examples, c.hazards)
    train_s = time.perf_counter() - t0
    print(f"training: {model.size} phrases, {len(model.categories.labels)} categories, {train_s:.2f} s")
    for name, path in (("held-out", HELDOUT), ("fresh (never tuned on)", FRESH)):
        r = evaluate(model, load(path), args.show_misses)
        print(f"{name}: {r['n']} texts ({r['urgent_n']} urgent): top-1 {r['top1']:.1%}, top-3 {r['top3']:.1%}, "
              f"urgent recall {r['urgent_recall']:.1%}, false alarms on the others {r['urgent_false_alarm']:.1%}")
    r = evaluate(model, load())
    print(f"suggestion time (model): p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms")
    if args.http:
        t = http_timings(load())
        print(f"GET /api/v1/suggest (whole app, in process): p50 {t['suggest'][0]:.2f} ms, p95 {t['suggest'][1]:.2f} ms")
        print(f"GET /api/v1/problems (baseline, same app):  p50 {t['baseline'][0]:.2f} ms, p95 {t['baseline'][1]:.2f} ms")


if __name__ == "__main__":
    main()
