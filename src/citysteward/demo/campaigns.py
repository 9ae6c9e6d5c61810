"""Demo stage: campaigns, subjects, inspections and key tasks (issue 14), after the seeds:

- 清洁家园行动 (shared/seeds/000_…): the 专班办公室's 129 tickets (125 white, 4 yellow) that demo/desk.py
  issues, put under the campaign by their title ("清洁家园：…"), not issued a second time;
- 秋冬季大气污染防治攻坚 over construction sites (六个百分之百) and restaurants (油烟), inspected day by
  day for a month, failures turned into cases and tickets (seeds 001/003/004: 工地扬尘, 餐饮油烟, 三散);
- 农村人居环境集中整治 in three phases over the 示范区's towns named in seed 002, with the appraisal
  that gives red flags to 苏家作乡 and 文苑街道 and blue flags to 宁郭镇 and 文昌街道;
- 78 civilised-city inspection points with their 点位长 and one mock-test round (焦作's mock test sampled
  78 points: FIELDWORK.md §5.1);
- the 16 民生实事 (8 provincial + 8 municipal, seed 001), with milestones and monthly progress.

Names of individual sites, shops, villages and points are generated (the seeds give none); which
门前五包 variant the city uses is unknown (FIELDWORK.md §4.1), so the demo's template says so.
Idempotent: each part is marked done in the settings and skipped on the next run.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from citysteward.campaigns.domain import AppraisalRule, CampaignInput, ChecklistItem, Member, Phase
from citysteward.campaigns.services import appraisal, inspections, setup, tasks
from citysteward.demo.units import district_bureau_code
from citysteward.demo.world import DemoWorld
from citysteward.kernel.actor import Actor, Role
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.tickets import TicketAction
from citysteward.supervision.services import tickets as ticket_service

MARK = "demo.campaigns"
TOWNS = ("苏家作乡", "文苑街道", "宁郭镇", "文昌街道")  # seed 002: the 示范区's red and blue flags
GX_CGZX = "GXCGZX"  # 高新区城管中心
POINT_TYPES = ("主干道", "次干道", "商业大街", "主要交通路口", "背街小巷", "公交站点", "居民小区", "公园", "公共广场",
               "农贸市场", "商场超市", "中小饭馆", "建筑工地", "中小学校及周边", "医院", "汽车站/火车站")

TEMPLATES: tuple[tuple[str, str, str, tuple[ChecklistItem, ...], str], ...] = (
    ("six100", "建筑工地六个百分之百", "site", tuple(
        ChecklistItem(f"{i:02d}", t, 10.0, photo_required=True, category_code=c) for i, (t, c) in enumerate((
            ("施工工地周边 100% 围挡", "08007"), ("物料堆放 100% 覆盖", "08006"), ("出入车辆 100% 冲洗", "08012"),
            ("施工现场地面 100% 硬化", "08008"), ("土方开挖 100% 湿法作业", "08004"),
            ("渣土车辆 100% 密闭运输", "08011")), start=1)),
     "FIELDWORK.md §3.1；第 5 项有“拆迁工地 100% 湿法作业”的写法，按本市文件修改"),
    ("youyan", "餐饮油烟治理", "restaurant", tuple(
        ChecklistItem(f"{i:02d}", t, w, photo_required=True, category_code="06027") for i, (t, w) in enumerate((
            ("油烟净化设施已安装", 30.0), ("净化设施正常使用", 30.0), ("净化设施定期清洗（有记录）", 20.0),
            ("油烟经专用烟道达标排放", 20.0)), start=1)),
     "《大气污染防治法》第八十一条；GB 18483"),
    ("mqwb", "门前五包（示例，按本市采用的版本修改）", "shop", tuple(
        ChecklistItem(f"{i:02d}", t, 20.0, photo_required=True, category_code=c) for i, (t, c) in enumerate((
            ("包卫生", "06010"), ("包秩序", ""), ("包绿化", ""), ("包设施", ""), ("包文明", "")), start=1)),
     "门前五包没有全国统一清单（FIELDWORK.md §4.1 列出 A–F 六种），此处为 B 式示例"),
    ("sqyg", "村庄清洁行动三清一改", "village", tuple(
        ChecklistItem(f"{i:02d}", t, w) for i, (t, w) in enumerate((
            ("清理农村生活垃圾", 30.0), ("清理村内塘沟", 30.0), ("清理畜禽养殖粪污等农业生产废弃物", 20.0),
            ("改变影响农村人居环境的不良习惯", 20.0)), start=1)),
     "中央农办等 18 部门村庄清洁行动（FIELDWORK.md §4.2）"),
    ("point", "文明城市测评点位通用标准", "point", (
        ChecklistItem("01", "公益广告数量", 20.0, count_min=5, count_unit="处/100 m"),
        ChecklistItem("02", "无乱扔垃圾、随地吐痰", 20.0, photo_required=True, category_code="06010"),
        ChecklistItem("03", "无占道经营", 20.0, photo_required=True),
        ChecklistItem("04", "盲道完好、无障碍设施畅通", 20.0, photo_required=True),
        ChecklistItem("05", "车辆有序停放、无小广告", 20.0, photo_required=True)),
     "FIELDWORK.md §5.3（2015 年要点：主干道 300 m 内 5 处公益广告，商业大街 100 m 内 5 处）"),
)
KEY_TASKS = (  # seed 001: 8 provincial + 8 municipal; fields named there, the rest to be entered from the file
    "就业", "教育", "医疗", "养老（敬老院转型 2 个）", "农村公路改造", "充电桩安装", "心理健康进校园", "老年餐桌示范点 10 个")


def _local(rt: Runtime, day: date, hour: float) -> datetime:
    return datetime.combine(day, time(0), tzinfo=rt.settings.tz) + timedelta(hours=hour)


def at(rt: Runtime, moment: datetime) -> Runtime:
    return Runtime(uow=rt.uow, settings=rt.settings, clock=lambda: moment, cache=rt.cache, counters=rt.counters)


def _marks(rt: Runtime) -> dict[str, Any]:
    with rt.uow(readonly=True) as uow:
        return dict(uow.settings.get(MARK) or {})


def _mark(rt: Runtime, part: str) -> None:
    with rt.uow() as uow:
        marks = dict(uow.settings.get(MARK) or {})
        marks[part] = rt.now().isoformat()
        uow.settings.put(MARK, marks, rt.now(), "演示数据")
        uow.commit()


def _actor(rt: Runtime, username: str, role: Role, fallback: str) -> Actor:
    with rt.uow(readonly=True) as uow:
        user = uow.org.user_by_name(username)
    if user is None:
        return Actor(role=role, name=fallback)
    return Actor(role=role, user_id=user["id"], name=user["display_name"], unit_id=user.get("unit_id"))


def _unit_actor(rt: Runtime, unit_id: int) -> Actor:
    with rt.uow(readonly=True) as uow:
        unit = uow.org.unit(unit_id)
    return Actor(role=Role.UNIT, unit_id=unit_id, name=(unit or {}).get("name", "责任单位"))


def _templates(rt: Runtime) -> dict[str, int]:
    admin = Actor(role=Role.ADMIN, name="演示数据")
    have = {t["code"]: t["id"] for t in setup.templates(rt)}
    for code, name, kind, items, note in TEMPLATES:
        if code not in have:
            have[code] = int(setup.save_template(rt, admin, setup.TemplateInput(code, name, kind, items, note))["id"])
    return have


def _points_in_city(world: DemoWorld, rng: random.Random, n: int) -> list[tuple[str, float, float]]:
    """n (grid code, lon, lat) spread over the city's grids."""
    grids = world.areas.grid_geometries()
    picks = rng.sample(grids, min(n, len(grids)))
    out = []
    for code, geom in picks:
        p = geom.representative_point()
        out.append((code, float(p.x), float(p.y)))
    return out


