"""Keywords for the category picker and Open311: pieces of the name plus the synonyms people type
(used by build_catalogue.py). Standard library only."""

from __future__ import annotations

import re


# --------------------------------------------------------------------------------------------
# Keywords: pieces of the name plus synonyms people type (citizens' picker, Open311 `keywords`).
# --------------------------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return text.split()


# Words used to split names into meaningful pieces (forward maximum matching; no jieba needed).
VOCAB = set(
    _words("""
井盖 箅子 雨水箅子 盖板 沟槽 立杆 旗杆 路灯 地灯 景观灯 配电箱 垃圾 渣土 广告 户外广告 小广告 牌匾 标识
指示牌 标志牌 标志 标示牌 护栏 隔离体 施工 工地 道路 路面 绿地 绿化 行道树 独立树 古树 名木 树池 树穴 树叶
污水 废水 雨水 中水 噪声 停车 停车场 管道 电力 通信 电视 网络 燃气 供水 热力 消防 公安 公交 电缆 化粪池
过街天桥 天桥 立交桥 跨河桥 栈桥 桥涵 隧道 地下通道 厕所 公厕 河道 水域 油烟 餐饮 经营 车辆 单车 共享单车
自行车 机动车 非机动车 监测站 监测器 显示屏 宣传 宣传栏 宣传品 盲道 无障碍 坡道 地锁 阻车桩 装修 晾挂
烧烤 乞讨 流浪 塌陷 积水 积雪 结冰 线缆 架空线缆 电梯 充电桩 快递柜 健身 座椅 雕塑 喷泉 花架 花钵 交接箱
接坡 建筑物 外立面 阳台 屋顶 彩旗 管线 杆线 空调 室外机 低挂 暴露 积存 遗撒 遗洒 沙滩 河滩 交通 标线
信号灯 信号 交通信号灯 弃料 吊挂 焚烧 病虫害 伐树 堤岸 污染 扰民 医疗废物 填埋场 废弃 家具 杂物 动物
尸体 家禽 家畜 道口 满溢 垃圾站 垃圾箱 垃圾间 遮阳篷 节庆 装饰物 占绿 毁绿 公园 边坡 挡土墙 台阶
路缘石 语言文字 标语 公益 占道 掘路 扬尘 废弃料 物料 堆放 围挡 硬化 出入口 场光地净 渣土运输 密闭 车轮
夹带 高空 悬吊 作业 预埋件 裸露 公示牌 建设 游商 早市 夜市 废品 收购 店外 出版物 销售 乱停放 消防通道
屠宰 畜力车 进城 洗车 促销 农贸市场 桥下空间 履带车 铁轮车 上路 行驶 变压器 调压站 铁塔 高压线 路名牌
地名牌 门牌 楼号 岗亭 安全岛 减速带 限高架 防撞桶 反视镜 防汛 防汛墙 泵站 排水泵站 排放口 综合管廊
综合杆 报刊亭 电话亭 邮筒 信息亭 售货亭 售货机 自动售货机 晒衣架 回收箱 旧衣物 基站 水塔 牌楼 门楼 水井
店面 饲养 丢弃 收集器 灭烟处 计费设备 跨河 隔音屏 公房 铁路 公共 环保 救助站 管理责任 通道 脱落 缴费机
装饰性 开设 设置 安装 脏乱差 架设 隔离 缴费 计费 交接 岗亭 租赁点 停放点 停靠站 出租车 立体车库 电源
供水器 加油站 地下室 文物 古迹 林地 下水道 自来水 水管 破裂 堵塞 检查井 电子眼 监控 充电 烟头 宠物
""")
)
# Pieces that say little on their own (kept out of the keywords).
GENERIC = set(
    _words("""
违章 违规 违法 非法 无证 无照 擅自 私设 私搭 破损 缺损 损坏 不洁 脏乱 乱象 占用 问题 设施 管理 异常 露天
临街 沿街 街头 未 秩序 不清晰 附属 特殊 不明 其他 暴露 积存 废弃 建设 作业 上路 行驶 信号 堆放 销售
设置 开设 安装 架设
""")
)
MAX_WORD = max(len(w) for w in VOCAB)


def segment(text: str) -> list[str]:
    """Known words of `text` by forward maximum matching over VOCAB (unknown characters skipped)."""
    pieces: list[str] = []
    for chunk in re.split(r"[（）()、，,；;]|或|及", text):
        i = 0
        while i < len(chunk):
            for size in range(min(MAX_WORD, len(chunk) - i), 1, -1):
                if chunk[i : i + size] in VOCAB:
                    pieces.append(chunk[i : i + size])
                    i += size
                    break
            else:
                i += 1
    return [p for p in pieces if p not in GENERIC]


