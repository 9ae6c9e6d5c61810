"""Indicators: a month of cases generated through the services (on time, late, rework, void,
extension, return, suspension, self-handling, citizen reports, reopening), swept by the worker as
the clock moves, then every count recounted independently from the raw step log — here, in plain
Python, from docs/indicators.md — and compared with what services/indicators.py reports."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from citysteward.cases import tables as cases_tables
from citysteward.evaluation import domain as evaluation_domain
from citysteward.evaluation.services import indicators as indicator_service
from citysteward.kernel import periods as kernel_periods
from tests.builders.months import MONTH, WEIGHTS, generate_month
from tests.conftest import City


# ---------------------------------------------------------------- the independent recount
def raw_rows(city: City) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    with city.rt.uow(readonly=True) as uow:
        events = [dict(r._mapping) for r in uow.conn.execute(select(cases_tables.case_events).order_by(cases_tables.case_events.c.id))]
        case_rows = {r.id: dict(r._mapping) for r in uow.conn.execute(select(cases_tables.cases))}
    return events, case_rows


ENDERS = {"handle", "approve_return", "approve_extension", "approve_suspend"}


def recount(events: list[dict[str, Any]], case_rows: dict[int, dict[str, Any]], start: datetime, end: datetime,
            step_minutes: dict[str, float], cut: Callable[[dict[str, Any], Any], Any]) -> dict[Any, Counter[str]]:
    """docs/indicators.md, read literally: walk each case's log in order, remembering its unit."""
    out: dict[Any, Counter[str]] = defaultdict(Counter)
    by_case: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        by_case[e["case_id"]].append(e)
    for case_id, log in by_case.items():
        case = case_rows[case_id]
        unit = None
        last: dict[str, datetime] = {}
        last_handle_ok: bool | None = None
        registered_before_end = any(e["action"] in ("register", "self_handle") and e["at"] < end for e in log)
        open_overdue: tuple[Any, bool] | None = None  # (unit at the mark, still open)
        for e in log:
            a = e["action"]
            if a == "dispatch":
                unit = e["payload"]["unit_id"]
            key = cut(case, unit)
            inside = start <= e["at"] < end
            c = out[key]
            if e["at"] < end:
                if a == "overdue":
                    open_overdue = (key, True)
                elif a in ENDERS and open_overdue is not None:
                    open_overdue = (open_overdue[0], False)
            if inside:
                if a == "report":
                    c["reported"] += 1
                    if registered_before_end:
                        c["valid_reported"] += 1
                if a in ("register", "self_handle"):
                    c["registered"] += 1
                if a == "register" and case["source"] not in ("inspector", "sensor"):
                    c["missed"] += 1
                if a == "self_handle":
                    c["self_handled"] += 1
                if a == "void":
                    c["voided"] += 1
                    if e["from_state"] == "registered":
                        c["voided_registered"] += 1
                if a == "dispatch":
                    c["dispatched"] += 1
                    prev = max((last.get(x) for x in ("register", "approve_return") if last.get(x)), default=None)
                    if prev is not None and (e["at"] - prev).total_seconds() / 60 <= step_minutes["dispatch"]:
                        c["dispatched_on_time"] += 1
                if a == "check_fail":
                    c["rework"] += 1
                if a == "handle":
                    c["handled"] += 1
                    c["handled_on_time" if e["payload"]["on_time"] else "handled_late"] += 1
                if a == "close":
                    c["closed"] += 1
                    if last_handle_ok:
                        c["closed_on_time"] += 1
                if a in ("verify", "refute"):
                    c["verified"] += 1
                    prev = last.get("accept")
                    if prev is not None and (e["at"] - prev).total_seconds() / 60 <= step_minutes["verify"]:
                        c["verified_on_time"] += 1
                if a == "check_pass" or (a == "check_fail" and e["from_state"] == "handled"):
                    c["checked"] += 1
                    prev = max((last.get(x) for x in ("handle", "reopen") if last.get(x)), default=None)
                    if prev is not None and (e["at"] - prev).total_seconds() / 60 <= step_minutes["check"]:
                        c["checked_on_time"] += 1
                for action, code in (("approve_suspend", "suspended"), ("approve_extension", "extended"),
                                     ("approve_return", "returned")):
                    if a == action:
                        c[code] += 1
            if a == "handle":
                last_handle_ok = bool(e["payload"]["on_time"])
            if a == "self_handle":
                last_handle_ok = True
            last[a] = e["at"]
        if open_overdue is not None and open_overdue[1]:
            out[open_overdue[0]]["overdue_unhandled"] += 1
    for c in out.values():
        c["due_handle"] = c["handled"] + c["overdue_unhandled"]
        c["due_close"] = c["closed"] + c["overdue_unhandled"]
    return out


