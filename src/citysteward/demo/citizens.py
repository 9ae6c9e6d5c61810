"""Demo stage: the intake desk and the citizen's side (issue 15).

At the crossing of 人民路 and 塔南路 (the demo city's own roads): a citizen's phone report picked
"污水井盖" for a missing cover, and a few minutes later a 12345 call about the same hole, registered
at the desk with the suggested category — so the acceptor's review page (/console/intake/{case_no})
shows a likely duplicate of another category nearby. The caller has an earlier report (the desk
shows it by phone number); a neighbour says "me too" from a verified phone and follows the case;
two residents subscribe to area alerts (a 500 m circle and a grid). The phone numbers and e-mail
addresses are placeholders (example.com), not people. Marked done in the settings (`demo.citizens`):
a second run adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shapely.geometry import LineString, Point

from citysteward.cases.services import intake
from citysteward.catalogue.suggest import services as suggest_services
from citysteward.citizens import services as citizens
from citysteward.demo.world import DemoWorld
from citysteward.kernel.actor import Actor, Role
from citysteward.platform.runtime import Runtime

MARK = "demo.citizens"
CALLER, REPORTER, NEIGHBOUR = "13900000391", "13900000392", "13900000393"  # placeholders, not real numbers
HOTLINE = Actor(role=Role.HOTLINE, name="12345 热线坐席")
CITIZEN = Actor(role=Role.CITIZEN, name="市民")
ROADS = ("人民路", "塔南路")


def _crossing(world: DemoWorld) -> tuple[float, float]:
    lines = {r["name"]: LineString(r["coordinates"]) for r in world.areas.roads}
    if all(name in lines for name in ROADS):
        meet = lines[ROADS[0]].intersection(lines[ROADS[1]])
        if isinstance(meet, Point):
            return meet.x, meet.y
    centre = world.areas.grid_geometries()[0][1].representative_point()
    return centre.x, centre.y


def _done(rt: Runtime) -> bool:
    with rt.uow(readonly=True) as uow:
        return bool(uow.settings.get(MARK))


def seed(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    """Adds what is missing of this stage to the demo city."""
    if _done(rt):
        return
    lon, lat = _crossing(world)
    where = f"{ROADS[0]}与{ROADS[1]}交叉口"
    earlier = intake.report_case(rt, intake.ReportInput(
        category_code="02004", description="塔南路公交站台顶棚漏雨，等车的人没处躲", lon=lon, lat=lat - 0.004,
        address="塔南路公交站", reporter_name="王女士", reporter_phone=CALLER), HOTLINE)
    first = intake.report_case(rt, intake.ReportInput(
        category_code="01002", description=f"{where}东北角污水井盖缺失，夜里看不清", lon=lon + 0.0002, lat=lat + 0.0002,
        address=f"{where}东北角", reporter_phone=REPORTER), CITIZEN)
    text = "人民路塔南路口井盖没了，一个大洞，晚上很危险"
    suggestion = suggest_services.suggest(rt, text)
    call = intake.report_case(rt, intake.ReportInput(
        category_code=suggestion.items[0].code, urgency=suggestion.urgency, description=text, lon=lon + 0.0004,
        lat=lat + 0.0001, address=where, reporter_name="王女士", reporter_phone=CALLER), HOTLINE)
    citizens.follow(rt, NEIGHBOUR, first.case_no)
    citizens.add_alert(rt, citizens.AlertInput("renmin-road@example.com", lon, lat, 500))
    grid = world.areas.grids["features"][0]["properties"]["code"]
    citizens.add_alert(rt, citizens.AlertInput("grid-watch@example.com", grid_code=grid, on_new=False))
    with rt.uow() as uow:
        uow.settings.put(MARK, {"cases": [earlier.case_no, first.case_no, call.case_no]}, rt.now(), "演示数据")
        uow.commit()
    say(f"市民端：{where}的市民反映 {first.case_no} 与 12345 来电 {call.case_no} 为疑似重复（待受理），区域提醒 2 个")
