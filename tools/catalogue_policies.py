"""Local-policy time limits per category class and for the emergency items (used by build_catalogue.py).
Standard library only."""

from __future__ import annotations

import re

# --------------------------------------------------------------------------------------------
# Time limits. Units: WH = 工作时 (working hours), WD = 工作日 (working days), NH = 自然时
# (natural hours). A policy is (normal, urgent[, critical]) plus same_day (事不过夜), an optional
# default urgency and an optional note.
# --------------------------------------------------------------------------------------------
WH, WD, NH = "working_hours", "working_days", "natural_hours"


def starts_with(*prefixes: str) -> str:
    """A regex matching names that start with one of `prefixes`."""
    return "^(" + "|".join(re.escape(p) for p in prefixes) + ")"


def P(normal, urgent, critical=None, *, same_day=False, default="normal", note=None):
    limits = {"normal": normal, "urgent": urgent}
    if critical:
        limits["critical"] = critical
    return {"limits": limits, "same_day": same_day, "default": default, "note": note}


# Defaults by GB class (class code -> policy); matter and component of one item share the policy.
CLASS_DEFAULTS = {
    "01": P((3, WD), (1, WD)),  # 市政公用设施
    "02": P((3, WD), (1, WD)),  # 交通设施
    "03": P((1, WD), (4, WH)),  # 市容环卫设施
    "04": P((5, WD), (1, WD)),  # 园林绿化设施
    "05": P((5, WD), (1, WD)),  # 其他管理部件
    "06": P((4, WH), (2, WH)),  # 市容环境
    "07": P((3, WD), (1, WD)),  # 宣传广告
    "08": P((2, WD), (4, WH)),  # 施工管理
    "09": P((2, WH), (1, WH)),  # 街面秩序
    "10": P((2, WD), (4, WH)),  # 其他事项
}

MANHOLE_NOTE = "井盖缺失：6小时内恢复；现场条件不具备的36小时内恢复（广州，2021）；公安井盖6小时（福州）"
STAGED_BUILD_NOTE = (
    "分阶段时限：在建的停工4个工作时（特急）；处罚7个工作日（紧急）；拆除20个工作日（一般）。"
    "另见济源：违法搭建15个工作日"
)

