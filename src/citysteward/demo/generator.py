"""A year of cases for the demo city, produced by the real rules.

Every case is walked through the one transition table (`domain.lifecycle.apply_action`) on an
in-memory `Case`, with synthetic timestamps, the city's real working calendar and the catalogue's
time limits: deadlines, extensions, suspensions, rework, timer lights and the deadline sweep's
`overdue` events are exactly what the live system would have produced.  Nothing here touches the
database; the loader writes the result in bulk.

How a case is made
------------------
1. *When*: report times spread over the year ending `now` (busier in summer, fewer inspector reports
   at weekends, daytime hours by channel), plus a share of recent reports so the open queues are
   populated.
2. *What and where*: a category from a weighted, seasonal mix of the frequent problems (暴露垃圾,
   道路不洁, 占道经营, 井盖, 路灯, 积水 in the rainy season, 施工扬尘 …); a point drawn uniformly
   inside a grid (grids near the centre are busier); the nearest demo road gives the address and the
   road used by named-road responsibility rules.  A few hot spots keep coming back (反复反弹).
3. *How it went*: a plan (intake path, return, extension, suspension, on time or late, rework,
   rating, reopening …) is drawn, then played step by step.  A step due after `now` has not happened
   yet, so older cases are mostly closed and recent ones sit in the open states.  Some recent cases
   are held at a chosen open state so every queue has work in it.
"""

from __future__ import annotations

import bisect
import math
import random
import secrets
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import h3
import numpy as np
import shapely
from shapely.geometry import LineString

from citysteward.cases.domain.case import Case, Event
from citysteward.cases.domain.lifecycle import TRANSITIONS, ActionParams, Timing, apply_action
from citysteward.cases.domain.model import Action, CaseState, Satisfaction, Source
from citysteward.cases.domain.routing import CasePlace, ResponsibilityRule, RoutingDecision, route_case
from citysteward.catalogue.domain.categories import Category, Urgency
from citysteward.demo.areas import DemoAreas
from citysteward.kernel import deadlines
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.calendar import WorkCalendar
from citysteward.kernel.timelimit import LimitUnit, TimeLimit

A, S = Action, CaseState
H3_RESOLUTION = 9
SWEEP_EVERY = timedelta(minutes=10)  # how often the worker runs the escalation sweep
# actions that start a new clock episode (mirrors services/sweep.py: one reminder and one supervision each)
EPISODE_STARTS = frozenset({A.DISPATCH, A.CHECK_FAIL, A.APPROVE_EXTENSION, A.RESUME})
CITY_CENTRE = (113.245, 35.222)  # around 人民路/塔南路

# --------------------------------------------------------------------------------------------------
# the mix

SOURCE_MIX: tuple[tuple[Source, float], ...] = (
    (Source.INSPECTOR, 0.60), (Source.CITIZEN, 0.20), (Source.HOTLINE, 0.15),
    (Source.OPEN311, 0.02), (Source.SYSTEM, 0.02), (Source.SENSOR, 0.01),
)

# category code -> relative weight (the frequent problems first)
CATEGORY_MIX: dict[str, float] = {
    "06010": 14.0,  # 暴露垃圾
    "06012": 9.0,   # 道路不洁
    "09006": 8.0,   # 占道经营
    "09005": 4.5,   # 店外经营
    "07001": 5.0,   # 非法小广告
    "06042": 3.5,   # 垃圾站（箱）满溢
    "06036": 3.0,   # 乱堆杂物
    "06011": 2.0,   # 积存垃圾渣土
    "06014": 1.5,   # 道路遗撒
    "09009": 3.0,   # 机动车乱停放
    "09010": 2.5,   # 非机动车乱停放
    "09011": 2.0,   # 共享单车乱象
    "09001": 2.0,   # 无照经营游商
    "09012": 0.6,   # 占用消防通道
    "09021": 0.5,   # 占道洗车
    "08004": 3.5,   # 工地扬尘（施工扬尘）
    "08002": 1.2,   # 施工占道
    "08007": 1.2,   # 施工工地围挡问题
    "08012": 1.0,   # 施工工地车轮夹带
    "08001": 0.8,   # 施工扰民
    "08005": 0.8,   # 施工废弃料
    "01002": 2.2,   # 污水井盖异常
    "01003": 1.8,   # 雨水井盖异常
    "01001": 0.8,   # 供水井盖异常
    "01004": 1.8,   # 雨水箅子异常
    "BJ01002": 0.6,  # 污水井盖（部件）
    "BJ01003": 0.5,  # 雨水井盖（部件）
    "01037": 5.0,   # 路灯异常
    "01060": 0.4,   # 路灯配电箱异常
    "01039": 0.5,   # 景观灯异常
    "BJ01037": 0.8,  # 路灯（部件）
    "TF06": 1.6,    # 道路积水
    "TF04": 1.2,    # 下水道堵塞或破损
    "TF01": 0.25,   # 路面塌陷
    "TF02": 0.35,   # 自来水管破裂
    "TF07": 0.3,    # 道路积雪结冰
    "10001": 0.3,   # 道路积雪、结冰
    "06013": 2.2,   # 道路破损
    "06050": 0.6,   # 路缘石缺损
    "06051": 0.5,   # 盲道缺损
    "02017": 0.6,   # 交通护栏异常
    "02010": 0.4,   # 交通标志牌及标线异常
    "03001": 1.2,   # 公共厕所异常
    "03005": 1.6,   # 垃圾箱异常
    "04002": 1.2,   # 行道树异常
    "04013": 0.6,   # 绿地异常
    "06017": 1.2,   # 绿地脏乱
    "06020": 0.8,   # 焚烧垃圾、树叶
    "06029": 1.2,   # 露天烧烤
    "06027": 0.8,   # 油烟污染
    "06028": 0.8,   # 噪声扰民
    "06001": 0.8,   # 私搭乱建
    "06034": 0.5,   # 废弃车辆
    "06035": 0.7,   # 废弃家具设备
    "07003": 0.4,   # 违规户外广告
    "07006": 0.4,   # 违规牌匾标识
    "10002": 0.3,   # 架空线缆脱落
}

# seasonal factors: code -> 12 monthly multipliers (Jan..Dec)
_RAINY = (0.2, 0.2, 0.4, 0.6, 1.0, 2.0, 4.0, 4.0, 2.0, 0.8, 0.3, 0.2)
_WINTER = (4.0, 3.0, 0.5, 0, 0, 0, 0, 0, 0, 0, 0.5, 3.0)
_SUMMER_NIGHT = (0.2, 0.2, 0.5, 1.0, 1.5, 2.0, 2.5, 2.5, 1.8, 1.0, 0.4, 0.2)
_AUTUMN_WINTER_DUST = (1.5, 1.2, 1.0, 1.0, 0.8, 0.7, 0.7, 0.7, 0.9, 1.4, 1.8, 1.8)
_LEAVES = (0.8, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.8, 2.0, 3.0, 2.0)
SEASONAL: dict[str, tuple[float, ...]] = {
    "TF06": _RAINY, "TF04": _RAINY, "01004": (0.7, 0.7, 0.8, 0.9, 1.0, 1.5, 2.0, 2.0, 1.4, 1.0, 0.8, 0.7),
    "TF07": _WINTER, "10001": _WINTER,
    "06029": _SUMMER_NIGHT, "09006": (0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.3, 1.1, 1.0, 0.9, 0.8),
    "08004": _AUTUMN_WINTER_DUST, "08012": _AUTUMN_WINTER_DUST, "06020": _LEAVES,
}
# whole-city volume by month (Jan..Dec)
MONTH_VOLUME = (0.8, 0.7, 0.9, 1.0, 1.05, 1.15, 1.25, 1.25, 1.1, 1.0, 0.95, 0.85)

# small problems an inspector may fix on the spot (自处理)
SELF_HANDLEABLE = frozenset({"06010", "06012", "07001", "06036", "09010", "09011", "06014", "06042"})
# where a problem can be a sensor's alarm
SENSOR_CATEGORIES = ("TF06", "01002", "01003", "BJ01002", "BJ01003", "01037")
SAFETY = frozenset({"01001", "01002", "01003", "01004", "BJ01002", "BJ01003", "TF01", "TF02", "TF04", "TF06",
                    "06013", "10002"})

