"""Indicators: a month of cases generated through the services (on time, late, rework, void,
extension, return, suspension, self-handling, citizen reports, reopening), swept by the worker as
the clock moves, then every count recounted independently from the raw step log — here, in plain
Python, from docs/indicators.md — and compared with what services/indicators.py reports."""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from citysteward.cases.domain.model import Action
from citysteward.cases.services import actions as cases
from citysteward.cases.services import intake
from citysteward.cases.services.actions import ActionInput
from citysteward.kernel.actor import Actor, Role
from citysteward.supervision.services import escalation
from tests.conftest import PASSWORD, City, grid_point, password_hash

MANHOLE, GARBAGE, ADS = "BJ01002", "06006", "07001"  # 6 natural hours / 1 working day / 1 working day
UNIT_OF = {MANHOLE: "facility", GARBAGE: "sanitation", ADS: "street"}
CITIZEN = Actor(role=Role.CITIZEN, name="市民")
MONTH = (2026, 11)
HANDLE = ("unit", Action.HANDLE, {"note": "已处置"})
CHECK = ("inspector", Action.CHECK_PASS, {})
CLOSE = ("leader", Action.CLOSE, {})


@dataclass
class Month:
    case_nos: list[str] = field(default_factory=list)
    scenarios: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def add_street_user(city: City) -> None:
    with city.rt.uow() as uow:
        row = {"username": "street", "password_hash": password_hash(), "display_name": "街道钱",
               "phone": "13900000000", "role": "unit", "unit_id": city.units["street"], "active": True,
               "created_at": city.rt.now()}
        row["id"] = uow.org.add_user(row)
        uow.commit()
    city.users["street"] = row
    assert PASSWORD


def generate_month(city: City, clock: Any, n: int = 150, seed: int = 2026, sweep_hours: float = 4.0,
                   first: datetime | None = None, last: datetime | None = None) -> Month:
    """~n cases reported between `first` and `last` (default 2026-10-28 .. 2026-11-29 local), driven
    step by step in time order; the deadline sweep runs every `sweep_hours` of simulated time."""
    if "street" not in city.users:
        add_street_user(city)
    rnd = random.Random(seed)
    tz = city.rt.settings.tz
    first = first or datetime(2026, 10, 28, 8, 0, tzinfo=tz)
    last = last or datetime(2026, 11, 29, 18, 0, tzinfo=tz)
    horizon = last + timedelta(days=4)
    month = Month()
    queue: list[tuple[datetime, int, Callable[[], None]]] = []
    seq = iter(range(10**9))

    def push(at: datetime, fn: Callable[[], None]) -> None:
        heapq.heappush(queue, (at, next(seq), fn))

    names = list(WEIGHTS)
    span = (last - first).total_seconds()
    for i in range(n):
        scenario = rnd.choices(names, weights=[WEIGHTS[s] for s in names])[0]
        category = rnd.choice([MANHOLE, MANHOLE, GARBAGE, ADS])
        day_offset = rnd.uniform(0, span)
        start = first + timedelta(seconds=day_offset)
        local = start.astimezone(tz)
        start = local.replace(hour=rnd.randint(8, 16), minute=rnd.randint(0, 59), second=rnd.randint(0, 59))
        point = (1 + i % 2, 1 + (i * 7) % 8)
        if scenario == "waiting":  # dispatched in the last days: not due at the month's end
            start = datetime(2026, 11, 30, 9, 0, tzinfo=tz) + timedelta(minutes=rnd.randint(0, 300))
            steps: list[Step] = [(0.3, "acceptor", Action.REGISTER, {}), (0.4, "dispatcher", "dispatch", {})]
        else:
            steps = SCENARIOS[scenario]
        push(start.astimezone(UTC), _starter(city, month, rnd, push, scenario, category, point, steps))
    sweep_at = first.astimezone(UTC)
    while sweep_at < horizon:
        push(sweep_at, lambda: escalation.sweep_all(city.rt))
        sweep_at += timedelta(hours=sweep_hours)
    while queue:
        at, _, fn = heapq.heappop(queue)
        if at > horizon:
            break
        clock.set(at)
        fn()
    assert not month.failures, month.failures[:5]
    return month


def _jitter(rnd: random.Random, hours: float) -> timedelta:
    return timedelta(hours=hours * rnd.uniform(0.85, 1.15), seconds=rnd.randint(1, 59))


def _starter(city: City, month: Month, rnd: random.Random, push: Any, scenario: str, category: str,
             point: tuple[int, int], steps: list[Step]) -> Callable[[], None]:
    def start() -> None:
        who = {"hotline": "hotline", "refute": "hotline"}.get(scenario, "inspector")
        lon, lat = grid_point(*point)
        r = intake.report_case(city.rt, intake.ReportInput(
            category_code=category, description=f"{scenario} 测试问题", lon=lon, lat=lat, address=f"测试路{point[1]}号",
            self_handled=scenario == "self_handle", reporter_phone="13800000001" if who == "hotline" else None),
            city.actor(who))
        month.case_nos.append(r.case_no)
        month.scenarios[scenario] += 1
        _schedule(city, month, rnd, push, r.case_no, category, steps, 0)

    return start