# Rules on the item's base name (a matter's name without the trailing "异常"); first match wins.
# Each rule: (regex, policy).
NAME_RULES: list[tuple[str, dict]] = [
    # 01 市政公用设施 — covers, lights, safety-critical networks
    (r"井盖|雨水箅子|沟槽盖板", P((6, NH), (2, NH), (1, NH), same_day=True, note=MANHOLE_NOTE)),
    (r"^(路灯|地灯|景观灯|路灯配电箱)$", P((1, WD), (4, WH))),
    (
        r"燃气|输油|露天供热管道|跨河管道|高压线铁塔|变压器|^电力设施$|^消防设施$",
        P((1, WD), (4, NH), (2, NH)),
    ),
    (r"防汛|排水泵站|雨污水排放口", P((1, WD), (4, NH), (2, NH))),
    (r"^(公用电梯|紧急报警点)", P((1, WD), (4, WH))),
    # 02 交通设施
    (r"^交通信号(灯|设施)$", P((1, WD), (2, NH), (1, NH))),
    (r"^(交通护栏|防撞桶|限高架标志|减速带|交通反视镜|铁道口设施)$", P((2, WD), (4, WH))),
    (r"^(过街天桥|地下通道|立交桥|跨河桥|铁路桥涵|公路隧道)$", P((3, WD), (4, NH), (2, NH))),
    # 03 市容环卫设施
    (r"^公共厕所$", P((4, WH), (2, WH))),
    (r"^(户外广告|牌匾标识|宣传栏)$", P((3, WD), (1, WD), (4, NH))),
    (r"监测站|监测器|噪声显示屏", P((5, WD), (2, WD))),
    # 04 园林绿化设施
    (r"^(行道树|独立树|古树名木)$", P((5, WD), (1, WD), (4, NH))),
    # 06 市容环境
    (r"^私搭乱建$", P((20, WD), (7, WD), (4, WH), note=STAGED_BUILD_NOTE)),
    (r"^暴露垃圾$", P((4, WH), (2, WH), note="4个工作时（一城市事件标准）；济源为1个工作日")),
    (
        r"^积存垃圾渣土$",
        P((2, WD), (4, WH), note="建筑垃圾4个工作时、渣土堆2个工作日（一城市事件标准）；济源4个工作日"),
    ),
    (r"^道路不洁$", P((2, WH), (1, WH), note="道路保洁2个工作时（一城市事件标准）；济源5个工作时")),
    (r"^道路遗撒", P((2, WH), (1, WH))),
    (r"^道路破损$", P((2, WD), (4, NH), (2, NH))),
    (r"^绿地脏乱$", P((4, WH), (2, WH), note="绿地保洁4个工作时（一城市事件标准）")),
    (r"^焚烧垃圾|^露天烧烤$", P((2, WH), (1, WH), same_day=True)),
    (r"^乱倒乱排污水", P((4, WH), (2, WH), (1, NH), same_day=True)),
    (r"^乱丢弃医疗废物$", P((4, WH), (2, NH), (1, NH), same_day=True)),
    (r"^动物尸体$", P((2, WH), (1, WH), same_day=True)),
    (r"^(店面无证装修|非法占绿毁绿)$", P((5, WD), (4, WH))),
    (
        starts_with(
            "违章接坡",
            "建筑物外立面污损",
            "擅自架设管线",
            "空调室外机低挂",
            "堤岸破损",
            "油烟污染",
            "废弃车辆",
            "擅自饲养",
            "违章开设道口",
            "占用河道",
        ),
        P((5, WD), (1, WD)),
    ),
    (r"^(临街阳台|台阶破损|路缘石缺损|盲道缺损|无障碍坡道破损)", P((3, WD), (1, WD))),
    (r"^边坡", P((5, WD), (1, WD), (4, NH))),
    (r"^(交通标线不清晰|病虫害)$", P((5, WD), (2, WD))),
    (r"^非正规垃圾填埋场$", P((10, WD), (2, WD))),
    (r"^水域不洁$", P((2, WD), (4, WH), note="济源：水域不洁15个工作日")),
    (
        starts_with(
            "擅自在临街",
            "沙（河）滩不洁",
            "绿化弃料",
            "非装饰性吊挂",
            "水域秩序",
            "河道污染",
            "废弃家具",
            "乱堆杂物",
            "私设地锁",
            "垃圾未分类",
            "遮阳篷",
            "节庆装饰物",
        ),
        P((1, WD), (4, WH)),
    ),
    # 07 宣传广告
    (r"^非法小广告$", P((1, WD), (4, WH))),
    (r"^街头散发广告$", P((2, WH), (1, WH))),
    (r"^(违规户外广告|违规牌匾标识)$", P((5, WD), (1, WD), (4, NH))),
    # 08 施工管理
    (
        r"^无证建设$",
        P((20, WD), (7, WD), (4, WH), note=STAGED_BUILD_NOTE.replace("。另见济源：违法搭建15个工作日", "")),
    ),
    (r"^(施工扰民|工地扬尘|无证掘路|施工工地车轮夹带)$", P((4, WH), (2, WH))),
    (r"^违规高空悬吊作业$", P((2, WH), (1, NH))),
    (r"^预埋件设施裸露$", P((1, WD), (4, NH))),
    # 09 街面秩序
    (r"^占用消防通道$", P((2, WH), (1, NH), same_day=True)),
    (r"^(违规设置停车场|违规占用桥下空间|无证餐饮)$", P((5, WD), (1, WD))),
    (r"^农贸市场秩序问题$", P((1, WD), (4, WH))),
    # 10 其他事项
    (r"^道路积雪、结冰$", P((8, NH), (4, NH), same_day=True)),
    (r"^架空线缆脱落$", P((4, WH), (2, NH), same_day=True)),
]

# 突发事件 (source id -> policy). All same-day; default urgency 紧急.
EMERGENCY_POLICIES = {
    "路面塌陷": P((4, NH), (2, NH), (1, NH), same_day=True, default="urgent"),
    "自来水管破裂": P((4, NH), (2, NH), (1, NH), same_day=True, default="urgent"),
    "燃气管道破裂": P((2, NH), (1, NH), (0.5, NH), same_day=True, default="urgent"),
    "下水道堵塞或破损": P((6, NH), (2, NH), (1, NH), same_day=True, default="urgent"),
    "热力管道破裂": P((4, NH), (2, NH), (1, NH), same_day=True, default="urgent"),
    "道路积水": P(
        (4, WH),
        (2, NH),
        (1, NH),
        same_day=True,
        default="urgent",
        note="道路积水4个工作时（一城市事件标准，路面积水子条件）；汛期按防汛预案执行",
    ),
    "道路积雪结冰": P((8, NH), (4, NH), (2, NH), same_day=True, default="urgent"),
    "架空线缆损坏": P((4, NH), (2, NH), (1, NH), same_day=True, default="urgent"),
    "群发行事件": P(
        (2, NH),
        (1, NH),
        (0.5, NH),
        same_day=True,
        default="urgent",
        note="源数据写作“群发行事件”（应为“群发性事件”），保留原名",
    ),
    "其他突发事件": P((4, NH), (2, NH), (1, NH), same_day=True, default="urgent"),
}

# Approximate length of each unit in working-hour equivalents, only to check urgent <= normal.
UNIT_HOURS = {WH: 1.0, WD: 7.0, NH: 1.0}
