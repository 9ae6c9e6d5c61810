"""The mix of the demo's year: channels, categories by season and weight, daily and hourly rhythms, and
the open states recent cases are held at (data, read by `plan`, `times` and `year`)."""

from __future__ import annotations

from datetime import timedelta

from citysteward.cases.domain.model import Action, CaseState, Source

A, S = Action, CaseState

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

HOUR_PROFILE: dict[Source, tuple[float, ...]] = {
    # 24 weights, local hours 0..23
    Source.INSPECTOR: (0, 0, 0, 0, 0, 0, 0.2, 1.0, 3.0, 4.0, 4.0, 3.5, 1.0, 0.5, 1.5, 3.5, 4.0, 3.5, 1.5, 0.3,
                       0.1, 0, 0, 0),
    Source.CITIZEN: (0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.4, 1.2, 2.0, 2.2, 2.0, 1.8, 1.6, 1.4, 1.6, 1.8, 1.9, 2.0,
                     2.2, 2.4, 2.3, 1.8, 1.0, 0.5),
    Source.HOTLINE: (0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3.0, 3.2, 3.0, 2.6, 1.8, 1.8, 2.6, 2.8, 2.6, 2.2,
                     1.8, 1.5, 1.2, 1.0, 0.7, 0.5),
}
HOUR_PROFILE[Source.OPEN311] = HOUR_PROFILE[Source.CITIZEN]
HOUR_PROFILE[Source.SYSTEM] = HOUR_PROFILE[Source.HOTLINE]
HOUR_PROFILE[Source.SENSOR] = tuple([1.0] * 24)

# Open states a recent case may be held at (the next person has not acted yet), with weights; actions
# mean "held right after this request, waiting for the dispatcher".
HOLDS: tuple[tuple[CaseState | Action, float], ...] = (
    (S.REPORTED, 6), (S.PENDING_VERIFY, 7), (S.VERIFIED, 3), (S.REGISTERED, 7), (S.DISPATCHED, 20),
    (S.IN_PROGRESS, 22), (S.SUSPENDED, 5), (S.HANDLED, 12), (S.CHECKED, 8), (A.REQUEST_EXTENSION, 4),
    (A.REQUEST_RETURN, 3), (A.REQUEST_SUSPEND, 3),
)
INTAKE_HOLDS = frozenset({S.REPORTED, S.PENDING_VERIFY, S.VERIFIED})
HOLD_MIN_AGE: dict[CaseState | Action, timedelta] = {
    S.REPORTED: timedelta(0), S.PENDING_VERIFY: timedelta(hours=1), S.VERIFIED: timedelta(hours=16),
    S.SUSPENDED: timedelta(days=3), S.HANDLED: timedelta(days=3), S.CHECKED: timedelta(days=3),
}