# Synonyms, matched on the base name (regex) -> extra keywords.
SYNONYMS: list[tuple[str, list[str]]] = [
    (r"井盖", ["窨井盖", "检查井盖", "下水井盖", "井盖缺失", "井盖破损", "井盖丢失", "马葫芦"]),
    (r"^雨水箅子$", ["雨水篦子", "雨箅子", "雨水口", "下水口", "箅子缺失"]),
    (r"^(路灯|地灯|景观灯)$", ["路灯不亮", "灯不亮", "路灯损坏", "灯杆", "照明"]),
    (r"^路灯配电箱$", ["配电箱", "路灯不亮"]),
    (r"^消防设施$", ["消防栓", "消火栓"]),
    (r"^紧急报警点", ["SOS", "紧急报警", "报警柱"]),
    (r"^公用电梯$", ["电梯故障", "电梯停运"]),
    (r"^充电桩$", ["电动车充电"]),
    (r"^(电力立杆|通信立杆|公交立杆|特殊立杆|不明立杆|综合杆)$", ["电线杆", "电杆", "杆子倾斜"]),
    (r"^交通信号灯$", ["红绿灯", "信号灯不亮", "信号灯"]),
    (r"^交通标志牌及标线$", ["交通标志", "标志牌", "标线"]),
    (r"^交通护栏$", ["护栏", "隔离栏"]),
    (r"^(公共厕所|公厕指示牌)$", ["公厕", "厕所"]),
    (r"^垃圾箱$", ["垃圾桶", "果皮箱", "垃圾桶破损"]),
    (r"^(行道树|独立树)$", ["树木", "树木倒伏", "倒树", "树倒", "断枝", "树枝"]),
    (r"^古树名木$", ["古树"]),
    (r"^病虫害$", ["虫害", "树木病虫害"]),
    (r"^无证建设$", ["违法建设", "违建", "无证施工"]),
    (r"^违章接坡$", ["私接坡道"]),
    (r"^废弃家具设备$", ["大件垃圾", "废旧家具"]),
    (r"^交通标线不清晰$", ["标线模糊"]),
    (r"^私搭乱建$", ["违建", "违章建筑", "违法建设", "违法搭建", "乱搭乱建"]),
    (r"^暴露垃圾$", ["垃圾", "乱扔垃圾", "垃圾乱堆", "生活垃圾"]),
    (r"^积存垃圾渣土$", ["建筑垃圾", "渣土", "垃圾堆"]),
    (r"^道路不洁$", ["道路保洁", "路面脏", "马路脏"]),
    (r"^道路破损$", ["坑槽", "坑洼", "坑洞", "路面破损", "路面坑洼", "路坏了"]),
    (r"^道路遗撒", ["遗撒", "撒漏", "渣土遗撒"]),
    (r"^绿地脏乱$", ["绿地保洁", "绿化带垃圾"]),
    (r"^焚烧垃圾", ["焚烧", "烧垃圾", "烧树叶"]),
    (r"^河道污染$", ["河水污染", "水体发黑", "黑臭水体"]),
    (r"^水域不洁$", ["河道保洁", "水面漂浮物"]),
    (r"^噪声扰民$", ["噪音", "扰民", "噪音扰民"]),
    (r"^乱倒乱排污水", ["污水外溢", "污水横流", "排污"]),
    (r"^乱丢弃医疗废物$", ["医疗垃圾", "医疗废物"]),
    (r"^废弃车辆$", ["僵尸车", "废弃自行车", "报废车"]),
    (r"^乱堆杂物$", ["乱堆物料", "堆物堆料", "杂物"]),
    (r"^动物尸体$", ["死猫", "死狗", "死老鼠", "动物死尸"]),
    (r"^垃圾站（箱）满溢$", ["垃圾桶满", "垃圾满溢", "垃圾箱满了", "垃圾桶"]),
    (r"^私设地锁", ["地锁", "车位锁", "阻车桩"]),
    (r"^非法占绿毁绿$", ["毁绿", "占绿", "踩踏绿地"]),
    (r"^盲道缺损$", ["盲道", "占压盲道"]),
    (r"^非法小广告$", ["小广告", "牛皮癣", "乱贴乱画", "乱涂乱画", "野广告"]),
    (r"^街头散发广告$", ["发传单", "散发传单", "派发广告"]),
    (r"^施工扰民$", ["夜间施工", "施工噪音", "施工噪声"]),
    (r"^工地扬尘$", ["扬尘", "灰尘", "粉尘", "六个百分之百"]),
    (r"^施工工地车轮夹带$", ["车轮带泥", "带泥上路"]),
    (r"^无证掘路$", ["挖路", "道路开挖"]),
    (r"^渣土运输车辆未安装密闭装置$", ["渣土车", "渣土车未密闭"]),
    (r"^无照经营游商$", ["游商", "流动摊贩", "小贩", "摆摊"]),
    (r"^占道经营$", ["摆摊", "占道摆摊", "小摊贩", "马路市场"]),
    (r"^店外经营$", ["出店经营", "超门店经营", "门前五包"]),
    (r"^机动车乱停放$", ["乱停车", "违停", "违章停车", "汽车乱停"]),
    (r"^非机动车乱停放$", ["电动车乱停", "自行车乱停", "电瓶车乱停"]),
    (r"^共享单车乱象$", ["共享单车", "单车乱停", "共享单车乱停"]),
    (r"^占用消防通道$", ["消防通道", "堵塞消防通道"]),
    (r"^流浪乞讨$", ["乞讨", "流浪人员"]),
    (r"^废品收购乱象$", ["废品收购", "收废品"]),
    (r"^露天烧烤$", ["烧烤", "路边烧烤"]),
    (r"^沿街晾挂$", ["晾晒", "乱晾晒"]),
    (r"^道路积雪、结冰$", ["积雪", "结冰", "路面结冰", "路滑"]),
    (r"^架空线缆脱落$", ["飞线", "线缆下垂", "电线脱落", "线缆脱落"]),
]