def _schedule(city: City, month: Month, rnd: random.Random, push: Any, case_no: str, category: str,
              steps: list[Step], i: int) -> None:
    if i >= len(steps):
        return
    delay, who, action, opts = steps[i]
    if delay == "late":
        delay = 9.0 if category == MANHOLE else 24 * 5.0
    at = city.rt.now() + _jitter(rnd, float(delay))

    def run() -> None:
        unit_key = UNIT_OF[category]
        actor_key = unit_key if who == "unit" else who
        kw = dict(opts)
        act: Action = action if isinstance(action, Action) else Action.DISPATCH
        if action == "dispatch":
            kw["unit_id"] = city.units[unit_key]
            if unit_key == "street":
                kw["override_reason"] = ""
        elif action == "redispatch":
            kw.update(unit_id=city.units["street"], override_reason="改派属地街道")
        try:
            actor = CITIZEN if actor_key == "citizen" else city.actor(actor_key)
            if actor_key == "citizen":
                kw = {**kw, "token": _reporter_token(city, case_no)}
            cases.perform_action(city.rt, case_no, act, actor, ActionInput(version=None, **kw))
        except Exception as exc:  # collected and reported by the test, with the step that failed
            month.failures.append(f"{case_no} {act.value} by {actor_key}: {exc!r}")
            return
        _schedule(city, month, rnd, push, case_no, category, steps, i + 1)

    push(at.astimezone(UTC), run)

# scenario -> steps (hours after the previous step, who, action, options)
Step = tuple[float, str, Action | str, dict[str, Any]]
SCENARIOS: dict[str, list[Step]] = {
    "on_time": [(0.3, "acceptor", Action.REGISTER, {}), (0.4, "dispatcher", "dispatch", {}),
                (0.3, "unit", Action.ACCEPT_TASK, {}), (2.0, *HANDLE), (1.5, *CHECK), (0.5, *CLOSE)],
    "late": [(0.3, "acceptor", Action.REGISTER, {}), (2.5, "dispatcher", "dispatch", {}),
             (0.2, "unit", Action.ACCEPT_TASK, {}), ("late", *HANDLE), (5.0, *CHECK), (0.5, *CLOSE)],
    "rework": [(0.3, "acceptor", Action.REGISTER, {}), (0.4, "dispatcher", "dispatch", {}), (1.0, *HANDLE),
               (1.0, "inspector", Action.CHECK_FAIL, {"note": "未清理干净"}), (1.5, *HANDLE), (1.0, *CHECK),
               (0.4, *CLOSE)],
    "void": [(0.5, "acceptor", Action.VOID, {"note": "重复上报"})],
    "void_registered": [(0.3, "acceptor", Action.REGISTER, {}), (0.5, "leader", Action.VOID, {"note": "不属实"})],
    "reject": [(0.5, "acceptor", Action.REJECT, {"note": "不属于受理范围"})],
    "hotline": [(0.2, "acceptor", Action.ACCEPT, {}), (1.1, "inspector", Action.VERIFY, {"note": "属实"}),
                (0.4, "acceptor", Action.REGISTER, {}), (0.6, "dispatcher", "dispatch", {}), (2.0, *HANDLE),
                (3.5, *CHECK), (0.5, *CLOSE)],
    "refute": [(0.2, "acceptor", Action.ACCEPT, {}), (2.5, "inspector", Action.REFUTE, {"note": "现场无此问题"})],
    "extension": [(0.3, "acceptor", Action.REGISTER, {}), (0.4, "dispatcher", "dispatch", {}),
                  (0.5, "unit", Action.ACCEPT_TASK, {}),
                  (1.0, "unit", Action.REQUEST_EXTENSION, {"note": "需采购", "extension": {"amount": 24,
                                                                                       "unit": "natural_hours"}}),
                  (0.5, "dispatcher", Action.APPROVE_EXTENSION, {}), (20.0, *HANDLE), (2.0, *CHECK), (0.5, *CLOSE)],
    "return": [(0.3, "acceptor", Action.REGISTER, {}), (0.4, "dispatcher", "dispatch", {}),
               (1.0, "unit", Action.REQUEST_RETURN, {"note": "不属于本单位"}),
               (0.5, "dispatcher", Action.APPROVE_RETURN, {}), (0.5, "dispatcher", "redispatch", {}),
               (2.0, "street", Action.HANDLE, {"note": "已处置"}), (1.0, *CHECK), (0.5, *CLOSE)],
    "suspend": [(0.3, "acceptor", Action.REGISTER, {}), (0.4, "dispatcher", "dispatch", {}),
                (0.5, "unit", Action.ACCEPT_TASK, {}), (1.0, "unit", Action.REQUEST_SUSPEND, {"note": "需纳入工程"}),
                (0.5, "dispatcher", Action.APPROVE_SUSPEND, {}), (60.0, "dispatcher", Action.RESUME, {}),
                (2.0, *HANDLE), (1.0, *CHECK), (0.5, *CLOSE)],
    "self_handle": [(1.0, *CLOSE)],
    "reopen": [(0.3, "acceptor", Action.REGISTER, {}), (0.4, "dispatcher", "dispatch", {}), (2.0, *HANDLE),
               (1.0, *CHECK), (0.5, *CLOSE), (30.0, "citizen", Action.REOPEN, {"note": "又坏了"}),
               (5.0, *CHECK), (0.5, *CLOSE)],
    "open_overdue": [(0.3, "acceptor", Action.REGISTER, {}), (0.4, "dispatcher", "dispatch", {}),
                     (0.5, "unit", Action.ACCEPT_TASK, {})],
    "waiting": [],
}
WEIGHTS = {"on_time": 30, "late": 12, "rework": 8, "void": 4, "void_registered": 3, "reject": 2, "hotline": 8,
           "refute": 3, "extension": 5, "return": 5, "suspend": 4, "self_handle": 7, "reopen": 4,
           "open_overdue": 4, "waiting": 3}


def _reporter_token(city: City, case_no: str) -> str | None:
    with city.rt.uow(readonly=True) as uow:
        case = uow.cases.get(case_no)
    return case.public_token if case else None
