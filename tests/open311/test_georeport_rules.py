"""GeoReport rules without HTTP: attribute definitions, answers, the 90-day window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from citysteward.catalogue.domain import attributes as attrs
from citysteward.kernel.errors import InvalidInput
from citysteward.open311 import domain as georeport
from tests.builders.open311 import ATTRIBUTES


# ------------------------------------------------------------------ the questions themselves (pure)
def test_attribute_definitions_are_checked_and_ordered() -> None:
    defs = attrs.parse_definitions(list(reversed(ATTRIBUTES)))
    assert [d.code for d in defs] == ["notice", "damage", "hazards", "width_cm", "seen_at"]
    for bad in ({"code": "a b", "datatype": "string"}, {"code": "x", "datatype": "colour"},
                {"code": "x", "datatype": "singlevaluelist", "values": []},
                {"code": "x", "datatype": "string", "required": "maybe"}):
        with pytest.raises(InvalidInput):
            attrs.parse_definitions([bad])
    with pytest.raises(InvalidInput):
        attrs.parse_definitions([{"code": "x"}, {"code": "x"}])


def test_answers_are_validated_and_cleaned() -> None:
    defs = attrs.parse_definitions(ATTRIBUTES)
    cleaned = attrs.validate_answers(defs, {"damage": ["缺失"], "hazards": ["school", "", "school", "夜间无照明"],
                                            "width_cm": " 65.5 ", "seen_at": "2026-11-17T08:00:00Z",
                                            "notice": "ignored", "extra": "ignored"})
    assert cleaned == {"damage": "missing", "hazards": ["school", "night"], "width_cm": 65.5,
                       "seen_at": "2026-11-17T08:00:00+00:00"}
    assert attrs.validate_answers(defs, {"damage": "loose", "hazards": [], "width_cm": ""}) == {"damage": "loose"}
    for answers in ({}, {"damage": ""}, {"damage": ["missing", "broken"]}, {"damage": "x"},
                    {"damage": "loose", "width_cm": "nan"}, {"damage": "loose", "hazards": ["fire"]}):
        with pytest.raises(InvalidInput) as err:
            attrs.validate_answers(defs, answers)
        assert err.value.detail["field"].startswith("attribute[")
    text = attrs.parse_definitions([{"code": "t", "datatype": "string"}])
    with pytest.raises(InvalidInput):
        attrs.validate_answers(text, {"t": "x" * 201})


def test_the_window_is_ninety_days_back_from_now_or_from_either_end() -> None:
    now = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
    tz = ZoneInfo("Asia/Shanghai")
    assert georeport.date_range({}, now, tz) == (now - timedelta(days=90), now)
    start, end = georeport.date_range({"start_date": "2026-01-01"}, now, tz)
    assert start == datetime(2026, 1, 1, tzinfo=tz) and end - start == timedelta(days=90)
    start, end = georeport.date_range({"end_date": "2026-01-01T00:00:00Z"}, now, tz)
    assert end == datetime(2026, 1, 1, tzinfo=UTC) and end - start == timedelta(days=90)
    assert georeport.parse_query({"service_request_id": "A, B,A", "status": "bogus"}, now, tz).service_request_ids == (
        "A", "B")
    assert georeport.parse_query({"status": "closed"}, now, tz).states == ["closed", "merged", "rejected", "voided"]
