"""Demo stage: roads, components and a year of maintenance work (issue 12).

Roads: the demo city's named roads (demo/areas.py sketches, the names of the seeds' reports) plus a few
more the reports name (站前路, 龙源路, 普济路, 政二街), as plausible centre lines inside the districts,
every one marked *generated* (not surveyed). Untransferred roads (新建未移交) are those the demo's rules
name with their bodies (demo/units.py: 市城投, 高新区城管中心/城建中心, 王褚街道). The seeds give only
their count by district (13: 解放区 5, 山阳区 5, 马村区 1, 高新区 2) and not their names, so no other
road is marked: that list is the city's to enter.
Components: lamps (01037) every 50 m along each road, rain inlets (01004) every 60 m, rain-water covers
(01003) every 120 m, and a pump station (01072) at the west end of each arterial road.
Work: a year of work orders whose totals are the seeds' figures for the 市政管家 drive (维修路灯 4702 盏次，
更换电缆 3529 米，河道警示牌 70 余块、立柱 40 余根，清挖雨水井 4705 眼、检查井 2816 座，隐患 500 余处，
丰收路 175 套 LED 改造节电 40 %), inlets and wells mostly before the flood season; night lighting checks
on every lit road each month. Idempotent: each part is added only when missing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, shape
from shapely.ops import unary_union

from citysteward.assets.domain.maintenance import Quantity, WorkOrder, WorkOrigin, WorkStatus, WorkType
from citysteward.assets.domain.roads import Plane
from citysteward.assets.ports import unit_of_work
from citysteward.assets.services import components as component_services
from citysteward.assets.services import roads as road_services
from citysteward.demo.units import CITY_INVESTMENT_ROADS, FACILITY, HIGH_TECH_ROADS, WANGCHU_ROADS, _street_code
from citysteward.demo.world import DemoWorld
from citysteward.kernel.actor import Actor
from citysteward.platform.runtime import Runtime

ACTOR = Actor.system("演示数据")
ARTERIAL = {"人民路", "解放路", "山阳路", "丰收路", "建设路", "太行路", "中原路", "迎宾路"}
# More roads the seeds name, sketched in plausible places (WGS-84), clipped to the districts.
EXTRA_SKETCHES: tuple[tuple[str, str, tuple[tuple[float, float], ...]], ...] = (
    ("站前路", "branch", ((113.2240, 35.1760), (113.2245, 35.2000))),
    ("龙源路", "secondary", ((113.2800, 35.1960), (113.3400, 35.1965))),
    ("普济路", "branch", ((113.3150, 35.1800), (113.3155, 35.2200))),
    ("政二街", "branch", ((113.2780, 35.1850), (113.2785, 35.2100))),
)
# (work type, the seeds' total, orders over the year, months it favours)
WORK_PLAN: tuple[tuple[WorkType, float, int, tuple[int, ...]], ...] = (
    (WorkType.LAMP_REPAIR, 4702, 420, ()), (WorkType.CABLE, 3529, 160, ()), (WorkType.SIGN, 72, 18, (5, 6, 7)),
    (WorkType.POST, 41, 12, (5, 6, 7)), (WorkType.INLET_CLEAR, 4705, 260, (4, 5, 6)),
    (WorkType.WELL_CLEAR, 2816, 180, (4, 5, 6)), (WorkType.HAZARD_FIX, 503, 150, ()),
    (WorkType.PUMP_OVERHAUL, 14, 14, (4, 5)),
)
TITLE = {WorkType.LAMP_REPAIR: "夜巡发现路灯故障集中维修", WorkType.CABLE: "路灯电缆被盗、老化更换",
         WorkType.SIGN: "河道警示牌维修更换", WorkType.POST: "警示牌立柱更换", WorkType.INLET_CLEAR: "汛前雨水井清挖",
         WorkType.WELL_CLEAR: "汛前检查井清掏", WorkType.HAZARD_FIX: "路面坑槽、井盖破损隐患整治",
         WorkType.PUMP_OVERHAUL: "泵站汛前检修"}


def seed(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    """Adds what is missing of this stage to the demo city."""
    _roads(rt, world, say)
    _components(rt, world, say)
    _work(rt, world, say)


def _city(world: DemoWorld) -> Any:
    return unary_union([shape(f["geometry"]) for f in world.areas.districts["features"]])


def _district_of(world: DemoWorld, geom: Any) -> str | None:
    p = geom.interpolate(0.5, normalized=True)
    for f in world.areas.districts["features"]:
        if shape(f["geometry"]).contains(p):
            return str(f["properties"]["code"])
    return None


def _roads(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    existing = {r.name for r in road_services.list_roads(rt)}
    city = _city(world)
    sketches = [(r["name"], "arterial" if r["name"] in ARTERIAL else "secondary", r["coordinates"])
                for r in world.areas.roads]
    for name, cls, coords in EXTRA_SKETCHES:
        inside = shapely.intersection(LineString(coords), city)
        parts = [g for g in shapely.get_parts(shapely.line_merge(inside)) if isinstance(g, LineString)]
        if parts:
            sketches.append((name, cls, [list(c) for c in max(parts, key=lambda g: g.length).coords]))
    u = world.unit_ids
    interim = {**{r: "市城投" for r in CITY_INVESTMENT_ROADS},
               **{r: ("高新区城管中心" if unit == "GXCGZX" else "高新区城建中心") for r, unit in HIGH_TECH_ROADS.items()},
               **{r: "王褚街道" for r in WANGCHU_ROADS if _street_code(world.areas, "王褚街道")}}
    added = 0
    for name, cls, coords in sketches:
        if name in existing:
            continue
        geom = LineString(coords)
        road_services.save_road(rt, ACTOR, road_services.RoadInput(
            name=name, road_class=cls, geometry={"type": "LineString", "coordinates": [list(c) for c in coords]},
            district_code=_district_of(world, geom), managing_unit_id=u.get("CGJ"), maintaining_unit_id=u.get(FACILITY),
            handed_over=name not in interim, interim_body=interim.get(name, ""), generated=True,
            note="演示数据：按区内合理走向生成的中心线，非实测"))
        added += 1
    if added:
        say(f"已登记道路 {added} 条（其中新建未移交 {len(interim)} 条，中心线为生成的演示数据）")


def _points_along(coords: list[list[float]], step_m: float, offset_m: float) -> list[tuple[float, float]]:
    """Points every `step_m` along a line, alternately `offset_m` left and right of it."""
    line = LineString(coords)
    c = line.centroid
    plane = Plane(c.x, c.y)
    flat = plane.geometry(line)
    out = []
    n = int(flat.length // step_m)
    for i in range(1, n):
        side = offset_m if i % 2 else -offset_m
        shifted = flat.offset_curve(side) if offset_m else flat
        p = shifted.interpolate(min(i * step_m, shifted.length))
        out.append((p.x / plane.kx + plane.lon0, p.y / 111_195.0 + plane.lat0))
    return out


def _components(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    with unit_of_work(rt, readonly=True) as uow:
        _, total = uow.assets.components(None, None, None, 1, 0)
    if total:
        return
    rows: list[dict[str, Any]] = []
    seq: dict[tuple[str, str], int] = {}
    rng = random.Random(world.seed + 12)

    def add(class_code: str, name: str, lon: float, lat: float, **attrs: Any) -> None:
        district = _district_of(world, LineString([(lon, lat), (lon + 1e-7, lat)])) or "410802"
        key = (district, class_code)
        seq[key] = seq.get(key, 0) + 1
        rows.append({"code": f"{district}{class_code}{seq[key]:06d}", "name": name, "lon": round(lon, 7),
                     "lat": round(lat, 7), "department": "焦作市城市管理局", "owner": "焦作市城市管理局",
                     "maintainer": "市市政设施所", "data_source": "other", "initial_date": "20200601",
                     "note": "演示数据", **attrs})

    for road in road_services.list_roads(rt):
        coords = road.geometry["coordinates"]
        led = road.name == "丰收路"
        for i, (x, y) in enumerate(_points_along(coords, 50, 12), start=1):
            add("01037", f"{road.name}路灯{i}号", x, y, lamp_type="LED" if led else rng.choice(["LED", "高压钠灯"]),
                power_w=150 if led else rng.choice([150, 250]), circuit=f"{road.name}{1 + i // 40}号箱变")
        for i, (x, y) in enumerate(_points_along(coords, 60, 8), start=1):
            add("01004", f"{road.name}雨水箅子{i}号", x, y, kind=rng.choice(["平箅", "立箅"]))
        for i, (x, y) in enumerate(_points_along(coords, 120, 0), start=1):
            add("01003", f"{road.name}雨水井盖{i}号", x, y, material="球墨铸铁")
        if road.road_class.value == "arterial":
            x, y = coords[0]
            add("01072", f"{road.name}雨水泵站", x + 0.002, y, capacity_m3h=rng.choice([3000, 5000, 8000]), pumps=4)
    report = component_services.import_components(rt, ACTOR, rows)
    say(f"已登记部件 {report.accepted} 个（路灯、雨水箅子、雨水井盖、泵站；网格外 {len(report.rejected)} 个未登记）")


def _split(total: float, n: int, rng: random.Random) -> list[float]:
    """`total` in `n` positive whole parts (the year's figure, order by order)."""
    cuts = sorted(rng.sample(range(1, int(total)), n - 1)) if n > 1 else []
    bounds = [0, *cuts, int(total)]
    return [float(b - a) for a, b in zip(bounds, bounds[1:], strict=False)]


def _work(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    with unit_of_work(rt, readonly=True) as uow:
        _, total = uow.assets.work_orders(None, None, None, 1, 0)
        roads = uow.assets.roads()
    if total or not roads:
        return
    rng = random.Random(world.seed + 13)
    tz = rt.settings.tz
    today = rt.now().astimezone(tz).date()
    start = today - timedelta(days=364)
    days = [start + timedelta(days=i) for i in range(365)]
    unit = world.unit_ids.get(FACILITY)
    orders: list[WorkOrder] = []

    def when(months: tuple[int, ...]) -> datetime:
        pool = [d for d in days if d.month in months] if months and rng.random() < 0.8 else days
        d = rng.choice(pool)
        return datetime.combine(d, datetime.min.time(), tz).replace(hour=rng.randint(8, 17), minute=rng.randrange(60))

    for work_type, amount, n, months in WORK_PLAN:
        for part in _split(amount, n, rng):
            road = rng.choice(roads)
            orders.append(WorkOrder(
                title=f"{road.name}{TITLE[work_type]}", origin=WorkOrigin.PLANNED, status=WorkStatus.DONE, unit_id=unit,
                district_code=road.district_code, planned_on=None, done_at=when(months),
                quantities=(Quantity(work_type, part),), team=f"市政管家第{rng.randint(1, 8)}网格维护队",
                crew=rng.randint(2, 8), equipment=rng.choice(["高空作业车", "吸污车", "小型挖掘机", "工程车"]),
                road_id=road.id, created_by=ACTOR.name))
    fengshou = next((r for r in roads if r.name == "丰收路"), roads[0])
    orders.append(WorkOrder(
        title="丰收路老旧路灯更换为 LED 灯具", origin=WorkOrigin.PLANNED, status=WorkStatus.DONE, unit_id=unit,
        district_code=fengshou.district_code, planned_on=None, done_at=when((9,)),
        quantities=(Quantity(WorkType.LED_RETROFIT, 175, 250.0, 150.0),), team="市政管家路灯班", crew=12,
        equipment="高空作业车", road_id=fengshou.id, created_by=ACTOR.name))
    now = rt.now()
    with unit_of_work(rt) as uow:
        for o in sorted(orders, key=lambda o: o.done_at or now):
            uow.assets.add_work_order(o, now)
        _lighting(uow, roads, days, rng, now)
        uow.commit()
    say(f"已生成一年养护作业 {len(orders)} 项与每月夜巡亮灯检查")


def _lighting(uow: Any, roads: list[Any], days: list[date], rng: random.Random, now: datetime) -> None:
    """One night check per road and month: lamps counted on the road, a few dark (more on minor roads)."""
    counts: dict[int, int] = {}
    for r in roads:
        _, n = uow.assets.components("01037", None, r.id, 1, 0)
        counts[r.id] = n
    months = sorted({(d.year, d.month) for d in days})
    last = days[-1]
    for y, m in months:
        night = min(date(y, m, 20), last)
        for r in roads:
            lamps = counts.get(r.id, 0)
            if not lamps:
                continue
            share = 0.012 if r.road_class.value == "arterial" else 0.03
            dark = int(np.random.default_rng(rng.randrange(1 << 30)).binomial(lamps, share))
            uow.assets.add_lighting_check({"checked_on": night, "road_id": r.id, "lamps": lamps,
                                           "dark": dark, "method": "night_patrol", "note": "夜巡", "created_at": now})
