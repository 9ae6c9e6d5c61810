"""Demo stage: the flood season (issue 13).

The season's totals are the seeds' (焦作日报, 2026): warnings issued in advance 36 times, 4,362 person-times
of flood staff, 42 pieces of equipment pre-positioned (台次); 4,705 rain inlets and 2,816 inspection wells
cleared before the season; a strong rain in September without notable waterlogging.

Everything else is GENERATED and labelled so: the rain events and their dates, each warning's colour,
how the person-times and equipment are spread over events and units, the 易涝点 register (names,
thresholds 15 / 30 cm after one real sensor system [P]), materials and the checklist. Rain-related
cases are tagged by each event's time window over the demo's case year. Idempotent: looks first."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from citysteward.demo.units import FACILITY
from citysteward.demo.world import DemoWorld
from citysteward.flood.domain import CheckKind, FloodRules, ResponseLevel, WarningColour, raised_level
from citysteward.platform.runtime import Runtime

WARNINGS = 36
PERSON_TIMES = 4362
EQUIPMENT = 42
ACTOR = "演示数据"
MARK = "（演示生成）"
# 易涝点: generated places on the demo's sketched roads (underpasses and low crossings).
POINTS: tuple[tuple[str, str, float, float, str, str], ...] = (
    ("JZ-YL-01", "人民路与塔南路交叉口", 113.2502, 35.2138, "人民路", "地势低洼，雨水管网排水能力不足"),
    ("JZ-YL-02", "解放路铁路桥下穿通道", 113.2320, 35.2356, "解放路", "下穿通道，雨水倒灌"),
    ("JZ-YL-03", "山阳路与民主路交叉口", 113.2324, 35.2252, "山阳路", "路面低于周边，雨水口偏少"),
    ("JZ-YL-04", "丰收路与焦东路交叉口", 113.2693, 35.2012, "丰收路", "排水出口受河道水位顶托"),
    ("JZ-YL-05", "建设路与新华街交叉口", 113.2188, 35.2457, "建设路", "老旧管网，管径偏小"),
    ("JZ-YL-06", "太行路与中原路交叉口", 113.2888, 35.2561, "太行路", "地势低洼"),
    ("JZ-YL-07", "南通路与迎宾路交叉口", 113.3055, 35.1878, "南通路", "下游管网淤积"),
    ("JZ-YL-08", "塔南路铁路涵洞", 113.2507, 35.2300, "塔南路", "涵洞积水，设有强排泵站"),
)
MATERIALS = (("沙袋", "条", 20000, 5000), ("挡水板", "块", 400, 100), ("移动式排水泵", "台", 24, 10),
             ("龙吸水排水车（3000 m³/h）", "台", 2, 1), ("雨衣雨靴", "套", 600, 200))


def _split(rng: random.Random, total: int, parts: int, minimum: int = 0) -> list[int]:
    """`total` spread over `parts` integers ≥ minimum, summing exactly."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    spare = total - minimum * parts
    out = [minimum + int(spare * w / sum(weights)) for w in weights]
    for i in range(total - sum(out)):
        out[i % parts] += 1
    return out


