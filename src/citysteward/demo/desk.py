"""Demo stage: supervision tickets, 挂牌 hot spots and published rankings (issue 10).

After the seed article on the city's 清洁家园 drive (shared/seeds/000_…: "交办问题督导单 129 个，其中白色
督导单 125 个、黄色督导单 4 个（4 个督导单为双交办）…已全部整改到位"): 129 tickets issued from July on
about street-cleanliness cases (class 06), the 4 yellow ones to two units each, every one replied and
accepted. Then a few tickets of the last weeks that ran past their deadlines and went up a level (one
still red and overdue), the worst recurring places listed (挂牌督办) with the long-term measures the
article reports, and the monthly rankings of the last six months published with their flags.

Everything goes through the services with the clock set to the moment it happens, so the tickets'
timelines, notices and the rankings' history look as if the year had been lived. Each part is marked
done in the settings (`demo.desk`): a second run adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from citysteward.catalogue import services as catalogue_services
from citysteward.demo.world import DemoWorld
from citysteward.evaluation.services import indicators as indicator_service
from citysteward.evaluation.services import rankings as ranking_service
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import DomainError
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.tickets import TicketAction, TicketLevel
from citysteward.supervision.services import hotspots as hotspot_service
from citysteward.supervision.services import tickets as sv

MARK = "demo.desk"
WHITE, YELLOW = 125, 4
CLEAN_CLASS = "06"  # 市容环境: what the 清洁家园 drive is about
SECOND_UNIT = "SCT"  # 市城投: the other party of the seed's disputed places (站前路与南通路)
MEASURES = (  # the long-term measures the seed article reports
    "彻底清理后在该点位放置垃圾桶并定期清运，纳入网格员每日巡查",
    "出动大型器械精准清理，建立“露头就秒”快速反应机制",
    "属地负责清理垃圾、市城投铺设挡板，形成长效管护机制",
)
RANKED_MONTHS = 6


def at(rt: Runtime, moment: datetime) -> Runtime:
    """The runtime with its clock stopped at `moment` (what happened then is stamped then)."""
    return Runtime(uow=rt.uow, settings=rt.settings, clock=lambda: moment, cache=rt.cache,
                   counters=rt.counters)


def _local(rt: Runtime, day: date, hour: float) -> datetime:
    return datetime.combine(day, time(0), tzinfo=rt.settings.tz) + timedelta(hours=hour)


def _marks(rt: Runtime) -> dict[str, Any]:
    with rt.uow(readonly=True) as uow:
        return dict(uow.settings.get(MARK) or {})


def _mark(rt: Runtime, part: str) -> None:
    with rt.uow() as uow:
        marks = dict(uow.settings.get(MARK) or {})
        marks[part] = rt.now().isoformat()
        uow.settings.put(MARK, marks, rt.now(), "演示数据")
        uow.commit()


def _supervisor(rt: Runtime) -> Actor:
    with rt.uow(readonly=True) as uow:
        user = uow.org.user_by_name("supervisor")
    if user is None:
        return Actor(role=Role.SUPERVISOR, name="督查员")
    return Actor(role=Role.SUPERVISOR, user_id=user["id"], name=user["display_name"])


def _unit_actor(rt: Runtime, unit_id: int) -> Actor:
    with rt.uow(readonly=True) as uow:
        unit = uow.org.unit(unit_id)
    return Actor(role=Role.UNIT, unit_id=unit_id, name=(unit or {}).get("name", "责任单位"))


def _clean_cases(rt: Runtime, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Street-cleanliness cases of the window that were sent to a unit, oldest first."""
    catalogue = catalogue_services.catalogue(rt)
    with rt.uow(readonly=True) as uow:
        rows = uow.hotspots.place_cases(start, end)
        out = []
        for r in rows:
            category = catalogue.by_code.get(r["category_code"])
            if category is None or category.class_code != CLEAN_CLASS:
                continue
            case = uow.cases.get_by_id(r["id"])
            if case is not None and case.main_unit_id:
                out.append({**r, "unit_id": case.main_unit_id})
    return out


def _walk(rt: Runtime, ticket_no: str, units: tuple[int, ...], issued: datetime, supervisor: Actor,
          notes: tuple[str, str]) -> None:
    """Each unit replies within a day, the supervisor accepts half a day later."""
    for i, unit_id in enumerate(units):
        sv.ticket_action(at(rt, issued + timedelta(hours=20 + 3 * i)), ticket_no, TicketAction.REPLY,
                         _unit_actor(rt, unit_id), notes[0])
    sv.ticket_action(at(rt, issued + timedelta(hours=34)), ticket_no, TicketAction.ACCEPT, supervisor, notes[1])