_HOUR_PROFILE: dict[Source, tuple[float, ...]] = {
    # 24 weights, local hours 0..23
    Source.INSPECTOR: (0, 0, 0, 0, 0, 0, 0.2, 1.0, 3.0, 4.0, 4.0, 3.5, 1.0, 0.5, 1.5, 3.5, 4.0, 3.5, 1.5, 0.3,
                       0.1, 0, 0, 0),
    Source.CITIZEN: (0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.4, 1.2, 2.0, 2.2, 2.0, 1.8, 1.6, 1.4, 1.6, 1.8, 1.9, 2.0,
                     2.2, 2.4, 2.3, 1.8, 1.0, 0.5),
    Source.HOTLINE: (0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3.0, 3.2, 3.0, 2.6, 1.8, 1.8, 2.6, 2.8, 2.6, 2.2,
                     1.8, 1.5, 1.2, 1.0, 0.7, 0.5),
}
_HOUR_PROFILE[Source.OPEN311] = _HOUR_PROFILE[Source.CITIZEN]
_HOUR_PROFILE[Source.SYSTEM] = _HOUR_PROFILE[Source.HOTLINE]
_HOUR_PROFILE[Source.SENSOR] = tuple([1.0] * 24)

# Open states a recent case may be held at (the next person has not acted yet), with weights; actions
# mean "held right after this request, waiting for the dispatcher".
HOLDS: tuple[tuple[CaseState | Action, float], ...] = (
    (S.REPORTED, 6), (S.PENDING_VERIFY, 7), (S.VERIFIED, 3), (S.REGISTERED, 7), (S.DISPATCHED, 20),
    (S.IN_PROGRESS, 22), (S.SUSPENDED, 5), (S.HANDLED, 12), (S.CHECKED, 8), (A.REQUEST_EXTENSION, 4),
    (A.REQUEST_RETURN, 3), (A.REQUEST_SUSPEND, 3),
)
_INTAKE_HOLDS = frozenset({S.REPORTED, S.PENDING_VERIFY, S.VERIFIED})
_HOLD_MIN_AGE: dict[CaseState | Action, timedelta] = {
    S.REPORTED: timedelta(0), S.PENDING_VERIFY: timedelta(hours=1), S.VERIFIED: timedelta(hours=16),
    S.SUSPENDED: timedelta(days=3), S.HANDLED: timedelta(days=3), S.CHECKED: timedelta(days=3),
}

# --------------------------------------------------------------------------------------------------
# words

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌海燕鹏辉晓东红梅春林德胜振宇"
         "新民立群卫东丽华金凤宏伟淑珍凤英俊峰晨阳雪梅永生瑞雪浩然子涵欣怡思远")
PHONE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157",
                  "158", "159", "166", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189",
                  "191", "199")
_PLACES = ("小区门口", "菜市场东侧", "幼儿园门前", "公交站旁", "背街小巷", "居民楼下", "社区广场", "超市门前",
           "学校北门", "健身广场", "老旧小区院内", "街心游园", "停车场出入口", "农贸市场西侧")
_DIRECTIONS = ("东北角", "西北角", "东南角", "西南角", "东侧", "西侧", "南侧", "北侧")

DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "06010": ("{addr}路边有暴露垃圾，约{n}平方米，影响市容", "{addr}绿化带内堆有生活垃圾，未及时清运",
              "{addr}垃圾桶旁散落垃圾，有异味"),
    "06012": ("{addr}路面有泥土、落叶，道路不洁", "{addr}人行道污渍较多，需冲洗", "{addr}路面有油污，清扫不到位"),
    "09006": ("{addr}有商贩占道摆摊经营，影响行人通行", "{addr}水果摊占用人行道经营", "{addr}夜市摊点占道经营"),
    "09005": ("{addr}商户将货物摆放到店外经营", "{addr}餐馆在店外摆桌经营"),
    "07001": ("{addr}墙面、电线杆上张贴小广告", "{addr}人行道上喷涂小广告", "{addr}公交站牌上有乱贴小广告"),
    "06042": ("{addr}垃圾箱满溢，垃圾外溢到地面", "{addr}垃圾中转点满溢，未及时清运"),
    "06036": ("{addr}乱堆杂物，占用公共空间", "{addr}楼道口堆放废旧物品"),
    "06011": ("{addr}积存建筑垃圾渣土，约{n}立方米", "{addr}空地堆有渣土，长期未清理"),
    "06014": ("{addr}路面有运输车辆遗撒的渣土", "{addr}道路遗撒砂石，影响通行安全"),
    "09009": ("{addr}机动车乱停放，占用人行道", "{addr}车辆违停堵塞小区出入口"),
    "09010": ("{addr}电动车、自行车乱停放", "{addr}非机动车停放杂乱，占用盲道"),
    "09011": ("{addr}共享单车堆积，占用人行道", "{addr}共享单车乱停乱放，影响通行"),
    "09001": ("{addr}有流动商贩沿街叫卖", "{addr}三轮车流动售卖，占道经营"),
    "08004": ("{addr}施工工地未覆盖裸土，扬尘严重", "{addr}工地作业未洒水降尘，扬尘较大",
              "{addr}工地围挡不全，扬尘外溢，未落实六个百分之百"),
    "08002": ("{addr}施工占用道路，未设置警示标志", "{addr}施工材料占用半幅车道"),
    "08007": ("{addr}施工工地围挡破损、倒伏", "{addr}工地围挡不连续，存在安全隐患"),
    "08012": ("{addr}工地出入口车辆带泥上路", "{addr}渣土车车轮夹带泥土污染路面"),
    "08001": ("{addr}夜间施工噪声扰民", "{addr}工地超时作业，噪声较大"),
    "08005": ("{addr}施工废弃料随意堆放", "{addr}施工完毕后废料未清运"),
    "01002": ("{addr}污水井盖破损，存在安全隐患", "{addr}污水井盖缺失，已有行人绊倒风险", "{addr}污水井盖松动、异响"),
    "01003": ("{addr}雨水井盖破损下沉", "{addr}雨水井盖缺失，急需处置"),
    "01001": ("{addr}供水井盖破损", "{addr}供水井盖与路面不平"),
    "01004": ("{addr}雨水箅子缺失", "{addr}雨水箅子堵塞，下雨积水", "{addr}雨水箅子破损"),
    "BJ01002": ("{addr}污水检查井盖破损",), "BJ01003": ("{addr}雨水检查井盖缺失",),
    "01037": ("{addr}路灯不亮，夜间照明不足", "{addr}一排路灯共{n}盏不亮", "{addr}路灯白天常亮，浪费电能",
              "{addr}路灯灯杆倾斜，存在安全隐患"),
    "01060": ("{addr}路灯配电箱门损坏，线缆外露",), "01039": ("{addr}景观灯损坏不亮",),
    "BJ01037": ("{addr}路灯灯具损坏",),
    "TF06": ("{addr}降雨后路面积水约{n}0厘米深，影响通行", "{addr}低洼路段积水严重，车辆无法通行"),
    "TF04": ("{addr}下水道堵塞，污水外溢", "{addr}污水管道破损，污水冒出路面"),
    "TF01": ("{addr}路面出现塌陷坑，约{n}平方米，需紧急处置",),
    "TF02": ("{addr}自来水管破裂，路面大量冒水",),
    "TF07": ("{addr}路面结冰，行人易滑倒",), "10001": ("{addr}人行道积雪未清扫",),
    "06013": ("{addr}路面坑槽破损，约{n}平方米", "{addr}人行道砖松动破损", "{addr}道路开裂、沉降"),
    "06050": ("{addr}路缘石缺损",), "06051": ("{addr}盲道砖缺损，盲道中断",),
    "02017": ("{addr}交通护栏损坏倒伏",), "02010": ("{addr}交通标志牌歪斜、标线不清",),
    "03001": ("{addr}公共厕所卫生差、异味大", "{addr}公厕水龙头损坏，无法冲水"),
    "03005": ("{addr}垃圾箱破损", "{addr}果皮箱缺失"),
    "04002": ("{addr}行道树倾斜，有倒伏风险", "{addr}行道树枯死，需清理补植"),
    "04013": ("{addr}绿地黄土裸露", "{addr}绿地被踩踏损毁"),
    "06017": ("{addr}绿化带内有垃圾杂物", "{addr}绿地内堆放杂物"),
    "06020": ("{addr}有人焚烧垃圾、树叶，烟雾较大",), "06029": ("{addr}夜间露天烧烤，油烟扰民",),
    "06027": ("{addr}餐馆油烟直排，未安装净化设施",), "06028": ("{addr}商户使用高音喇叭招揽顾客，噪声扰民",),
    "06001": ("{addr}有人私搭乱建彩钢房", "{addr}楼顶违规搭建棚房"),
    "06034": ("{addr}有废弃车辆长期占用车位",), "06035": ("{addr}废弃沙发、床垫堆放路边",),
    "07003": ("{addr}户外广告牌破损，存在坠落风险",), "07006": ("{addr}门头牌匾破损、不规范",),
    "10002": ("{addr}架空线缆脱落，垂至路面",),
}