def seed(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    """Adds what is missing of this stage to the demo city."""
    with rt.uow(readonly=True) as uow:
        if uow.flood.point_by_code(POINTS[0][0]) is not None:
            return
    rng = random.Random(world.seed + 1313)
    tz = rt.settings.tz
    facility = world.unit_ids.get(FACILITY)
    rules = FloodRules()
    # Rain events over the 2026 season (generated dates), each with its warnings.
    starts = sorted(datetime(2026, m, d, h, tzinfo=tz).astimezone(UTC) for m, d, h in (
        (5, 12, 16), (6, 3, 14), (6, 21, 9), (7, 2, 18), (7, 11, 6), (7, 19, 15), (7, 28, 20), (8, 4, 13),
        (8, 13, 17), (8, 22, 11), (9, 5, 16), (9, 17, 8), (9, 26, 19), (10, 9, 10)))
    per_event = _split(rng, WARNINGS, len(starts), minimum=1)
    people = _split(rng, PERSON_TIMES, len(starts), minimum=60)
    equipment = _split(rng, EQUIPMENT, len(starts), minimum=1)
    strong = 11  # the September strong rain (9-17): the red warning and the largest response
    with rt.uow() as uow:
        point_ids = []
        for code, name, lon, lat, road, cause in POINTS:
            point_ids.append(uow.flood.add_point({
                "code": code, "name": name, "lon": lon, "lat": lat, "road": road, "cause": cause + MARK,
                "orange_cm": 15.0, "red_cm": 30.0,
                "plan": "一点一策：雨前清掏雨水口、预置移动泵；积水超 15 cm 设警示、超 30 cm 封闭交通并强排" + MARK,
                "unit_id": facility, "person": "市政设施所·孙建军", "phone": "0391-0000000",
                "pump_station": "塔南路泵站" if "涵洞" in name else "", "pump_component_id": None, "active": True}))
        for m_name, unit_label, qty, min_qty in MATERIALS:
            mid = uow.flood.add_material({"name": m_name, "warehouse": "市市政设施所防汛仓库", "unit_label": unit_label,
                                          "qty": 0.0, "min_qty": float(min_qty)})
            uow.flood.move_material(mid, float(qty), {"at": starts[0] - timedelta(days=20), "delta": float(qty),
                                                      "reason": "汛前储备" + MARK, "event_id": None, "by_name": ACTOR})
        for i, start in enumerate(starts):
            local = start.astimezone(tz)
            end = start + timedelta(hours=rng.randint(10, 30))
            event_id = uow.flood.add_event({"name": f"{local:%m月%d日}降雨过程{MARK}", "started_at": start, "ended_at": end,
                                            "level": None, "max_colour": None, "note": "", "created_by": ACTOR,
                                            "created_at": start})
            colours = [WarningColour.BLUE] * per_event[i]
            if i == strong:
                colours = [WarningColour.BLUE, WarningColour.YELLOW, WarningColour.ORANGE, WarningColour.RED][:per_event[i]]
            elif per_event[i] > 1:
                colours[-1] = rng.choice([WarningColour.YELLOW, WarningColour.YELLOW, WarningColour.ORANGE])
            level: ResponseLevel | None = None
            top: WarningColour | None = None
            for k, colour in enumerate(colours):
                at = start + timedelta(hours=k * 2)
                uow.flood.add_warnings([{"event_id": event_id, "issued_at": at, "colour": colour.value,
                                         "issuer": "焦作市气象台", "content": f"{colour.label}{MARK}", "recorded_by": ACTOR}])
                new = raised_level(level, rules.level_for(colour))
                if new is not None:
                    uow.flood.add_level_change({"event_id": event_id, "at": at, "from_level": level.value if level else None,
                                                "to_level": new.value, "declared_by": "市城管局值班领导" + MARK,
                                                "signer": new.signer, "reason": colour.label, "warning_id": None})
                    level = new
                top = colour if top is None or colour.rank > top.rank else top
            uow.flood.add_level_change({"event_id": event_id, "at": end, "from_level": level.value if level else None,
                                        "to_level": None, "declared_by": "市城管局值班领导" + MARK, "signer": "",
                                        "reason": "降雨结束，解除响应", "warning_id": None})
            uow.flood.update_event(event_id, {"level": None, "max_colour": top.value if top else None})
            units = [u for u in (facility, *list(world.unit_ids.values())[6:9]) if u is not None]
            staff = _split(rng, people[i], len(units), minimum=10)
            kit = _split(rng, equipment[i], len(units))
            deployments = []
            for unit_id, n_people, n_kit in zip(units, staff, kit, strict=True):
                pumps = n_kit // 2
                deployments.append({"event_id": event_id, "at": start + timedelta(hours=1), "unit_id": unit_id,
                                    "unit_name": "", "point_id": None, "people": n_people, "vehicles": n_kit - pumps,
                                    "pumps": pumps, "note": "雨前预置、巡查值守" + MARK, "recorded_by": ACTOR})
            names = {u["id"]: u["name"] for u in uow.org.units()}
            for d in deployments:
                d["unit_name"] = names.get(d["unit_id"], "出动单位")
            uow.flood.add_deployments(deployments)
            observed = rng.sample(point_ids, k=3 if i == strong else rng.randint(1, 2))
            uow.flood.add_observations([{
                "event_id": event_id, "point_id": p, "at": start + timedelta(hours=3),
                "depth_cm": float(rng.randint(5, 28)), "area_m2": float(rng.randint(50, 400)), "traffic_closed": False,
                "cleared_at": start + timedelta(hours=5), "note": MARK, "by_name": ACTOR} for p in observed])
            uow.flood.tag_window(event_id, start, end, end)
        season = 2026
        checks = [(CheckKind.INLETS_CLEARED, "城区雨水井清掏 4705 座", "passed", ""),
                  (CheckKind.INLETS_CLEARED, "城区检查井清掏 2816 座", "passed", ""),
                  (CheckKind.PUMP_TESTED, "塔南路泵站试机", "passed", ""),
                  (CheckKind.MATERIALS_READY, "市市政设施所防汛仓库", "passed", ""),
                  (CheckKind.SIGNS_IN_PLACE, "易涝点警示标志", "pending", "")]
        for kind, target, result, note in checks:
            uow.flood.add_check({"season": season, "kind": kind.value, "target": target + MARK, "point_id": None,
                                 "unit_id": facility, "due_on": None, "result": result, "note": note,
                                 "checked_at": starts[0] - timedelta(days=10) if result != "pending" else None,
                                 "checked_by": ACTOR if result != "pending" else "", "ticket_no": None})
        uow.commit()
    say(f"防汛：预警 {WARNINGS} 次，出动人员 {PERSON_TIMES} 人次，设备 {EQUIPMENT} 台次，易涝点 {len(POINTS)} 个（演示生成）")