def clean_homes(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    now = rt.now().astimezone(rt.settings.tz)
    year = now.year if now.month >= 10 else now.year - 1
    start = _local(rt, date(year, 7, 1), 0)
    end = min(_local(rt, date(year, 9, 30), 0), now - timedelta(days=3))
    cases = _clean_cases(rt, start, end)
    if not cases:
        say("清洁家园督导单：演示期内没有市容环境类案件，跳过")
        return
    supervisor = _supervisor(rt)
    second = world.unit_ids.get(SECOND_UNIT)
    total = WHITE + YELLOW
    yellow_at = {round(total * (k + 1) / (YELLOW + 1)) for k in range(YELLOW)}  # spread through the drive
    for i in range(total):
        case = cases[i % len(cases)]
        issued = max(case["reported_at"] + timedelta(hours=26), start + timedelta(hours=9))
        yellow = i in yellow_at and second is not None and second != case["unit_id"]
        units = (case["unit_id"], second) if yellow and second else (case["unit_id"],)
        place = case["address"] or "责任区域"
        data = sv.TicketInput(
            level="yellow" if yellow else "white", title=f"清洁家园：{place}环境卫生问题"[:200],
            content=("该点位垃圾反复堆积，请属地与市城投协同清理并建立长效机制（双交办）" if yellow
                     else "请按清洁家园行动要求清理整改，回复整改情况并附照片"),
            unit_ids=units, case_nos=(case["case_no"],), lon=case["lon"], lat=case["lat"], address=place,
            limit_hours=72 if not yellow else 48)
        ticket_no = sv.issue_ticket(at(rt, issued), supervisor, data)["ticket_no"]
        _walk(rt, ticket_no, units, issued, supervisor, ("已组织清理，垃圾清运完毕", "现场复核已整改到位"))
    say(f"清洁家园督导单 {total} 张（白色 {WHITE}、黄色 {YELLOW}，黄色均为双交办），已全部整改")


def escalations(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    """Three tickets of the last weeks that the units let run past their deadlines."""
    now = rt.now()
    cases = _clean_cases(rt, now - timedelta(days=40), now - timedelta(days=12))
    if not cases:
        return
    supervisor = _supervisor(rt)
    for k, case in enumerate(cases[-3:]):
        issued = case["reported_at"] + timedelta(hours=30)
        data = sv.TicketInput(level="white", title=f"逾期督办：{case['address'] or '责任区域'}"[:200],
                              content="案件超期未处置，请立即整改并回复", unit_ids=(case["unit_id"],),
                              case_nos=(case["case_no"],), lon=case["lon"], lat=case["lat"], address=case["address"])
        ticket_no = sv.issue_ticket(at(rt, issued), supervisor, data)["ticket_no"]
        moment = issued + timedelta(hours=sv.rules(rt).hours_for(TicketLevel.WHITE) + 1)
        sv.escalate_due(at(rt, min(moment, now)))  # white → yellow
        if k == 0:  # the first is rectified once yellow
            _walk(rt, ticket_no, (case["unit_id"],), moment, supervisor, ("已整改", "验收通过"))
            continue
        moment += timedelta(hours=49)
        sv.escalate_due(at(rt, min(moment, now)))  # yellow → red
        if k == 2:  # the last stays red and is marked overdue
            sv.escalate_due(at(rt, min(moment + timedelta(hours=25), now)))
        else:
            _walk(rt, ticket_no, (case["unit_id"],), moment, supervisor, ("已整改", "验收通过"))
    say("逾期升级的督导单 3 张（1 张红色逾期未整改）")


def listed_hotspots(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    now = rt.now()
    supervisor = _supervisor(rt)
    found = hotspot_service.find(rt, Actor.system("演示数据"), date_from=now - timedelta(days=120), date_to=now,
                                 limit=10)
    listed = 0
    for spot in found["items"]:
        if listed >= len(MEASURES) or spot["listed_id"]:
            continue
        with rt.uow(readonly=True) as uow:
            last = uow.cases.get(spot["history"][-1]["case_no"])
        if last is None or not last.main_unit_id:
            continue
        try:
            hotspot_service.list_hotspot(at(rt, now - timedelta(days=20 - 5 * listed)), supervisor,
                                         hotspot_service.ListingInput(
                                             category_code=spot["category_code"], lon=spot["lon"], lat=spot["lat"],
                                             owner_unit_id=last.main_unit_id, measure=MEASURES[listed],
                                             address=spot["address"], recurrences=spot["recurrences"],
                                             case_nos=tuple(c["case_no"] for c in spot["history"]),
                                             ticket_level="white" if listed == 0 else None))
            listed += 1
        except DomainError:
            continue
    say(f"挂牌督办难点点位 {listed} 处")


def published_rankings(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    local = rt.now().astimezone(rt.settings.tz).date().replace(day=1)
    months = []
    for _ in range(RANKED_MONTHS):
        local = (local - timedelta(days=1)).replace(day=1)
        months.append(local)
    supervisor = _supervisor(rt)
    for first in reversed(months):
        period = indicator_service.period_of(rt, f"{first:%Y-%m}")
        publish_at = period.end + timedelta(hours=10)
        ranking_service.publish(at(rt, publish_at), supervisor, period)
    say(f"已发布近 {RANKED_MONTHS} 个月的综合评价排名与红蓝旗")


PARTS = (("clean_homes", clean_homes), ("escalations", escalations), ("hotspots", listed_hotspots),
         ("rankings", published_rankings))


def seed(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    """Adds what is missing of this stage to the demo city."""
    done = _marks(rt)
    for name, part in PARTS:
        if name in done:
            continue
        part(rt, world, say)
        _mark(rt, name)
        rt.cache.drop()
