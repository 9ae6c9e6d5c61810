"""Pure rules: track encoding, summaries, the effective-patrol rule, who holds a task, configuration."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citysteward.kernel.errors import InvalidInput
from citysteward.patrols.domain import tracks
from citysteward.patrols.domain.config import PatrolConfig
from citysteward.patrols.domain.duty import Binding, Duty, RosterEntry, TaskKind

RULE = PatrolConfig.default().track
T0 = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)


def locate_by_lon(xs, ys):
    """Three strip-shaped grids along the longitude: A [0, 1), B [1, 2), C [2, 3); elsewhere none."""
    return [("A", "B", "C")[int(x)] if 0 <= x < 3 else None for x in xs]


@given(st.lists(st.tuples(st.integers(946684800, 4102444800), st.floats(-180, 180), st.floats(-90, 90),
                          st.integers(0, 5000)), min_size=1, max_size=50))
def test_encoding_round_trips_to_a_micro_degree(raw):
    points = [tracks.TrackPoint(t, lon, lat, acc) for t, lon, lat, acc in raw]
    back = tracks.decode(tracks.encode(points))
    assert [p.t for p in back] == [p.t for p in points]
    assert all(abs(a.lon - b.lon) <= 5e-7 and abs(a.lat - b.lat) <= 5e-7 for a, b in zip(back, points, strict=True))
    assert [p.acc for p in back] == [round(p.acc) for p in points]


def test_a_resent_batch_adds_no_point():
    batch = [tracks.TrackPoint(100 + i, 0.5, 0.0) for i in range(5)]
    assert len(tracks.merged([batch, batch, batch[2:]])) == 5


def _line(x0: float, x1: float, n: int, step: int = 10, t0: int = 1_000_000) -> list[tracks.TrackPoint]:
    return [tracks.TrackPoint(t0 + i * step, x0 + (x1 - x0) * i / (n - 1), 0.0, 5) for i in range(n)]


def test_minutes_passes_and_distance_belong_to_the_grid_each_step_starts_in():
    rule = RULE  # each step 0.0001° at the equator: 11.1 m in 10 s
    pts = [tracks.TrackPoint(1000 + i * 10, 0.5 + i * 0.0001, 0.0, 5) for i in range(10)]  # all in A
    s = tracks.summarise(pts, locate_by_lon, {"A"}, rule)
    assert set(s.grids) == {"A"} and s.grids["A"].passes == 1 and s.grids["A"].points == 10
    assert s.minutes == pytest.approx(1.5) and s.own_minutes == pytest.approx(1.5)
    assert s.distance_m == pytest.approx(9 * 11.12, rel=0.01)


def test_leaving_and_coming_back_is_a_second_pass():
    rule = replace(RULE, max_speed_mps=1e9)
    xs = [0.5, 0.6, 1.5, 1.6, 0.7, 0.8, 2.5]
    pts = [tracks.TrackPoint(1000 + i * 10, x, 0.0, 5) for i, x in enumerate(xs)]
    s = tracks.summarise(pts, locate_by_lon, {"A", "B"}, rule)
    assert {g: v.passes for g, v in s.grids.items()} == {"A": 2, "B": 1, "C": 1}
    assert s.grids["A"].minutes == pytest.approx(4 * 10 / 60)  # steps starting in A: 0→1, 1→2, 4→5, 5→6
    assert s.own_minutes == pytest.approx(6 * 10 / 60)
    assert s.grids["C"].minutes == 0


def test_a_long_silence_counts_no_time_and_starts_a_new_pass():
    rule = replace(RULE, max_gap_s=60, max_speed_mps=1e9)
    pts = [tracks.TrackPoint(1000, 0.5, 0.0, 5), tracks.TrackPoint(1010, 0.5001, 0.0, 5),
           tracks.TrackPoint(2000, 0.5002, 0.0, 5)]
    s = tracks.summarise(pts, locate_by_lon, {"A"}, rule)
    assert s.minutes == pytest.approx(10 / 60) and s.grids["A"].passes == 2


def test_glitches_and_inaccurate_points_are_dropped():
    pts = [tracks.TrackPoint(1000, 0.5, 0.0, 5), tracks.TrackPoint(1010, 2.5, 0.0, 5),  # 222 km in 10 s
           tracks.TrackPoint(1020, 0.50001, 0.0, 5), tracks.TrackPoint(1030, 1.5, 0.0, 500)]
    s = tracks.summarise(pts, locate_by_lon, {"A"}, RULE)
    assert set(s.grids) == {"A"}
    assert s.minutes == pytest.approx(20 / 60)
    assert s.distance_m == pytest.approx(1.11, rel=0.01)


@pytest.mark.parametrize(("own_minutes", "visited", "distance", "expected"), [
    (30, 1, 500, True), (29.9, 1, 500, False), (30, 0, 500, False), (30, 1, 499, False),
])
def test_the_effective_rule_needs_every_threshold(own_minutes, visited, distance, expected):
    rule = PatrolConfig.default().effective  # 30 min in own grids, half the own grids, 500 m
    s = tracks.TrackSummary(own_minutes=own_minutes, distance_m=distance,
                            grids={g: tracks.GridVisit() for g in ["A", "B"][:visited]})
    assert s.effective(rule, {"A", "Z"}) is expected


def test_zero_thresholds_switch_a_rule_off():
    cfg = PatrolConfig.from_dict({"effective": {"min_minutes_in_own_grids": 0, "min_share_of_own_grids": 0,
                                                "min_distance_m": 0}})
    assert tracks.TrackSummary().effective(cfg.effective, set())
    assert cfg.effective.explain() == "每次巡查都计为有效"


@pytest.mark.parametrize("bad", [
    {"effective": {"min_share_of_own_grids": 2}}, {"track": {"max_gap_s": "x"}}, {"tasks": []},
    {"shifts": {"x": {"label": "夜班", "start": "25:00", "end": "06:00"}}}, {"colour": 1},
    {"shifts": {"x": {"start": "07:00", "end": "09:00"}}}, {"effective": {"min_minutes": 3}},
    {"phone": {"quick_categories": "06010"}}, {"phone": {"sample_s": 0}},
])
def test_malformed_rules_are_refused_in_chinese(bad):
    with pytest.raises(InvalidInput) as exc:
        PatrolConfig.from_dict(bad)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)


@pytest.mark.parametrize("raw", [[], [{"t": 1, "lon": 0, "lat": 0}], [{"t": 1_800_000_000, "lon": 200, "lat": 0}],
                                 [{"lon": 1, "lat": 1}], ["x"]])
def test_bad_points_are_refused(raw):
    with pytest.raises(InvalidInput):
        tracks.parse_points(raw, 100)


def test_points_take_iso_times():
    p = tracks.parse_points([{"t": "2026-11-17T10:00:00+08:00", "lon": 113.2, "lat": 35.2}], 10)[0]
    assert p.at == T0


# ---------------------------------------------------------------- who holds a task
def entry(user: int, grids: tuple[str, ...], start: datetime = T0 - timedelta(hours=3),
          hours: float = 7) -> RosterEntry:
    return RosterEntry(user, date(2026, 11, 17), "early", start, start + timedelta(hours=hours), grids)


G1, G2, G3 = "410802001001001", "410802001001002", "410802001002001"


@pytest.mark.parametrize(("duty", "grid", "who", "why"), [
    # on duty with a plan covering the grid
    (Duty([Binding(1, G1), Binding(2, G1)], [entry(1, (G1,))]), G1, (1,), "当班责任网格"),
    # on duty without a plan: the bound grids are the plan
    (Duty([Binding(1, G1)], [entry(1, ())]), G1, (1,), "当班责任网格"),
    # nobody on duty here: the grid's bound inspectors
    (Duty([Binding(1, G1), Binding(2, G1)], [entry(3, (G2,))]), G1, (1, 2), "网格责任监督员"),
    # the shift is over
    (Duty([Binding(1, G2)], [entry(1, (G1,), hours=2)]), G1, (1,), "街道监督员"),
    # nobody bound to the grid: the street's, on-duty first
    (Duty([Binding(1, G2), Binding(2, "410802001")], [entry(2, (G3,))]), G1, (2,), "街道当班监督员"),
    (Duty([Binding(1, G2), Binding(2, "410802001")], []), G1, (2,), "街道监督员"),
    (Duty([Binding(1, G2), Binding(2, G3)], [entry(2, (G3,))]), G1, (2,), "街道当班监督员"),
    (Duty([Binding(1, G2), Binding(2, G3)], []), G1, (1, 2), "街道监督员"),
    (Duty([Binding(1, "410802002")], []), G1, (), "街道监督员"),
])
def test_who_holds_a_task(duty, grid, who, why):
    assert duty.responsible(grid, T0) == (who, why)


def test_a_reassignment_wins():
    duty = Duty([Binding(1, G1)], [entry(1, (G1,))], {(7, "verify"): 9})
    assert duty.responsible(G1, T0, 7, TaskKind.VERIFY) == ((9,), "值班长改派")
    assert duty.responsible(G1, T0, 7, TaskKind.CHECK) == ((1,), "当班责任网格")