EMERGENCY_KEYWORDS = {
    "路面塌陷": ["塌陷", "地陷", "路面下沉", "路面坍塌", "天坑"],
    "自来水管破裂": ["爆管", "水管爆裂", "水管破裂", "自来水", "漏水", "供水管"],
    "燃气管道破裂": ["燃气泄漏", "漏气", "煤气泄漏", "天然气", "燃气管"],
    "下水道堵塞或破损": ["下水道堵塞", "下水道", "污水外溢", "污水冒溢", "检查井溢水", "返水", "管道堵塞"],
    "热力管道破裂": ["暖气管爆裂", "供热管道", "热力管", "冒热气"],
    "道路积水": ["积水", "内涝", "水淹", "路面积水", "防汛", "内涝点"],
    "道路积雪结冰": ["积雪", "结冰", "路面结冰", "除雪"],
    "架空线缆损坏": ["线缆", "飞线", "电线断落", "线缆下垂"],
    "群发行事件": ["群发性事件", "群体性事件", "聚集", "集体性事件"],
    "其他突发事件": ["突发", "紧急情况", "应急"],
}

# 事不过夜 is part of the emergency items' and the same-day rules' meaning; the class name is a
# keyword too so "突发" finds all emergency items.
PAREN = re.compile(r"（([^（）]*)）|\(([^()]*)\)")


def base_name(name: str) -> str:
    return name[: -len("异常")] if name.endswith("异常") else name.replace("异常", "")


def name_variants(name: str) -> list[str]:
    """'道路遗撒（洒）' -> ['道路遗撒', '道路遗洒']; '输油（气）井盖' -> ['输油井盖', '输气井盖']."""
    out: list[str] = []
    m = PAREN.search(name)
    if m:
        inner = m.group(1) or m.group(2) or ""
        before, after = name[: m.start()], name[m.end() :]
        out.append(before + after)
        parts = [p for p in re.split(r"[、,，]", inner) if p]
        if len(parts) == 1 and len(inner) == 1 and before:
            out.append(before[:-1] + inner + after)  # 遗撒（洒） -> 遗洒; 输油（气） -> 输气
        elif inner and not before.endswith(inner):
            out.extend(parts)  # 垃圾间（楼） -> 楼 is too short, filtered below
    out.extend(re.split(r"[、，,；;]|或|及", PAREN.sub("", name)))
    return [v.strip() for v in out if len(v.strip()) >= 2 and v.strip() not in GENERIC]


def keywords_for(name: str, kind: str, class_name: str, extra: list[str] | None = None) -> list[str]:
    base = base_name(name)
    kws: list[str] = []

    def add(words):
        for w in words:
            w = w.strip()
            if w and w != name and w not in kws:
                kws.append(w)

    if base != name:
        add([base])
    add(name_variants(base))
    for variant in [base, *name_variants(base)]:
        add([p for p in segment(variant) if p != base])
    for pattern, words in SYNONYMS:
        if re.search(pattern, base):
            add(words)
    if extra:
        add(extra)
    return kws
