"""Likely duplicates for the acceptor: place, time, text and related categories, recounted here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from citysteward.cases.services import duplicates, intake
from citysteward.kernel.errors import NotFound
from tests.conftest import City, grid_point

T0 = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)


def row(**kw: object) -> dict:
    lon, lat = grid_point(1, 3)
    base = {"case_no": "X1", "category_code": "01023", "description": "井盖丢了", "lon": lon, "lat": lat,
            "reported_at": T0, "state": "reported", "address": ""}
    return {**base, **kw}


def test_text_similarity_is_a_cosine_of_ngrams() -> None:
    assert duplicates.text_similarity("人民路井盖丢了", "人民路井盖丢了") == pytest.approx(1.0)
    assert duplicates.text_similarity("路灯不亮", "油烟太大") == 0.0
    assert 0 < duplicates.text_similarity("人民路井盖丢了", "井盖丢了好危险") < 1


@pytest.mark.parametrize(("a", "b", "value"), [
    ("01023", "01023", 1.0),   # the same category
    ("TF01", "06013", 0.7),    # a collapse and a hole in the road: related
    ("01001", "01005", 0.4),   # the same class (市政公用设施)
    ("01037", "09009", 0.0),   # unrelated
])
def test_category_relation(a: str, b: str, value: float) -> None:
    class_of = {"01023": "01", "01001": "01", "01005": "01", "01037": "01", "09009": "09", "TF01": "TF", "06013": "06"}
    assert duplicates.category_relation(a, b, class_of, frozenset())[0] == value


def test_a_category_the_model_suggests_for_the_text_counts_as_related() -> None:
    assert duplicates.category_relation("01037", "09009", {}, frozenset({"09009"}))[0] == 0.6


def test_the_score_adds_the_four_signals() -> None:
    lon, lat = grid_point(1, 3)
    same = duplicates.score(row(), row(), {}, frozenset())
    assert same[0] == pytest.approx(1.0) and same[1] == pytest.approx(0.0)
    # 150 m north (half the radius), 3.5 days later (half the window), another text, unrelated category
    far = row(lat=lat + 150 / 111_195, reported_at=T0 + timedelta(days=3.5), description="油烟扰民", category_code="06027")
    total, distance, reasons = duplicates.score(row(), far, {}, frozenset())
    assert distance == pytest.approx(150, abs=1)
    assert total == pytest.approx((0.35 * 0.5 + 0.15 * 0.5) / 2, abs=0.01)  # no text, no category: halved
    assert reasons[0] == "相距约 150 米" and reasons[1] == "相隔 84 小时"


def _report(city: City, category: str, text: str, where: tuple[float, float], phone: str) -> str:
    data = intake.ReportInput(category_code=category, description=text, lon=where[0], lat=where[1],
                              address="人民路", reporter_name="市民", reporter_phone=phone)
    return intake.report_case(city.rt, data, city.actor("hotline")).case_no


def test_a_duplicate_of_another_category_nearby_is_found(city: City, clock) -> None:
    lon, lat = grid_point(1, 3)
    first = _report(city, "01002", "人民路污水井盖没了，有个大洞", (lon, lat), "13800000001")
    clock.advance(hours=2)
    far = _report(city, "01023", "井盖没了，有个大洞", grid_point(2, 8), "13800000002")
    other = _report(city, "06027", "饭店油烟太大", (lon + 0.0003, lat), "13800000003")
    clock.advance(hours=1)
    second = _report(city, "01023", "人民路上井盖丢了，一个大洞", (lon + 0.0005, lat), "13800000004")
    found = duplicates.likely_duplicates(city.rt, second)
    assert [c.case_no for c in found] == [first]
    assert found[0].category_code == "01002" and found[0].distance_m == pytest.approx(45, abs=3)
    assert "相关类别" in found[0].reasons or "同一大类" in found[0].reasons
    assert far not in [c.case_no for c in found] and other not in [c.case_no for c in found]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store is exercised on both by the others
def test_an_old_report_is_not_a_duplicate(city: City, clock) -> None:
    lon, lat = grid_point(1, 3)
    old = _report(city, "01037", "路灯不亮", (lon, lat), "13800000001")
    clock.advance(days=8)
    new = _report(city, "01037", "路灯不亮", (lon, lat), "13800000002")
    found = duplicates.likely_duplicates(city.rt, new)
    # same place, text and category still reach the threshold without the time signal
    assert found and found[0].case_no == old
    assert found[0].score == pytest.approx(0.35 + 0.30 + 0.20, abs=0.01)
    clock.advance(days=1)
    lamp = _report(city, "06027", "油烟太大", (lon, lat), "13800000003")
    assert duplicates.likely_duplicates(city.rt, lamp) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store is exercised on both by the others
def test_an_unknown_case_is_not_found(city: City) -> None:
    with pytest.raises(NotFound):
        duplicates.likely_duplicates(city.rt, "JZ00000000-00000")