def handle_minutes(events: list[dict[str, Any]], start: datetime, end: datetime) -> list[float]:
    clock_start: dict[int, datetime] = {}
    out = []
    for e in events:
        if e["action"] in ("dispatch", "check_fail"):
            clock_start[e["case_id"]] = e["at"]
        if e["action"] == "handle" and start <= e["at"] < end:
            out.append((e["at"] - clock_start[e["case_id"]]).total_seconds() / 60)
    return out


CUTS: dict[str, Callable[[dict[str, Any], Any], Any]] = {
    "total": lambda case, unit: "",
    "unit": lambda case, unit: unit,
    "community": lambda case, unit: case["community_code"],
    "category": lambda case, unit: case["category_code"],
    "source": lambda case, unit: case["source"],
}


def compare(city: City, period: kernel_periods.Period) -> dict[str, Any]:
    events, case_rows = raw_rows(city)
    steps = dict(indicator_service.config(city.rt).step_minutes)
    ds = indicator_service.load(city.rt, period)
    for cut, fn in CUTS.items():
        expected = recount(events, case_rows, period.start, period.end, steps, fn)
        table = indicator_service.table(city.rt, ds, cut)
        got = {r["key"]: r["counts"] for r in table["rows"]} if cut != "total" else {"": table["total"]["counts"]}
        keys = {k for k, v in expected.items() if any(v.values())} | {k for k, v in got.items() if any(v.values())}
        for key in keys:
            want = {code: expected.get(key, Counter())[code] for code, _ in evaluation_domain.COUNTS}
            assert got.get(key, {}) == want, (cut, key)
    total = indicator_service.table(city.rt, ds, "total")["total"]
    mins = handle_minutes(events, period.start, period.end)
    stats = evaluation_domain.duration_stats(mins)
    assert total["handle_time"]["count"] == stats["count"]
    for k in ("avg_hours", "p50_hours", "p90_hours"):
        assert total["handle_time"][k] == pytest.approx(stats[k], abs=0.011)
    return total


def test_a_generated_month_recounts_exactly_from_the_raw_step_log(city: City, clock) -> None:
    clock.set(datetime(2026, 10, 28, 0, 0, tzinfo=UTC))
    month = generate_month(city, clock, n=130, sweep_hours=6)
    assert len(month.case_nos) == 130 and set(month.scenarios) == set(WEIGHTS)
    clock.set(datetime(2026, 12, 5, 2, 0, tzinfo=UTC))
    november = kernel_periods.Period.month(*MONTH, city.rt.settings.tz)
    total = compare(city, november)
    c = total["counts"]
    for code in evaluation_domain.STANDARD_COUNTS:  # the month exercises every count of the standard
        assert c[code] > 0, code
    assert 0 < c["overdue_unhandled"] < c["due_handle"] and c["closed"] < c["registered"] + c["self_handled"]
    rates = total["rates"]
    assert rates["on_time_handle_rate"] == round(100 * c["handled_on_time"] / c["due_handle"], 2)
    assert rates["accurate_register_rate"] == round(100 * (c["registered"] - c["voided_registered"]) / c["registered"], 2)
    # a week and a single day recount as well
    tz = city.rt.settings.tz
    compare(city, kernel_periods.Period.days(datetime(2026, 11, 9).date(), datetime(2026, 11, 15).date(), tz))
    compare(city, kernel_periods.Period.day(datetime(2026, 11, 30).date(), tz))
