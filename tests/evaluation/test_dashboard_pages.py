"""Command-centre figures: counted per local day and month (Asia/Shanghai), on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from citysteward.cases.domain.model import Action
from citysteward.evaluation.services import dashboard
from citysteward.supervision.services import sweep
from tests.builders.cases import GARBAGE, MANHOLE, dispatched, report, step, walk_to_close
from tests.conftest import City


def test_an_empty_city_has_no_rate_rather_than_zero(city: City) -> None:
    f = dashboard.figures(city.rt)
    assert f.today.reported == 0 and f.today.on_time_close_rate is None
    assert f.trend_reported == [0] * dashboard.TREND_DAYS and len(f.trend_days) == dashboard.TREND_DAYS
    assert f.units == [] and f.categories == []


def test_figures_count_local_days_and_months(city: City, clock) -> None:
    now = clock.now  # 2026-11-17 10:00 in Jiaozuo
    clock.set(datetime(2026, 10, 20, 2, 0, tzinfo=UTC))  # last month: in the trend, not in the month
    walk_to_close(city, clock, report(city, GARBAGE), hours=1)
    clock.set(datetime(2026, 11, 16, 15, 30, tzinfo=UTC))  # 23:30 local on the 16th: yesterday
    late = report(city, MANHOLE)
    walk_to_close(city, clock, late, hours=8)  # 6 natural hours allowed: handled late, closed today
    clock.set(datetime(2026, 11, 16, 16, 30, tzinfo=UTC))  # 00:30 local on the 17th: today
    report(city, GARBAGE, seq=5)
    clock.set(datetime(2026, 11, 17, 0, 0, tzinfo=UTC))
    on_time = report(city, GARBAGE, seq=6)
    walk_to_close(city, clock, on_time, hours=0.5)
    clock.set(datetime(2026, 11, 16, 19, 0, tzinfo=UTC))  # 03:00 local: 6 hours allowed, red by 10:00
    overdue = report(city, MANHOLE, seq=7)
    dispatched(city, overdue)
    clock.set(now)
    sweep.sweep(city.rt)

    f = dashboard.figures(city.rt)
    assert (f.today.reported, f.today.registered, f.today.dispatched) == (3, 2, 2)
    assert (f.today.closed, f.today.closed_on_time, f.today.overdue) == (2, 1, 1)
    assert f.today.on_time_close_rate == 50.0
    assert (f.month.reported, f.month.closed) == (4, 2)
    assert (f.open_now, f.overdue_now) == (2, 1)
    assert f.trend_days[-1] == "11-17" and f.trend_days[0] == "10-19"
    assert f.trend_reported[-2:] == [1, 3] and f.trend_reported[1] == 1 and sum(f.trend_reported) == 5
    assert f.trend_closed[-1] == 2 and f.trend_closed[1] == 1
    assert {c["name"]: c["value"] for c in f.categories} == {"市容环境类": 2, "市政公用设施类": 2}
    assert [d["reported"] for d in f.districts] == [4] and f.districts[0]["name"] == "测试区"
    ranked = [(u["name"], u["handled"], u["on_time"], u["rate"]) for u in f.units]
    assert ranked == [("解放区环卫中心", 1, 1, 100.0), ("市市政设施所", 1, 0, 0.0)]
    assert f.to_dict()["today"]["on_time_close_rate"] == 50.0


def test_rework_counts_each_handling_step_for_the_unit(city: City) -> None:
    no = report(city)
    dispatched(city, no)
    step(city, "facility", no, Action.HANDLE, note="已处置")
    step(city, "inspector", no, Action.CHECK_FAIL, note="未修好")
    step(city, "facility", no, Action.HANDLE, note="已返工")
    f = dashboard.figures(city.rt)
    assert f.units[0]["handled"] == 2 and f.today.dispatched == 1
