"""The category suggestion model: trained on the packaged corpus, measured on the project's own
held-out set (recounted here, not read from the bench script), learning from corrections, and
served by /api/v1/suggest on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from citysteward.catalogue import services as catalogue_services
from citysteward.catalogue.suggest import corpus
from citysteward.catalogue.suggest import services as suggest_services
from citysteward.catalogue.suggest.model import Example, Suggester, features, normalise
from citysteward.kernel.errors import InvalidInput
from tests.builders.http import assert_error

HELDOUT = Path(__file__).resolve().parents[2] / "bench" / "data" / "suggest_heldout.tsv"
FRESH = HELDOUT.with_name("suggest_fresh.tsv")


def heldout(path: Path = HELDOUT) -> list[tuple[set[str], bool, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            codes, urgent, text = line.split("\t")
            rows.append((set(codes.split("|")), urgent == "1", text))
    return rows


@pytest.fixture(scope="module")
def model() -> Suggester:
    return suggest_services.build()


def test_the_held_out_sets_share_no_text_with_the_training_corpus_or_each_other() -> None:
    trained = {"".join(normalise(e.text)) for e in corpus.packaged().examples}
    rows, fresh = heldout(), heldout(FRESH)
    assert len(rows) >= 100 and len(fresh) >= 40
    assert not [t for _, _, t in rows + fresh if "".join(normalise(t)) in trained]
    assert not {t for _, _, t in rows} & {t for _, _, t in fresh}


def test_every_code_of_the_corpus_and_the_held_out_set_is_a_suggestible_category() -> None:
    codes = corpus.packaged().codes
    assert {e.code for e in corpus.packaged().examples} <= codes
    assert set().union(*(gold for gold, _, _ in heldout() + heldout(FRESH))) <= codes


@pytest.mark.parametrize(("path", "top1_at_least"), [(HELDOUT, 0.85), (FRESH, 0.75)])
def test_accuracy_and_urgent_recall_on_the_held_out_sets(model: Suggester, path: Path, top1_at_least: float) -> None:
    rows = heldout(path)
    top1 = top3 = hits = urgent = false_alarms = calm = 0
    for gold, is_urgent, text in rows:
        p = model.predict(text)
        codes = [s.code for s in p.top]
        top1 += codes[0] in gold
        top3 += bool(gold & set(codes))
        urgent += is_urgent
        hits += is_urgent and p.urgent
        calm += not is_urgent
        false_alarms += (not is_urgent) and p.urgent
    assert top1 / len(rows) >= top1_at_least
    assert top3 / len(rows) >= 0.95
    assert hits / urgent >= 0.90
    assert false_alarms / calm <= 0.10


@pytest.mark.parametrize(("text", "code", "urgent"), [
    ("路灯不亮了", "01037", False),
    ("闻到很浓的煤气味", "TF03", True),
    ("马路上有人摆摊卖菜", "09006", False),
    ("景盖丢了一个大洞", "01023", True),  # a voice-to-text slip of 井盖
])
def test_typical_calls(model: Suggester, text: str, code: str, urgent: bool) -> None:
    p = model.predict(text)
    assert p.top[0].code == code
    assert p.urgent is urgent
    assert len(p.top) == 3 and p.top[0].score >= p.top[1].score >= p.top[2].score


def test_text_is_normalised_and_cut_into_character_ngrams() -> None:
    assert normalise("ＡＢ，井盖！ 麻烦你们") == ["ab", "井盖"]
    f = features("井盖坏")
    assert f["井盖"] == 1 and f["井盖坏"] == 1 and f["坏"] == 1 and "盖 坏" not in f


def test_empty_text_suggests_nothing(model: Suggester) -> None:
    p = model.predict("！！ ")
    assert p.top == () and not p.urgent


def test_a_correction_teaches_the_model() -> None:
    text = "门口那个铁皮亭子歪了"
    before = suggest_services.build().predict(text).top[0].code
    target = "01040" if before != "01040" else "01044"
    after = suggest_services.build([(target, text)]).predict(text).top[0].code
    assert after == target


def test_examples_of_codes_outside_the_catalogue_are_ignored() -> None:
    model = suggest_services.build([("NOPE", "完全不存在的类别")])
    assert "NOPE" not in model.categories.labels


def test_the_urgent_model_learns_from_marked_examples() -> None:
    m = Suggester([Example("A", "水管爆裂", True), Example("B", "垃圾太多", False)])
    assert m.predict("水管爆了").urgent and not m.predict("垃圾很多").urgent


# ------------------------------------------------------------------ the service and the API
def test_suggest_answers_names_and_the_proposed_urgency(rt, city) -> None:
    result = suggest_services.suggest(rt, "路面突然塌了一个大坑")
    assert result.items[0].code == "TF01" and result.items[0].name == "路面塌陷"
    assert result.urgent and result.urgency == "urgent"
    with pytest.raises(InvalidInput):
        suggest_services.suggest(rt, "井盖", k=0)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store is exercised on both by the others
def test_a_retired_category_is_not_suggested(rt, city) -> None:
    catalogue_services.update_category(rt, city.actor("admin"), "01037", {"active": False})
    assert "01037" not in [i.code for i in suggest_services.suggest(rt, "路灯不亮").items]


def test_a_stored_correction_is_trained_on(rt, city) -> None:
    text = "门口那个铁皮亭子歪了"
    first = suggest_services.suggest(rt, text).items[0].code
    chosen = "01040" if first != "01040" else "01044"
    with suggest_services.unit_of_work(rt) as uow:
        assert suggest_services.record_correction(uow, text, first, chosen, city.actor("acceptor"), None, rt.now())
        assert not suggest_services.record_correction(uow, text, chosen, chosen, city.actor("acceptor"), None, rt.now())
        uow.commit()
    with suggest_services.unit_of_work(rt, readonly=True) as uow:
        assert uow.corrections.count() == 1
    rt.cache.drop("suggester")
    assert suggest_services.suggest(rt, text).items[0].code == chosen


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store is exercised on both by the others
def test_the_suggest_api(client) -> None:
    r = client.get("/api/v1/suggest", params={"text": "楼下饭店油烟太大"})
    assert r.status_code == 200
    body = r.json()
    assert body["items"][0]["code"] == "06027" and len(body["items"]) == 3 and body["urgent"] is False
    assert client.get("/api/v1/suggest", params={"text": "井盖", "k": 1}).json()["items"].__len__() == 1
    assert_error(client.get("/api/v1/suggest", params={"text": "井盖", "k": 0}), 422)
    assert_error(client.get("/api/v1/suggest", params={"text": "井" * 2001}), 422)