HANDLE_NOTES: dict[str, tuple[str, ...]] = {
    "garbage": ("已清运完毕，现场已清理干净", "已安排环卫人员清理，现场整洁", "垃圾已清理，并增加巡回保洁频次"),
    "clean": ("已组织保洁人员冲洗清扫，路面已恢复整洁", "已安排洒水车冲洗，路面干净"),
    "manhole": ("已更换新井盖并加固，现场已恢复", "已补齐缺失井盖，恢复通行", "井盖已调平加固，消除异响"),
    "inlet": ("已更换雨水箅子", "已清掏雨水口，排水通畅"),
    "light": ("已更换灯具，路灯恢复正常照明", "已整修线路，路灯恢复正常", "已更换电缆{n}0米，路灯恢复照明"),
    "water": ("已清掏雨水井、疏通管道，积水已排除", "已出动排水车抽排，积水已消除", "管道已疏通，污水不再外溢"),
    "order": ("已劝离占道商户，现场秩序恢复", "已督促店主将商品收回店内", "已规范停放，现场恢复有序"),
    "site": ("已责令施工单位落实六个百分之百要求，现场已覆盖、洒水降尘", "已督促工地整改，围挡已恢复",
             "已约谈施工单位，出入口已设置冲洗设施"),
    "ads": ("已清除小广告", "已铲除张贴物并清洗墙面"),
    "road": ("路面坑槽已修补完毕", "破损道板已更换，路面平整", "已完成破道恢复，恢复通行"),
    "green": ("已清理绿地杂物并补植", "已扶正加固行道树"),
    "default": ("已按要求处置完毕，现场已整改到位", "已处理完毕，现场恢复正常"),
}
_NOTE_GROUP = {
    **dict.fromkeys(("06010", "06011", "06036", "06042", "06017", "06035", "03005"), "garbage"),
    **dict.fromkeys(("06012", "06014", "03001"), "clean"),
    **dict.fromkeys(("01001", "01002", "01003", "BJ01002", "BJ01003"), "manhole"),
    "01004": "inlet",
    **dict.fromkeys(("01037", "01060", "01039", "BJ01037"), "light"),
    **dict.fromkeys(("TF06", "TF04", "TF02"), "water"),
    **dict.fromkeys(("09006", "09005", "09009", "09010", "09011", "09001", "09012", "09021"), "order"),
    **dict.fromkeys(("08004", "08002", "08007", "08012", "08001", "08005"), "site"),
    "07001": "ads",
    **dict.fromkeys(("06013", "06050", "06051", "TF01"), "road"),
    **dict.fromkeys(("04002", "04013"), "green"),
}
NOTES: dict[str, tuple[str, ...]] = {
    "void": ("信息不全，无法定位问题位置", "重复上报，作废", "照片与描述不符，作废"),
    "reject": ("不属于城市管理受理范围，已告知市民向相关部门反映", "属小区物业管理范畴，已建议联系物业处理"),
    "refute": ("现场核实，未发现反映的问题", "现场已恢复正常，情况不属实"),
    "verify": ("现场核实属实", "经现场核实，问题属实", "核实属实，已拍照取证"),
    "return": ("经核实非本单位管养范围，申请回退重新派遣", "该处属其他单位职责，申请回退"),
    "extension": ("需采购材料，申请延期", "工程量较大，需协调交通管制，申请延期", "涉及多部门协调，申请延期"),
    "suspend": ("需列入年度维修计划，申请挂账", "涉及产权争议，需上级协调，申请挂账", "受天气影响无法施工，申请挂账"),
    "deny": ("理由不充分，请按期处置", "请克服困难，按时处置到位"),
    "check_fail": ("现场仍有残留，需返工", "整改不彻底，请重新处置", "核查发现问题反弹，请返工"),
    "close_fail": ("复核发现处置不到位，退回返工",),
    "reopen": ("市民反映问题仍未解决", "回访时市民表示问题再次出现"),
    "override": ("经核实，该问题属于{unit}职责，改派", "原责任单位申请回退，经核实改派{unit}"),
}


# --------------------------------------------------------------------------------------------------
# people


def chinese_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.6:
        return surname + rng.choice(GIVEN) + rng.choice(GIVEN)
    return surname + rng.choice(GIVEN)


def masked_phone(rng: random.Random) -> str:
    """A mobile number that looks masked (138****1234): the demo never stores a dialable number."""
    return f"{rng.choice(PHONE_PREFIXES)}****{rng.randrange(10000):04d}"


def grid_teams(areas: DemoAreas, street_units: Mapping[str, int], facility_unit: int,
               sanitation_units: Mapping[str, int], seed: int) -> list[dict[str, Any]]:
    """党员先锋岗 + 专业维护团队 (设施所 and 环卫) + 网格巡查员 for every grid, ready for bulk insert."""
    rng = random.Random(seed * 7 + 11)
    rows: list[dict[str, Any]] = []
    for feat in areas.grids["features"]:
        code = feat["properties"]["code"]
        district, street = code[:6], code[:9]
        team = (("party_pioneer", street_units.get(street)), ("maintenance", facility_unit),
                ("maintenance", sanitation_units.get(district)), ("inspector", street_units.get(street)))
        for role, unit_id in team:
            rows.append({"grid_code": code, "name": chinese_name(rng), "team_role": role,
                         "phone": masked_phone(rng), "unit_id": unit_id, "user_id": None})
    return rows


@dataclass(frozen=True)
class People:
    """The actors who take the steps: staff accounts and one account per responsible unit."""

    acceptors: Sequence[Actor]
    shift_leaders: Sequence[Actor]
    dispatchers: Sequence[Actor]
    hotline: Sequence[Actor]
    supervisors: Sequence[Actor]
    inspectors: Mapping[str, Sequence[Actor]]  # district code -> inspectors patrolling it
    units: Mapping[int, Actor]  # unit id -> that unit's account


@dataclass
class Context:
    """Everything the generator needs from the system: the real calendar, catalogue and rules."""

    now: datetime
    tz: ZoneInfo
    calendar: WorkCalendar
    categories: Mapping[str, Category]
    rules: Sequence[ResponsibilityRule]
    unit_names: Mapping[int, str]
    category_names: Mapping[str, str]  # class codes and category codes -> names (as routing uses)
    area_names: Mapping[str, str]
    people: People
    territorial_units: Mapping[str, int]  # district -> 城管局 (where a returned case goes)
    sanitation_units: Mapping[str, int]  # district -> 环卫中心
    prefix: str = "JZ"
    numbers_used: Mapping[str, int] = field(default_factory=dict)  # day -> last sequence already taken


@dataclass
class Generated:
    cases: list[tuple[Case, list[Event]]]
    last_numbers: dict[str, int]  # day -> last sequence used


# --------------------------------------------------------------------------------------------------
# places


@dataclass
class _Places:
    lon: np.ndarray
    lat: np.ndarray
    grid: list[str]
    road: list[str | None]
    address: list[str]


def _grid_weights(areas: DemoAreas) -> tuple[list[str], list[Any], np.ndarray]:
    pairs = areas.grid_geometries()
    codes = [c for c, _ in pairs]
    geoms = [g for _, g in pairs]
    arr = np.array(geoms, dtype=object)
    area = shapely.area(arr)
    cent = shapely.centroid(arr)
    x, y = shapely.get_x(cent), shapely.get_y(cent)
    dx = (x - CITY_CENTRE[0]) * 91.0
    dy = (y - CITY_CENTRE[1]) * 111.0
    dist = np.hypot(dx, dy)
    weight = area * (0.12 + np.exp(-dist / 4.0))
    return codes, geoms, weight / weight.sum()