def _campaign(rt: Runtime, sup: Actor, data: CampaignInput) -> bool:
    with rt.uow(readonly=True) as uow:
        exists = uow.campaigns.campaign(data.code) is not None
    if not exists:
        setup.create_campaign(rt, sup, data)
    return not exists


def _results(template_items: tuple[ChecklistItem, ...], fails: set[str], photo: Any, counts: dict[str, int]
             ) -> tuple[inspections.ResultInput, ...]:
    return tuple(inspections.ResultInput(
        i.code, "fail" if i.code in fails else "pass", counts.get(i.code) if i.count_min is not None else None,
        photos=(photo,) if i.code in fails and i.photo_required else ()) for i in template_items)


def _photo(rt: Runtime) -> Any:
    import io

    from PIL import Image

    from citysteward.cases.services import photos

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (150, 120, 90)).save(out, format="JPEG")
    return photos.prepare_photo(rt, out.getvalue(), "before", "现场.jpg")


# ---------------------------------------------------------------- the parts
def clean_homes(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    now = rt.now().astimezone(rt.settings.tz)
    year = now.year if now.month >= 10 else now.year - 1
    sup = _actor(rt, "supervisor", Role.SUPERVISOR, "督查员")
    _campaign(rt, sup, CampaignInput(
        code=f"qjjy-{year}", name="清洁家园行动", starts_on=date(year, 7, 1), ends_on=date(year, 12, 31),
        office="市清洁家园行动专班办公室", lead_unit_id=world.unit_ids.get("CGJ"),
        goal="环境卫生顽疾整改到位；9 月 8 日起工作内容推向机关、学校、医院等单位公共区域，主次干道沿线城中村，待建地块、绿地环境",
        members=(Member("市城管局", "牵头"), Member("各城区政府", "属地责任"), Member("市直有关单位", "成员单位")),
        subject_kinds=("point", "shop", "site"),
        phases=(Phase(1, "集中整治", date(year, 7, 1), date(year, 9, 7), "交办问题全部整改到位"),
                Phase(2, "提质升级", date(year, 9, 8), date(year, 12, 31), "反复存在的顽疾挂牌督办，建立长效机制"))))
    linked = setup.link_tickets(rt, sup, f"qjjy-{year}", title_prefix="清洁家园：")
    say(f"清洁家园行动：关联专班督导单 {linked} 张")


def air_drive(rt: Runtime, world: DemoWorld, say: Callable[..., Any], ids: dict[str, int]) -> None:
    rng = random.Random(world.seed + 14)
    today = rt.now().astimezone(rt.settings.tz).date()
    start, end = today - timedelta(days=30), today + timedelta(days=35)
    sup = _actor(rt, "supervisor", Role.SUPERVISOR, "督查员")
    inspector = _actor(rt, "inspector1", Role.INSPECTOR, "监督员")
    code = f"dqgj-{start:%Y}"
    _campaign(rt, sup, CampaignInput(
        code=code, name="秋冬季大气污染防治攻坚", starts_on=start, ends_on=end, office="大气污染防治攻坚专班",
        lead_unit_id=world.unit_ids.get("CGJ"), goal="工地扬尘六个百分之百、餐饮油烟达标排放，问题台账限期整改",
        members=(Member("市城管局", "牵头"), Member("生态环境、住建等行业主管部门", "成员单位")),
        subject_kinds=("site", "restaurant"),
        phases=(Phase(1, "排查摸底", start, start + timedelta(days=9), "全面掌握工地、餐饮门店底数，建立问题台账"),
                Phase(2, "集中整治", start + timedelta(days=10), end - timedelta(days=20), "问题限期整改到位"),
                Phase(3, "巩固提升", end - timedelta(days=19), end, "建立长效机制"))))
    subjects = []
    for n, (grid, lon, lat) in enumerate(_points_in_city(world, rng, 40)):
        kind = "site" if n % 2 == 0 else "restaurant"
        unit = world.unit_ids.get(district_bureau_code(grid[:6]))
        name = f"{'在建项目' if kind == 'site' else '餐饮门店'}{n // 2 + 1:02d}号"
        sid = setup.add_subject(rt, sup, setup.SubjectInput(kind=kind, name=name, address=f"{name}（网格 {grid}）",
                                                            lon=lon, lat=lat, unit_id=unit))
        subjects.append((sid, kind, unit))
    setup.add_targets(rt, sup, code, [s for s, _k, _u in subjects])
    templates = {"site": setup.template(rt, ids["six100"]), "restaurant": setup.template(rt, ids["youyan"])}
    photo = _photo(rt)
    n_insp = n_ticket = 0
    for d in range(30):
        day = start + timedelta(days=d)
        for k, (sid, kind, unit_id) in enumerate(rng.sample(subjects, 3)):
            t = templates[kind]
            fails = {i.code for i in t.items if rng.random() < 0.05}
            when = at(rt, _local(rt, day, 9 + 2 * k))
            done = inspections.inspect(when, inspector, inspections.InspectionInput(
                sid, ids["six100" if kind == "site" else "youyan"], rng.choice(("covert", "third_party")),
                _results(t.items, fails, photo, {}), campaign_code=code))
            n_insp += 1
            for r in inspections.inspection_detail(when, done["id"])["results"]:
                if r["outcome"] != "fail" or unit_id is None:
                    continue
                # failures become tickets to the subject's unit (the demo's case year is not enlarged;
                # turning an item into a case is shown by the phone page and its tests)
                made = inspections.to_ticket(when, sup, r["id"], "white")
                n_ticket += 1
                if day < today - timedelta(days=2):  # the younger ones are still within their time
                    later = at(rt, _local(rt, day + timedelta(days=1), 10))
                    ticket_service.ticket_action(later, made["ticket_no"], TicketAction.REPLY,
                                                 _unit_actor(rt, unit_id), "已整改到位")
                    ticket_service.ticket_action(later, made["ticket_no"], TicketAction.ACCEPT, sup, "复核通过")
    say(f"大气污染防治攻坚：工地 20、餐饮 20，检查 {n_insp} 次，下发督导单 {n_ticket} 张")


def rural(rt: Runtime, world: DemoWorld, say: Callable[..., Any], ids: dict[str, int]) -> None:
    today = rt.now().astimezone(rt.settings.tz).date()
    start, end = today - timedelta(days=40), today + timedelta(days=50)
    sup = _actor(rt, "supervisor", Role.SUPERVISOR, "督查员")
    inspector = _actor(rt, "inspector1", Role.INSPECTOR, "监督员")
    code = f"rjhj-{start:%Y}"
    unit = world.unit_ids.get(GX_CGZX)
    _campaign(rt, sup, CampaignInput(
        code=code, name="农村人居环境集中整治", starts_on=start, ends_on=end, office="示范区农村人居环境集中整治工作领导小组",
        lead_unit_id=unit, goal="治理“六乱”、开展“六清”，推动村庄净起来、绿起来、亮起来、美起来",
        members=(Member("示范区（高新区）党工委、管委会", "领导小组"), Member("各乡镇（街道）", "主体责任")),
        subject_kinds=("village",),
        phases=(Phase(1, "先清理干净、收拾整齐", start, start + timedelta(days=29), "清理存量垃圾和“四堆”"),
                Phase(2, "集中攻坚", start + timedelta(days=30), start + timedelta(days=59), "厕所革命、污水治理"),
                Phase(3, "绿化美化、对标达标", start + timedelta(days=60), end, "长效管护机制"))))
    template = setup.template(rt, ids["sqyg"])
    villages = []
    for town in TOWNS:
        for v in range(1, 4):
            villages.append((setup.add_subject(rt, sup, setup.SubjectInput(
                kind="village", name=f"{town}示范村{v}", area_name=town, unit_id=unit, leader=f"{town}包村干部")), town))
    setup.add_targets(rt, sup, code, [v for v, _ in villages])
    # weekly 明察暗访; the towns differ in what keeps failing (seed 002's flags)
    pattern = {"苏家作乡": {}, "文苑街道": {3: "04"}, "文昌街道": {1: "03", 3: "03"}, "宁郭镇": {0: "01", 2: "01"}}
    for week in range(4):
        day = start + timedelta(days=7 * week + 3)
        for k, (vid, town) in enumerate(villages):
            fail = pattern[town].get(week)
            when = at(rt, _local(rt, day, 9 + k % 8))
            done = inspections.inspect(when, inspector, inspections.InspectionInput(
                vid, ids["sqyg"], "covert", _results(template.items, {fail} if fail else set(), None, {}),
                campaign_code=code))
            for r in inspections.inspection_detail(when, done["id"])["results"]:
                if r["outcome"] == "fail" and unit:
                    made = inspections.to_ticket(when, sup, r["id"], "white")
                    later = at(rt, _local(rt, day + timedelta(days=1), 10 + k % 8))  # the town cleans it up next day
                    ticket_service.ticket_action(later, made["ticket_no"], TicketAction.REPLY, _unit_actor(rt, unit),
                                                 "已清理整改")
                    ticket_service.ticket_action(later, made["ticket_no"], TicketAction.ACCEPT, sup, "复核通过")
    rule = AppraisalRule(inspection_weight=100, case_weight=0, top=2, bottom=2, scheme="red_blue")
    appraisal.publish(at(rt, _local(rt, start + timedelta(days=28), 17)), sup, "农村人居环境集中整治评比（第一阶段）",
                      "area", start, start + timedelta(days=27), rule, code)
    say("农村人居环境集中整治：4 个乡镇（街道）12 个村，发布红蓝旗（红旗 苏家作乡、文苑街道；蓝旗 宁郭镇、文昌街道）")


def civilised_points(rt: Runtime, world: DemoWorld, say: Callable[..., Any], ids: dict[str, int]) -> None:
    rng = random.Random(world.seed + 78)
    today = rt.now().astimezone(rt.settings.tz).date()
    sup = _actor(rt, "supervisor", Role.SUPERVISOR, "督查员")
    code = f"wmcs-{today:%Y}"
    _campaign(rt, sup, CampaignInput(
        code=code, name="全国文明城市年度测评迎检", starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=40),
        office="创建全国文明城市工作指挥部办公室", lead_unit_id=world.unit_ids.get("CGJ"),
        goal="考察点位全部达标，反馈问题快速整改", members=(Member("各城区", "属地责任"), Member("点位长", "点位责任")),
        subject_kinds=("point",)))
    areas = {f["properties"]["code"]: f["properties"]["name"] for f in world.areas.streets["features"]}
    points = []
    for n, (grid, lon, lat) in enumerate(_points_in_city(world, rng, 78)):
        street = grid[:9]
        kind = POINT_TYPES[n % len(POINT_TYPES)]
        points.append(setup.add_subject(rt, sup, setup.SubjectInput(
            kind="point", name=f"{areas.get(street, '')}{kind}点位{n + 1:02d}", address=f"网格 {grid}", lon=lon,
            lat=lat, unit_id=world.unit_ids.get(street), leader=f"{areas.get(street, '')}点位长", point_type=kind)))
    setup.add_targets(rt, sup, code, points)
    template = setup.template(rt, ids["point"])
    photo = _photo(rt)
    third = Actor(role=Role.SUPERVISOR, user_id=sup.user_id, name="第三方测评组")
    day = today - timedelta(days=10)
    for k, pid in enumerate(points):
        fails = {i.code for i in template.items[1:] if rng.random() < 0.3}
        count = rng.choice((2, 4, 5, 6, 8))
        when = at(rt, _local(rt, day + timedelta(days=k // 40), 9 + (k % 40) * 0.2))
        inspections.inspect(when, third, inspections.InspectionInput(
            pid, ids["point"], "third_party", _results(template.items, fails, photo, {"01": count}), campaign_code=code))
    say("文明城市测评点位 78 个（含点位长），模拟测评 1 轮")


def key_tasks(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    today = rt.now().astimezone(rt.settings.tz).date()
    year = today.year
    sup = _actor(rt, "supervisor", Role.SUPERVISOR, "督查员")
    with rt.uow(readonly=True) as uow:
        if uow.key_tasks.tasks(year):
            return
    owner = world.unit_ids.get("GXCJZX")
    made = []
    for level, label in (("provincial", "省定"), ("municipal", "市定")):
        for n, field_ in enumerate(KEY_TASKS, start=1):
            made.append(tasks.add_task(rt, sup, tasks.TaskInput(
                year, level, n, f"{label}民生实事：{field_}", target="指标按省、市下达文件录入",
                owner_unit_id=owner if field_ in ("农村公路改造", "充电桩安装") else None, owner_name="高新区",
                milestones=(tasks.MilestoneInput("制定实施方案", date(year, 3, 31)),
                            tasks.MilestoneInput("完成过半", date(year, 7, 31)),
                            tasks.MilestoneInput("全部完成", date(year, 12, 20))))))
    # seed 001: by late November all were done, a month ahead of plan
    for tid in made:
        for month in range(1, min(today.month, 12) + 1):
            percent = min(100, round(100 * month / 11))
            when = at(rt, _local(rt, date(year, month, 25), 10))
            with rt.uow(readonly=True) as uow:
                ms = [m for m in uow.key_tasks.milestones([tid]) if m["done_on"] is None]
            done = [m["id"] for m in ms if m["due_on"] <= date(year, month, 28) or percent >= 100]
            tasks.report_progress(when, sup, tid, f"{year}-{month:02d}", percent,
                                  "按计划推进" if percent < 100 else "提前完成", done)
    say(f"民生实事：省定 8 项、市定 8 项，{year} 年月度进展已填报")


def seed(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    """Adds what is missing of this stage to the demo city."""
    marks = _marks(rt)
    ids = _templates(rt)
    parts: tuple[tuple[str, Callable[[], None]], ...] = (
        ("clean_homes", lambda: clean_homes(rt, world, say)),
        ("air", lambda: air_drive(rt, world, say, ids)),
        ("rural", lambda: rural(rt, world, say, ids)),
        ("points", lambda: civilised_points(rt, world, say, ids)),
        ("tasks", lambda: key_tasks(rt, world, say)),
    )
    for part, run in parts:
        if part in marks:
            continue
        run()
        _mark(rt, part)
