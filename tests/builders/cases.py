"""Page tests: the app over the test runtime, a TestClient signed in as any of the city's users, and
helpers to move cases along through the services (fast) when a test only needs a case in some state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from citysteward.cases.domain.model import Action
from citysteward.cases.services import actions as cases
from citysteward.cases.services import intake
from citysteward.cases.services.actions import ActionInput
from citysteward.config import Settings
from citysteward.geography import services as area_service
from citysteward.platform.db import make_engine
from citysteward.platform.runtime import Runtime
from citysteward.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import City, grid_point

MANHOLE = "01002"  # 污水井盖异常: class 01, routed to the facility unit by the city's rules
GARBAGE = "06042"  # 垃圾站（箱）满溢: class 06, routed to sanitation


def report(city: City, category: str = MANHOLE, who: str = "hotline", community: int = 1, seq: int = 3,
           description: str = "人民路污水井盖破损，存在安全隐患", address: str = "人民路与塔南路交叉口",
           offset: tuple[float, float] = (0.0, 0.0), **kw: object) -> str:
    lon, lat = grid_point(community, seq)
    lon, lat = lon + offset[0], lat + offset[1]
    data = intake.ReportInput(category_code=category, description=description, lon=lon, lat=lat,
                              address=address, reporter_name="张三丰", reporter_phone="13812341234",
                              **kw)  # type: ignore[arg-type]
    return intake.report_case(city.rt, data, city.actor(who)).case_no


def step(city: City, who: str, case_no: str, action: Action, **kw: object) -> None:
    actor = city.actor(who)
    version = cases.case_detail(city.rt, case_no, actor).version
    cases.perform_action(city.rt, case_no, action, actor, ActionInput(version=version, **kw))  # type: ignore[arg-type]


def dispatched(city: City, case_no: str, unit: str | None = None) -> None:
    """Register and dispatch, to the suggested unit unless another is named."""
    step(city, "acceptor", case_no, Action.REGISTER)
    suggested = cases.case_detail(city.rt, case_no, city.actor("dispatcher")).routing.suggested_unit_id
    unit_id = city.units[unit] if unit else suggested
    step(city, "dispatcher", case_no, Action.DISPATCH, unit_id=unit_id,
         override_reason="" if unit_id == suggested else "属地单位更近")


# A month of work for screenshots and the dashboard: (category, description, address). Classes 01 and 06
# go to units that have users; 09 goes to the street office (territorial default), which has none.
KINDS = [
    ("01002", "污水井盖破损下沉，行人容易踩空", "人民路与塔南路交叉口"),
    ("06010", "路边暴露垃圾堆积，气味难闻", "解放中路 88 号门前"),
    ("01037", "路灯连续三晚不亮", "塔南路东段"),
    ("06013", "人行道砖松动破损", "丰收路北侧"),
    ("06042", "垃圾箱满溢未及时清运", "健康路口"),
]
UNIT_USER = {"facility": "facility", "sanitation": "sanitation"}


@dataclass
class Seeded:
    closed: list[str] = field(default_factory=list)
    waiting: dict[str, list[str]] = field(default_factory=dict)


def walk_to_close(city: City, clock, case_no: str, hours: float) -> None:
    dispatched(city, case_no)
    unit_id = cases.case_detail(city.rt, case_no, city.actor("dispatcher")).main_unit_id
    who = next(k for k, v in city.units.items() if v == unit_id)
    step(city, who, case_no, Action.ACCEPT_TASK)
    clock.advance(hours=hours)
    step(city, who, case_no, Action.HANDLE, note="已处置完毕")
    step(city, "inspector", case_no, Action.CHECK_PASS)
    step(city, "leader", case_no, Action.CLOSE)


def seed_busy_city(city: City, clock) -> Seeded:
    """Two weeks of closed cases, then today's cases waiting in every queue, then a deadline sweep."""
    from citysteward.supervision.services import sweep

    start = clock.now
    out = Seeded()
    for d in range(14, 0, -1):
        for k in range(1 + d % 3):
            clock.set(start - timedelta(days=d, hours=k))
            cat, desc, addr = KINDS[(d + k) % len(KINDS)]
            no = report(city, cat, community=1 + (d + k) % 2, seq=1 + (d * 3 + k) % 8, description=desc, address=addr)
            walk_to_close(city, clock, no, hours=30 if (d + k) % 4 == 0 else 1.5)
            out.closed.append(no)

    def today(key: str, hours_ago: float, i: int, *path: Action) -> str:
        clock.set(start - timedelta(hours=hours_ago))
        cat, desc, addr = KINDS[i % len(KINDS)]
        spread = (((hours_ago * 7) % 5 - 2) * 0.0012, ((hours_ago * 3) % 5 - 2) * 0.0012)  # not all on one spot
        no = report(city, cat, community=1 + i % 2, seq=1 + (i * 5) % 8, description=desc, address=addr,
                    offset=spread)
        for action in path:
            if action is Action.DISPATCH:
                dispatched(city, no)
            else:
                step(city, {Action.ACCEPT: "acceptor", Action.VERIFY: "inspector"}[action], no, action,
                     note="现场核实属实")
        out.waiting.setdefault(key, []).append(no)
        return no

    for i in range(3):
        today("reported", 1 + i * 0.5, i)
    for i in range(2):
        today("pending_verify", 2 + i, i + 1, Action.ACCEPT)
    today("verified", 2.5, 3, Action.ACCEPT, Action.VERIFY)
    today("dispatched", 5.5, 0, Action.DISPATCH)  # manhole, 6 natural hours: yellow by now
    today("dispatched", 0.5, 2, Action.DISPATCH)
    clock.set(start - timedelta(days=2))
    no = report(city, "09006", community=2, seq=4, description="早市占道经营，堵塞人行道", address="民主南路菜市场")
    dispatched(city, no)  # to the street office: left undone, overdue by now
    out.waiting.setdefault("overdue", []).append(no)
    clock.set(start)
    sweep.sweep(city.rt)
    team = [{"name": "李建国", "team_role": "leader", "phone": "13900001111"},
            {"name": "王秀英", "team_role": "party_pioneer", "phone": "13900002222"},
            {"name": "市政设施所养护一班", "team_role": "maintenance", "unit_id": city.units["facility"]}]
    area_service.set_grid_team(city.rt, city.actor("admin"), "410802001001001", team)
    return out