def _sample_in(geom: Any, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    minx, miny, maxx, maxy = geom.bounds
    xs_out: list[np.ndarray] = []
    ys_out: list[np.ndarray] = []
    have = 0
    shapely.prepare(geom)
    while have < k:
        m = max(8, 3 * (k - have))
        xs = rng.uniform(minx, maxx, m)
        ys = rng.uniform(miny, maxy, m)
        inside = shapely.contains_xy(geom, xs, ys)
        xs_out.append(xs[inside])
        ys_out.append(ys[inside])
        have += int(inside.sum())
    return np.concatenate(xs_out)[:k], np.concatenate(ys_out)[:k]


def _places(areas: DemoAreas, n: int, rng: np.random.Generator, prng: random.Random) -> tuple[_Places, dict[str, Any]]:
    codes, geoms, p = _grid_weights(areas)
    choice = rng.choice(len(codes), size=n, p=p)
    lon = np.empty(n)
    lat = np.empty(n)
    order = np.argsort(choice, kind="stable")
    sorted_choice = choice[order]
    bounds = np.flatnonzero(np.diff(sorted_choice)) + 1
    for group in np.split(order, bounds):
        if not len(group):
            continue
        g = int(choice[group[0]])
        xs, ys = _sample_in(geoms[g], len(group), rng)
        lon[group] = xs
        lat[group] = ys
    grid = [codes[i] for i in choice]
    road, address = _addresses(areas, lon, lat, grid, prng)
    geom_by_code = dict(zip(codes, geoms, strict=True))
    return _Places(lon, lat, grid, road, address), geom_by_code


def _addresses(areas: DemoAreas, lon: np.ndarray, lat: np.ndarray, grid: list[str],
               rng: random.Random) -> tuple[list[str | None], list[str]]:
    k = math.cos(math.radians(CITY_CENTRE[1]))  # work in a frame where x and y degrees are equal distances
    names = [r["name"] for r in areas.roads]
    lines = np.array([LineString([(x * k, y) for x, y in r["coordinates"]]) for r in areas.roads], dtype=object)
    community = {f["properties"]["code"]: f["properties"]["name"] for f in areas.communities["features"]}
    roads: list[str | None] = [None] * len(lon)
    addresses = [""] * len(lon)
    near_deg = 250 / 111_000
    if len(lines):
        pts = shapely.points(lon * k, lat)
        dist = shapely.distance(pts[:, None], lines[None, :])  # n x roads
        order = np.argsort(dist, axis=1)
    for i in range(len(lon)):
        if len(lines) and dist[i, order[i, 0]] <= near_deg:
            first = names[order[i, 0]]
            roads[i] = first
            second = names[order[i, 1]] if len(names) > 1 else None
            if second and dist[i, order[i, 1]] <= near_deg and rng.random() < 0.7:
                addresses[i] = f"{first}与{second}交叉口{rng.choice(_DIRECTIONS)}"
            else:
                addresses[i] = f"{first}{rng.randrange(1, 1200)}号附近"
        else:
            addresses[i] = f"{community.get(grid[i][:12], '')}{rng.choice(_PLACES)}"
    return roads, addresses


# --------------------------------------------------------------------------------------------------
# times


def _report_times(n: int, now: datetime, tz: ZoneInfo, sources: list[Source],
                  rng: np.random.Generator) -> list[datetime]:
    """Report instants over the 365 days ending `now` (local daytime profiles by channel)."""
    local_now = now.astimezone(tz)
    first_day = (local_now - timedelta(days=364)).date()
    days = [first_day + timedelta(days=i) for i in range(365)]
    base = np.array([MONTH_VOLUME[d.month - 1] for d in days])
    weekend = np.array([d.weekday() >= 5 for d in days])
    w_insp = base * np.where(weekend, 0.45, 1.0)
    w_other = base * np.where(weekend, 0.9, 1.0)
    out: list[datetime] = []
    profiles = {s: np.array(p) / sum(p) for s, p in _HOUR_PROFILE.items()}
    day_insp = rng.choice(365, size=n, p=w_insp / w_insp.sum())
    day_other = rng.choice(365, size=n, p=w_other / w_other.sum())
    hours = np.empty(n, dtype=int)
    src_arr = np.array([s.value for s in sources])
    for src, prof in profiles.items():
        sel = np.flatnonzero(src_arr == src.value)
        if len(sel):
            hours[sel] = rng.choice(24, size=len(sel), p=prof)
    seconds = rng.uniform(0, 3600, n)
    for i, src in enumerate(sources):
        d = days[int(day_insp[i] if src is Source.INSPECTOR else day_other[i])]
        local = datetime(d.year, d.month, d.day, int(hours[i]), tzinfo=tz) + timedelta(seconds=float(seconds[i]))
        moment = local.astimezone(now.tzinfo)
        if moment >= now:  # today, later than now: earlier today instead
            moment = now - timedelta(seconds=float(rng.uniform(60, 6 * 3600)))
        out.append(moment.replace(microsecond=0))
    return out


# --------------------------------------------------------------------------------------------------
# the plan of one case


@dataclass
class _Plan:
    fate: str = "register"  # register | void | reject | merge | refute | self_handle
    verify: bool = False  # citizen report checked on site before registration
    accept_task: bool = True
    ret: str | None = None  # None | approve | deny
    extension: str | None = None  # None | approve | deny
    suspend: str | None = None  # None | approve | deny
    long_suspend: bool = False
    on_time: bool = True
    long_overdue: bool = False
    reworks: int = 0
    close_fail: bool = False
    rate: bool = False
    reopen: bool = False
    me_too: int = 0
    override: bool = False
    hold: CaseState | Action | None = None


@dataclass(frozen=True)
class _Spec:
    """What a case is and where, before anything happens to it."""

    case_no: str
    source: Source
    code: str
    at: datetime
    lon: float
    lat: float
    grid: str
    road: str | None
    address: str


class _Stop(Exception):
    """The next step has not happened yet (it is due after now, or the case is held)."""


class _Runner:
    """Plays one case's plan through the real transition table."""

    def __init__(self, gen: _Generator, case: Case, plan: _Plan, inspector: Actor) -> None:
        self.g = gen
        self.ctx = gen.ctx
        self.case = case
        self.plan = plan
        self.inspector = inspector
        self.events: list[Event] = []
        self.last = case.reported_at
        self.cat = gen.ctx.categories[case.category_code]
        self.limit = self.cat.limit_for(case.urgency)
        self.clock = deadlines.clock_for(self.limit)
        self.extras: list[tuple[datetime, Action, Actor, str]] = []
        self.episode_start: datetime | None = None  # the last dispatch, rework, extension or resumption
        self.marks: set[Action] = set()  # automatic steps already taken in this episode
        self.suggested: RoutingDecision | None = None
        self.final_at: datetime | None = None

    # --- time helpers --------------------------------------------------------------------------
    def daytime(self, t: datetime, start: float = 7.5, end: float = 21.5) -> datetime:
        """Push `t` into the command centre's hours (local `start`..`end`)."""
        local = t.astimezone(self.ctx.tz)
        h = local.hour + local.minute / 60
        if start <= h < end:
            return t
        day = local.date() if h < start else local.date() + timedelta(days=1)
        opening = datetime(day.year, day.month, day.day, tzinfo=self.ctx.tz) + timedelta(hours=start)
        return (opening + timedelta(minutes=self.g.rnd.uniform(2, 45))).astimezone(t.tzinfo)

    def later(self, t: datetime, lo_min: float, hi_min: float, start: float = 7.5, end: float = 21.5) -> datetime:
        return self.daytime(t + timedelta(minutes=self.g.rnd.uniform(lo_min, hi_min)), start, end)

    def on_clock(self, t: datetime, minutes: float) -> datetime:
        """`minutes` after t on the case's clock (working time or wall clock)."""
        if self.clock == "natural":
            return t + timedelta(minutes=minutes)
        return self.ctx.calendar.add_working_minutes(t, minutes)

    def between(self, t: datetime, end: datetime, frac: float) -> datetime:
        if end <= t:
            return t + timedelta(minutes=self.g.rnd.uniform(5, 40))
        span = deadlines.elapsed_minutes(t, end, self.clock, self.ctx.calendar)
        return self.on_clock(t, max(1.0, frac * span))

    # --- stepping ------------------------------------------------------------------------------
    def step(self, action: Action, actor: Actor, at: datetime, **kw: Any) -> Event:
        at = max(at.replace(microsecond=0), self.last)
        if at > self.ctx.now:
            raise _Stop
        self.catch_up(at)
        at = max(at, self.last)
        case = self.case
        if case.state.clock_running and case.deadline is not None and case.limit_minutes:
            case.light = deadlines.timer_light(at, case.deadline, case.limit_minutes, self.clock,
                                               self.ctx.calendar).value
        params = ActionParams(**kw)
        routing = None
        if action is A.REGISTER:
            decision = self.g.route(case)
            self.suggested = decision
            case.suggested_unit_id = decision.unit_id
            case.routing_rule_id = decision.rule_id
            case.routing_reason = decision.reason
            routing = {"unit_id": decision.unit_id, "rule_id": decision.rule_id, "reason": decision.reason}
        event = apply_action(case, action, actor, at, params, Timing(self.ctx.calendar, self.limit))
        if routing is not None:
            event.payload["routing"] = routing
        self.record(event)
        if self.plan.hold is case.state or self.plan.hold is action:
            raise _Stop
        return event

    def record(self, event: Event) -> None:
        self.events.append(event)
        self.last = event.at
        if len(self.events) > 1:
            self.case.version += 1
        if self.case.state.is_final and self.final_at is None:
            self.final_at = event.at
        if event.action in EPISODE_STARTS:
            self.episode_start, self.marks = event.at, set()
        elif event.action in (A.REMIND, A.OVERDUE, A.SUPERVISE) and event.actor.role is Role.SYSTEM:
            self.marks.add(event.action)

    def catch_up(self, until: datetime) -> None:
        """What happened before `until` without anyone acting on the case: the escalation sweep
        (yellow light: automatic reminder; red: overdue mark and automatic supervision, once per clock
        episode — as services/sweep.py does) and citizens' "me too"."""
        while True:
            case = self.case
            sweep_at, due = self.sweep_due()
            extra = self.extras[0] if self.extras and self.extras[0][0] < until else None
            if sweep_at is not None and sweep_at < until and (extra is None or sweep_at <= extra[0]):
                self.sweep(sweep_at, due)
                continue
            if extra is None:
                return
            self.extras.pop(0)
            at, action, actor, note = extra
            at = max(at.replace(microsecond=0), self.last)
            if (case.state, action) not in TRANSITIONS:
                continue
            event = apply_action(case, action, actor, at, ActionParams(note=note), Timing(self.ctx.calendar, self.limit))
            self.record(event)

    def sweep_due(self) -> tuple[datetime | None, tuple[Action, ...]]:
        """The first sweep run that has something to do on this case, and what."""
        case = self.case
        if not case.state.clock_running or case.deadline is None or not case.limit_minutes \
                or self.episode_start is None:
            return None, ()
        start = max(self.episode_start, self.last)
        if A.REMIND not in self.marks and A.OVERDUE not in self.marks:
            total = case.limit_minutes
            if self.clock == "natural":
                yellow = case.deadline - timedelta(minutes=0.2 * total - 0.5)
            else:
                left = deadlines.elapsed_minutes(start, case.deadline, "working", self.ctx.calendar)
                yellow = self.ctx.calendar.add_working_minutes(start, max(0.0, left - 0.2 * total + 0.5))
            at = self.g.sweep_after(max(yellow, start))
            if at <= case.deadline and deadlines.timer_light(
                    at, case.deadline, total, self.clock, self.ctx.calendar) is deadlines.Light.YELLOW:
                return at, (A.REMIND,)
        red = tuple(a for a in (A.OVERDUE, A.SUPERVISE) if a not in self.marks)
        if red:
            return self.g.sweep_after(max(case.deadline, start)), red
        return None, ()

    def sweep(self, at: datetime, due: tuple[Action, ...]) -> None:
        case, cal = self.case, self.ctx.calendar
        for action in due:
            if action is A.REMIND:
                unit = self.ctx.unit_names.get(case.main_unit_id or 0, "责任单位")
                local = case.deadline.astimezone(self.ctx.tz) if case.deadline else at
                params = ActionParams(note=f"案件已用时超过处置时限的 80%，请 {unit} 抓紧处置（期限 {local:%Y-%m-%d %H:%M}）",
                                      payload={"auto": True, "light": deadlines.Light.YELLOW.value})
                actor = self.g.reminder
            elif action is A.OVERDUE:
                params = ActionParams(payload={"deadline": case.deadline.isoformat() if case.deadline else None})
                actor = self.g.sweeper
            else:
                params = ActionParams(note="红灯超期，自动督办",
                                      payload={"auto": True, "light": deadlines.Light.RED.value, "ticket_no": None})
                actor = self.g.supervisor
            self.record(apply_action(case, action, actor, at, params, Timing(cal)))
        case.light = deadlines.Light.YELLOW.value if due == (A.REMIND,) else deadlines.Light.RED.value

    def schedule(self, at: datetime, action: Action, actor: Actor, note: str = "") -> None:
        bisect.insort(self.extras, (at, action, actor, note), key=lambda e: e[0])

    def finish(self) -> None:
        """Bring the case up to `now`: pending sweeps and extras, and the live timer light."""
        self.catch_up(self.ctx.now)
        case = self.case
        if case.state.clock_running and case.deadline is not None and case.limit_minutes:
            case.light = deadlines.timer_light(self.ctx.now, case.deadline, case.limit_minutes, self.clock,
                                               self.ctx.calendar).value

    # --- the story -----------------------------------------------------------------------------
    def run(self) -> None:
        try:
            if self.plan.hold is S.REPORTED:
                raise _Stop
            self.intake()
            if self.case.state.is_final or self.case.state is S.CHECKED:
                self.close_and_after()
                return
            self.dispatch_and_handle()
            self.close_and_after()
        except _Stop:
            pass
        self.finish()

    def intake(self) -> None:
        g, p, case, people = self.g, self.plan, self.case, self.ctx.people
        t = case.reported_at
        if p.fate == "self_handle":
            self.step(A.SELF_HANDLE, self.inspector, t, note="现场自处理")
            return
        acceptor = g.pick(people.acceptors)
        if p.me_too:
            for _ in range(p.me_too):
                self.schedule(t + timedelta(minutes=g.rnd.uniform(20, 3 * 24 * 60)), A.ME_TOO, g.citizen)
        t = self.later(t, 3, 40)
        if p.fate in ("void", "reject"):
            self.step(A.VOID if p.fate == "void" else A.REJECT, acceptor, t, note=g.rnd.choice(NOTES[p.fate]))
            return
        if p.fate == "merge":
            target = g.merge_target(case, t)
            if target is None:
                self.step(A.VOID, acceptor, t, note="重复上报，作废")
            else:
                self.step(A.MERGE, acceptor, t, merged_into=target, note=f"与案件 {target} 重复，合并处理")
            return
        if p.verify:
            self.step(A.ACCEPT, acceptor, t)
            t = self.later(t, 20, 240, 8.0, 19.0)
            if p.fate == "refute":
                self.step(A.REFUTE, self.inspector, t, note=g.rnd.choice(NOTES["refute"]))
                return
            self.step(A.VERIFY, self.inspector, t, note=g.rnd.choice(NOTES["verify"]))
            t = self.later(t, 3, 30)
        self.step(A.REGISTER, acceptor, t)

    def dispatch_and_handle(self) -> None:
        g, p, case, people = self.g, self.plan, self.case, self.ctx.people
        dispatcher = g.pick(people.dispatchers)
        decision = self.suggested
        override = ""
        if decision is None or decision.unit_id is None:  # no rule: the district (属地) takes it
            unit_id, assisting = self.ctx.territorial_units[case.district_code], ()
        else:
            unit_id, assisting = decision.unit_id, decision.assisting_unit_ids
            if p.override:
                other = g.other_unit(case, unit_id)
                if other != unit_id:
                    override = g.rnd.choice(NOTES["override"]).format(unit=self.ctx.unit_names[other])
                    unit_id, assisting = other, ()
        t = self.later(self.last, 5, 45)
        self.step(A.DISPATCH, dispatcher, t, unit_id=unit_id, assisting_unit_ids=assisting, override_reason=override)
        if p.ret:
            self.unit_return(dispatcher)
        self.handle(dispatcher, first=True)
        while True:
            t = self.later(self.last, 20, 300, 8.0, 19.0)
            if p.reworks > 0 and case.rework_count < p.reworks:
                self.step(A.CHECK_FAIL, self.inspector, t, note=g.rnd.choice(NOTES["check_fail"]))
                self.handle(dispatcher, first=False)
                continue
            self.step(A.CHECK_PASS, self.inspector, t)
            if p.close_fail and case.rework_count == p.reworks:
                p.close_fail = False
                t = self.later(self.last, 10, 240)
                self.step(A.CHECK_FAIL, g.pick(people.shift_leaders), t, note=g.rnd.choice(NOTES["close_fail"]))
                self.handle(dispatcher, first=False)
                continue
            return

    def unit_return(self, dispatcher: Actor) -> None:
        g, p, case = self.g, self.plan, self.case
        unit = self.ctx.people.units[case.main_unit_id or 0]
        t = self.ctx.calendar.add_working_minutes(self.last, g.rnd.uniform(20, 480))
        self.step(A.REQUEST_RETURN, unit, t, note=g.rnd.choice(NOTES["return"]))
        t = self.later(self.last, 10, 180)
        if p.ret == "deny":
            self.step(A.DENY_RETURN, dispatcher, t, note=g.rnd.choice(NOTES["deny"]))
            return
        self.step(A.APPROVE_RETURN, dispatcher, t)
        previous = self.events[-1].payload.get("returned_by_unit")
        other = g.other_unit(case, previous)
        t = self.later(self.last, 5, 60)
        self.step(A.DISPATCH, dispatcher, t, unit_id=other,
                  override_reason=g.rnd.choice(NOTES["override"]).format(unit=self.ctx.unit_names[other]))

    def handle(self, dispatcher: Actor, first: bool) -> None:
        g, p, case = self.g, self.plan, self.case
        unit = self.ctx.people.units[case.main_unit_id or 0]
        if first and p.accept_task:
            self.step(A.ACCEPT_TASK, unit, self.on_clock(self.last, g.rnd.uniform(5, 90)))
        if first and p.extension and case.deadline is not None:
            t = self.between(self.last, case.deadline, g.rnd.uniform(0.4, 0.9))
            self.step(A.REQUEST_EXTENSION, unit, t, note=g.rnd.choice(NOTES["extension"]),
                      extension=self.extension_amount())
            t = self.later(self.last, 10, 240)
            if p.extension == "approve":
                self.step(A.APPROVE_EXTENSION, dispatcher, t)
            else:
                self.step(A.DENY_EXTENSION, dispatcher, t, note=g.rnd.choice(NOTES["deny"]))
        if first and p.suspend and case.state is S.IN_PROGRESS and case.deadline is not None:
            t = self.between(self.last, case.deadline, g.rnd.uniform(0.2, 0.6))
            self.step(A.REQUEST_SUSPEND, unit, t, note=g.rnd.choice(NOTES["suspend"]))
            t = self.later(self.last, 30, 480)
            if p.suspend == "approve":
                self.step(A.APPROVE_SUSPEND, dispatcher, t)
                days = g.rnd.uniform(60, 300) if p.long_suspend else g.rnd.uniform(2, 40)
                self.step(A.RESUME, dispatcher, self.daytime(self.last + timedelta(days=days)))
            else:
                self.step(A.DENY_SUSPEND, dispatcher, t, note=g.rnd.choice(NOTES["deny"]))
        deadline = case.deadline or self.last
        if p.on_time and first:
            t = self.between(self.last, deadline, g.rnd.betavariate(2.0, 2.6))
        elif first:
            over = g.rnd.uniform(1.5, 8.0) if p.long_overdue else g.rnd.uniform(0.05, 1.0)
            t = max(self.on_clock(deadline, over * (case.limit_minutes or 240)), self.last)
        else:  # rework: a fresh limit, usually kept
            t = self.between(self.last, deadline, g.rnd.uniform(0.2, 0.95))
        self.step(A.HANDLE, unit, t, note=g.handle_note(case.category_code))

    def extension_amount(self) -> TimeLimit:
        rnd = self.g.rnd
        if self.limit.unit is LimitUnit.WORKING_DAYS:
            return TimeLimit(float(rnd.choice((1, 2, 3, 5))), LimitUnit.WORKING_DAYS)
        if self.limit.unit is LimitUnit.WORKING_HOURS:
            return TimeLimit(float(rnd.choice((2, 4, 8))), LimitUnit.WORKING_HOURS)
        return TimeLimit(float(rnd.choice((6, 12, 24))), LimitUnit.NATURAL_HOURS)

    def close_and_after(self) -> None:
        g, p, case, people = self.g, self.plan, self.case, self.ctx.people
        if case.state is not S.CHECKED:
            return
        leader = g.pick(people.shift_leaders)
        self.step(A.CLOSE, leader, self.later(self.last, 10, 360))
        citizen_side = case.source in (Source.CITIZEN, Source.HOTLINE, Source.OPEN311)
        if not citizen_side:
            return
        rater = g.citizen if case.source is not Source.HOTLINE else g.pick(people.hotline)
        if p.reopen:
            self.step(A.REOPEN, rater, self.later(self.last, 120, 3 * 24 * 60, 8.0, 21.0),
                      note=g.rnd.choice(NOTES["reopen"]))
            self.step(A.CHECK_PASS, self.inspector, self.later(self.last, 60, 600, 8.0, 19.0))
            self.step(A.CLOSE, leader, self.later(self.last, 10, 360))
        if p.rate:
            r = g.rnd.random()
            sat = Satisfaction.SATISFIED if r < 0.8 else Satisfaction.BASICALLY if r < 0.95 else Satisfaction.UNSATISFIED
            self.step(A.RATE, rater, self.later(self.last, 60, 3 * 24 * 60, 8.0, 21.0), satisfaction=sat)


class _Generator:
    def __init__(self, ctx: Context, areas: DemoAreas, seed: int) -> None:
        self.ctx = ctx
        self.areas = areas
        self.rnd = random.Random(seed)
        self.np = np.random.default_rng(seed)
        # the escalation sweep's three voices (services/sweep.py), running every SWEEP_EVERY
        self.sweeper = Actor.system("超期巡检")
        self.reminder = Actor.system("黄灯自动催办")
        self.supervisor = Actor.system("红灯自动督办")
        self._sweep_epoch = datetime(2020, 1, 1, tzinfo=ctx.now.tzinfo) + timedelta(seconds=self.rnd.uniform(0, 600))
        self.citizen = Actor(role=Role.CITIZEN, name="市民")
        self.open311 = Actor(role=Role.SYSTEM, name="Open311 客户端")
        self.platform = Actor.system("市城市运行管理服务平台")
        self.sensor = Actor.system("物联感知平台")
        self._route_cache: dict[tuple[Any, ...], RoutingDecision] = {}
        rules = list(ctx.rules)
        self._key_grid = any(r.grid_code for r in rules)
        self._key_community = any(r.area_code and len(r.area_code) == 12 for r in rules)
        self.recent: list[tuple[Case, _Runner]] = []  # earlier cases, for merges

    def sweep_after(self, moment: datetime) -> datetime:
        """The first sweep run strictly after `moment`."""
        k = (moment - self._sweep_epoch) // SWEEP_EVERY + 1
        return self._sweep_epoch + k * SWEEP_EVERY

    def pick(self, actors: Sequence[Actor]) -> Actor:
        return actors[self.rnd.randrange(len(actors))]

    def route(self, case: Case) -> RoutingDecision:
        cat = self.ctx.categories[case.category_code]
        key = (case.category_code, case.grid_code if self._key_grid else None,
               case.community_code if self._key_community else None, case.street_code, case.road)
        hit = self._route_cache.get(key)
        if hit is None:
            place = CasePlace(case.category_code, cat.class_code, case.grid_code, case.community_code,
                              case.street_code, case.district_code, case.road)
            hit = route_case(place, self.ctx.rules, self.ctx.unit_names, self.ctx.category_names,
                             self.ctx.area_names)
            self._route_cache[key] = hit
        return hit

    def other_unit(self, case: Case, not_this: int | None) -> int:
        """Where a returned (or re-routed) case goes: the district's 城管局, else its sanitation centre."""
        for unit in (self.ctx.territorial_units[case.district_code], self.ctx.sanitation_units[case.district_code]):
            if unit != not_this:
                return unit
        return self.ctx.territorial_units[case.district_code]

    def merge_target(self, case: Case, at: datetime) -> str | None:
        for other, runner in reversed(self.recent[-400:]):
            if other.case_no == case.case_no:
                continue
            if other.category_code == case.category_code and other.reported_at < at and (
                    runner.final_at is None or runner.final_at > at) and other.state is not S.MERGED:
                return other.case_no
        return None

    def handle_note(self, code: str) -> str:
        note = self.rnd.choice(HANDLE_NOTES[_NOTE_GROUP.get(code, "default")])
        return note.format(n=self.rnd.randrange(2, 30))

    # --- planning ------------------------------------------------------------------------------
    def plan(self, source: Source, code: str, age_days: float) -> _Plan:
        r = self.rnd.random
        p = _Plan()
        if source is Source.INSPECTOR:
            x = r()
            if code in SELF_HANDLEABLE and x < 0.33:
                p.fate = "self_handle"
            elif x > 0.985:
                p.fate = "void"
            elif x > 0.975:
                p.fate = "merge"
        elif source in (Source.CITIZEN, Source.HOTLINE, Source.OPEN311):
            x = r()
            if x < 0.03:
                p.fate = "void"
            elif x < 0.055:
                p.fate = "reject"
            elif x < 0.095:
                p.fate = "merge"
            else:
                p.verify = r() < 0.7
                if p.verify and r() < 0.04:
                    p.fate = "refute"
            p.me_too = (1 + int(r() * 3)) if r() < 0.06 else 0
            p.rate = r() < (0.55 if source is Source.HOTLINE else 0.3)
            p.reopen = r() < 0.015
        limit = self.ctx.categories[code].default_urgency
        working_days = self.ctx.categories[code].limit_for(limit).unit is LimitUnit.WORKING_DAYS
        p.accept_task = r() < 0.85
        p.ret = ("approve" if r() < 0.8 else "deny") if r() < 0.03 else None
        p.extension = ("approve" if r() < 0.8 else "deny") if r() < (0.08 if working_days else 0.03) else None
        p.suspend = ("approve" if r() < 0.85 else "deny") if r() < (0.05 if working_days else 0.01) else None
        if p.suspend:
            p.accept_task = True
            p.long_suspend = r() < 0.15
        p.on_time = r() < 0.88
        p.long_overdue = not p.on_time and r() < 0.2
        p.reworks = (2 if r() < 0.1 else 1) if r() < 0.06 else 0
        p.close_fail = r() < 0.01
        p.override = r() < 0.02
        return p

    def hold(self, p: _Plan, hold: CaseState | Action, source: Source) -> Source:
        """Make the plan reach `hold` and stop there; returns the (possibly changed) source."""
        p.hold = hold
        p.fate = "register"
        if hold in (S.PENDING_VERIFY, S.VERIFIED):
            p.verify = True
            if source not in (Source.CITIZEN, Source.HOTLINE, Source.OPEN311):
                source = Source.CITIZEN
        if hold is S.IN_PROGRESS or hold is A.REQUEST_SUSPEND:
            p.accept_task = True
        if hold is S.SUSPENDED:
            p.accept_task, p.suspend, p.long_suspend = True, "approve", True
        if hold is A.REQUEST_SUSPEND:
            p.suspend = "approve"
        if hold is A.REQUEST_EXTENSION:
            p.extension = "approve"
        if hold is A.REQUEST_RETURN:
            p.ret = "approve"
        p.reworks, p.close_fail = 0, False
        if hold is not A.REQUEST_RETURN:
            p.ret = None
        if hold is not A.REQUEST_EXTENSION:
            p.extension = None
        if hold not in (S.SUSPENDED, A.REQUEST_SUSPEND):
            p.suspend = None
        if hold in (S.HANDLED, S.CHECKED):
            p.on_time = True
        return source

    # --- the year ------------------------------------------------------------------------------
    def generate(self, n: int, progress: Callable[[int], None] | None = None) -> Generated:
        ctx = self.ctx
        rng = self.np
        src_values = [s for s, _ in SOURCE_MIX]
        src_p = np.array([w for _, w in SOURCE_MIX])
        sources = [src_values[i] for i in rng.choice(len(src_values), size=n, p=src_p / src_p.sum())]
        times = _report_times(n, ctx.now, ctx.tz, sources, rng)
        order = sorted(range(n), key=lambda i: times[i])
        sources = [sources[i] for i in order]
        times = [times[i] for i in order]
        months = [t.astimezone(ctx.tz).month for t in times]
        codes = [c for c in CATEGORY_MIX if c in ctx.categories and ctx.categories[c].active]
        month_p = []
        for m in range(1, 13):
            w = np.array([CATEGORY_MIX[c] * SEASONAL.get(c, (1.0,) * 12)[m - 1] for c in codes])
            month_p.append(w / w.sum())
        cat_idx = np.empty(n, dtype=int)
        months_arr = np.array(months)
        for m in range(1, 13):
            sel = np.flatnonzero(months_arr == m)
            if len(sel):
                cat_idx[sel] = rng.choice(len(codes), size=len(sel), p=month_p[m - 1])
        categories = [codes[i] for i in cat_idx]
        places, geoms = _places(self.areas, n, rng, self.rnd)
        hot_spots = self._hot_spots(places, categories, n)

        # sensors only raise their own kinds of alarms
        for i, s in enumerate(sources):
            if s is Source.SENSOR and categories[i] not in SENSOR_CATEGORIES:
                categories[i] = self.rnd.choice(SENSOR_CATEGORIES)

        plans = []
        for i in range(n):
            age = (ctx.now - times[i]).total_seconds() / 86400
            plans.append(self.plan(sources[i], categories[i], age))
        self._assign_holds(plans, sources, times, categories)
        self._force_outcomes(plans, sources, n)

        numbers = dict(ctx.numbers_used)
        specs: list[_Spec] = []
        runners: list[_Runner] = []
        for i in range(n):
            lon, lat, grid = float(places.lon[i]), float(places.lat[i]), places.grid[i]
            road, address = places.road[i], places.address[i]
            code = categories[i]
            if i in hot_spots:
                spot = hot_spots[i]
                lon, lat, grid, road, address = self._jitter(spot, geoms)
                code = spot["code"]
            plan = plans[i]
            if plan.fate == "merge":
                target = self._duplicate_of(times[i])
                if target is not None:  # a duplicate report: same problem, same place
                    code = target.category_code
                    lon, lat, grid, road, address = self._jitter(
                        {"lon": target.lon, "lat": target.lat, "grid": target.grid_code, "road": target.road,
                         "address": target.address}, geoms)
            day = times[i].astimezone(ctx.tz).strftime("%Y%m%d")
            numbers[day] = numbers.get(day, 0) + 1
            spec = _Spec(f"{ctx.prefix}{day}-{numbers[day]:05d}", sources[i], code, times[i], lon, lat, grid, road,
                         address)
            runner = self._play(spec, plan)
            specs.append(spec)
            runners.append(runner)
            self.recent.append((runner.case, runner))
            if len(self.recent) > 2000:
                del self.recent[:1000]
            if progress is not None and (i + 1) % 250 == 0:
                progress(250)
        if progress is not None and n % 250:
            progress(n % 250)
        self._ensure_states(specs, runners)
        return Generated([(r.case, r.events) for r in runners],
                         {d: v for d, v in numbers.items() if v != ctx.numbers_used.get(d)})

    def _play(self, spec: _Spec, plan: _Plan) -> _Runner:
        case = self._case(spec)
        inspector = self.pick(self.ctx.people.inspectors[case.district_code])
        if spec.source is Source.INSPECTOR:
            case.reporter_user_id = inspector.user_id
        runner = _Runner(self, case, plan, inspector)
        runner.record(Event(
            action=A.REPORT, from_state=None, to_state=S.REPORTED, actor=self._reporter(case, inspector),
            at=case.reported_at, note=case.description[:200],
            payload={"source": spec.source.value, "attributes": {},
                     "crs": "gcj02" if spec.source is Source.CITIZEN else "wgs84"}))
        runner.run()
        return runner

    def _ensure_states(self, specs: list[_Spec], runners: list[_Runner]) -> None:
        """Every state should have at least one case, even in a small demo: where one is missing, replay a
        recent closed case (one nobody was merged into) held at that state, until one gets there."""
        now = self.ctx.now
        present = Counter(r.case.state for r in runners)
        targets = {r.case.merged_into for r in runners if r.case.merged_into}
        for state in (S.REPORTED, S.PENDING_VERIFY, S.VERIFIED, S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS,
                      S.SUSPENDED, S.HANDLED, S.CHECKED):
            if present[state]:
                continue
            min_age = _HOLD_MIN_AGE.get(state, timedelta(hours=8))
            pool = sorted((i for i, r in enumerate(runners)
                           if r.case.state is S.CLOSED and r.plan.hold is None and r.case.case_no not in targets
                           and min_age <= now - specs[i].at <= timedelta(days=60)),
                          key=lambda i: now - specs[i].at)
            for i in pool[:60]:
                plan = self.plan(specs[i].source, specs[i].code, 0)
                spec = replace(specs[i], source=self.hold(plan, state, specs[i].source))
                runner = self._play(spec, plan)
                if runner.case.state is state:
                    present[S.CLOSED] -= 1
                    present[state] += 1
                    specs[i], runners[i] = spec, runner
                    break

    def _assign_holds(self, plans: list[_Plan], sources: list[Source], times: list[datetime],
                      categories: list[str]) -> None:
        now = self.ctx.now
        recent = [i for i in range(len(plans)) if (now - times[i]) <= timedelta(days=10)]
        if not recent:
            return
        tokens = [h for h, _ in HOLDS]
        weights = [w for _, w in HOLDS]
        late_tokens = [h for h in tokens if h not in _INTAKE_HOLDS]
        late_weights = [w for h, w in HOLDS if h not in _INTAKE_HOLDS]
        k = max(len(tokens), int(len(recent) * 0.3))
        by_age = sorted(recent, key=lambda i: now - times[i])
        chosen: set[int] = set()

        def quick(i: int) -> bool:  # handled within a working day, so a few days are enough to get there
            cat = self.ctx.categories[categories[i]]
            limit = cat.limit_for(cat.default_urgency)
            return limit.unit is not LimitUnit.WORKING_DAYS or limit.amount <= 1

        # every hold once, on the youngest case old enough to have got there
        for h in tokens:
            min_age = _HOLD_MIN_AGE.get(h, timedelta(hours=8))
            needs_handling = h in (S.SUSPENDED, S.HANDLED, S.CHECKED)
            i = next((j for j in by_age if j not in chosen and now - times[j] >= min_age
                      and (not needs_handling or quick(j))), None)
            if i is None:
                continue
            chosen.add(i)
            sources[i] = self.hold(plans[i], h, sources[i])
        pool = list(recent)
        self.rnd.shuffle(pool)
        for i in pool:
            if len(chosen) >= k:
                break
            if i in chosen:
                continue
            chosen.add(i)
            young = (now - times[i]) <= timedelta(hours=36)
            h = self.rnd.choices(tokens if young else late_tokens, weights if young else late_weights)[0]
            sources[i] = self.hold(plans[i], h, sources[i])

    def _force_outcomes(self, plans: list[_Plan], sources: list[Source], n: int) -> None:
        """Make sure the side exits appear even in a small demo."""
        need = max(2, n // 400)
        counts = {f: sum(1 for p in plans if p.fate == f) for f in ("void", "reject", "merge", "refute")}
        pool = [i for i in range(n // 5, n) if plans[i].hold is None and plans[i].fate == "register"
                and sources[i] in (Source.CITIZEN, Source.HOTLINE)]
        self.rnd.shuffle(pool)
        for fate, have in counts.items():
            for _ in range(max(0, need - have)):
                if not pool:
                    return
                i = pool.pop()
                plans[i].fate = fate
                plans[i].verify = fate == "refute"

    def _hot_spots(self, places: _Places, categories: list[str], n: int) -> dict[int, dict[str, Any]]:
        """A few places where the same problem keeps coming back (反复反弹的难点点位)."""
        spots_n = max(3, min(40, n // 500))
        kinds = ("06010", "06011", "09006", "06036", "06012", "06042")
        base = self.rnd.sample(range(n), min(spots_n, n))
        spots = [{"lon": float(places.lon[i]), "lat": float(places.lat[i]), "grid": places.grid[i],
                  "road": places.road[i], "address": places.address[i], "code": self.rnd.choice(kinds)} for i in base]
        out: dict[int, dict[str, Any]] = {}
        for i in range(n):
            if i not in base and self.rnd.random() < 0.04:
                out[i] = spots[self.rnd.randrange(len(spots))]
        return out

    def _jitter(self, spot: Mapping[str, Any], geoms: Mapping[str, Any]) -> tuple[float, float, str, str | None, str]:
        lon = spot["lon"] + self.rnd.uniform(-1, 1) * 8e-5
        lat = spot["lat"] + self.rnd.uniform(-1, 1) * 6e-5
        if not shapely.contains_xy(geoms[spot["grid"]], lon, lat):
            lon, lat = spot["lon"], spot["lat"]
        return lon, lat, spot["grid"], spot["road"], spot["address"]

    def _duplicate_of(self, at: datetime) -> Case | None:
        for other, runner in reversed(self.recent[-300:]):
            if other.reported_at < at and (runner.final_at is None or runner.final_at > at + timedelta(hours=2)) \
                    and not other.state.is_final and other.state is not S.REPORTED:
                return other
        for other, runner in reversed(self.recent[-300:]):
            if other.reported_at < at and (runner.final_at is None or runner.final_at > at + timedelta(hours=2)):
                return other
        return None

    def _case(self, spec: _Spec) -> Case:
        source, code, address, grid = spec.source, spec.code, spec.address, spec.grid
        cat = self.ctx.categories[code]
        urgency = cat.default_urgency
        up = 0.2 if code in SAFETY else 0.06
        order = [Urgency.NORMAL, Urgency.URGENT, Urgency.CRITICAL]
        x = self.rnd.random()
        if x < up and urgency.rank < 2 and order[urgency.rank + 1] in cat.limits:
            urgency = order[urgency.rank + 1]
        elif x > 0.9 and urgency.rank > 0 and order[urgency.rank - 1] in cat.limits:
            urgency = order[urgency.rank - 1]
        templates = DESCRIPTIONS.get(code) or ("{addr}发现" + cat.name.removesuffix("异常") + "问题，请尽快处置",)
        description = self.rnd.choice(templates).format(addr=address, n=self.rnd.randrange(2, 12))
        name = phone = None
        if source in (Source.CITIZEN, Source.HOTLINE, Source.OPEN311):
            if source is Source.HOTLINE or self.rnd.random() < 0.6:
                name = chinese_name(self.rnd)
                phone = masked_phone(self.rnd)
        return Case(
            case_no=spec.case_no, state=S.REPORTED, source=source, category_code=code, urgency=urgency.value,
            description=description, lon=spec.lon, lat=spec.lat, grid_code=grid, community_code=grid[:12],
            street_code=grid[:9], district_code=grid[:6], reported_at=spec.at, updated_at=spec.at,
            address=address[:200], road=spec.road, cell=h3.latlng_to_cell(spec.lat, spec.lon, H3_RESOLUTION),
            reporter_name=name, reporter_phone=phone, public_token=secrets.token_urlsafe(12),
        )

    def _reporter(self, case: Case, inspector: Actor) -> Actor:
        s = case.source
        if s is Source.INSPECTOR:
            return inspector
        if s is Source.HOTLINE:
            return self.pick(self.ctx.people.hotline)
        if s is Source.CITIZEN:
            return self.citizen
        if s is Source.OPEN311:
            return self.open311
        if s is Source.SENSOR:
            return self.sensor
        return self.platform


def generate(ctx: Context, areas: DemoAreas, n: int, seed: int = 42,
             progress: Callable[[int], None] | None = None) -> Generated:
    """`n` cases over the year ending `ctx.now`, each with its full event history."""
    return _Generator(ctx, areas, seed).generate(n, progress)


def iter_batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