SEWER_COVER = "BJ01002"  # 污水井盖 (a component): 6 natural hours -> yellow after 4.8 h, red after 6 h


def act(city: City, who: str, case_no: str, action: Action, **kw: Any) -> dict[str, Any]:
    return cases.perform_action(city.rt, case_no, action, city.actor(who), ActionInput(version=None, **kw))


def new_case(city: City, category: str = SEWER_COVER, who: str = "inspector", point: tuple[int, int] = (1, 3),
             unit: str | None = "facility", description: str = "污水井盖破损", **kw: Any) -> str:
    lon, lat = grid_point(*point)
    r = intake.report_case(city.rt, intake.ReportInput(category_code=category, description=description, lon=lon,
                                                       lat=lat, address="人民路与塔南路交叉口", **kw), city.actor(who))
    if unit is not None:
        act(city, "acceptor", r.case_no, Action.REGISTER)
        detail = cases.case_detail(city.rt, r.case_no, city.actor("dispatcher"))
        reason = "" if detail.routing.suggested_unit_id == city.units[unit] else "按属地调整"
        act(city, "dispatcher", r.case_no, Action.DISPATCH, unit_id=city.units[unit], override_reason=reason)
    return r.case_no


def steps(rt: Runtime, case_no: str) -> list[str]:
    with rt.uow(readonly=True) as uow:
        case = uow.cases.get(case_no)
        assert case is not None and case.id is not None
        return [e.action.value for e in uow.cases.events(case.id)]


def count_rows(rt: Runtime, table: Any, *conds: Any) -> int:
    with rt.uow(readonly=True) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table).where(*conds)).scalar_one())


def _second_runtime(rt: Runtime) -> Runtime:
    engine = make_engine(rt.settings.database_url)
    return Runtime(uow=SqlUnitOfWorkFactory(engine), settings=Settings(database_url=rt.settings.database_url,
                                                                       media_dir=rt.settings.media_dir),
                   clock=rt.clock)
