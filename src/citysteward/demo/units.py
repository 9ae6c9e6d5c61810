"""The demo city's organisation, as data: responsible units, staff accounts, responsibility rules.

Unit names follow the Jiaozuo newspaper reports on the 市政管家 mechanism (市城管局, 市市政设施所, 市城投,
高新区城管中心/城建中心, each district's 环卫 and 城管局, the street offices such as 王褚街道 and 许衡街道,
…). People are fictional. The rules mirror what the reports describe: municipal facilities go to the
facility office, cleanliness to each district's sanitation centre, construction sites to the district
城管局, street order to the street office of the place, emergencies to the facility office with the
district 城管局 assisting, and a few roads that were built but not yet handed over are kept by the
builder (市城投) or by the 高新区 bodies.  Anything else falls back to the district 城管局 (属地).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from citysteward.cases.domain.routing import ResponsibilityRule
from citysteward.demo.areas import DISTRICTS, DemoAreas
from citysteward.kernel.actor import Role

DEMO_PASSWORD = "demo1234"
FACILITY = "SZSSS"  # the unit whose presence marks a database that already holds the demo

# district adcode -> (short name, username prefix)
DISTRICT_SHORT: dict[str, tuple[str, str]] = {
    "410802": ("解放", "jf"),
    "410803": ("中站", "zz"),
    "410804": ("马村", "mc"),
    "410811": ("山阳", "sy"),
}

# street name -> username (jd_<pinyin>)
STREET_PINYIN: dict[str, str] = {
    "焦西街道": "jiaoxi", "焦南街道": "jiaonan", "焦北街道": "jiaobei", "七百间街道": "qibaijian",
    "新华街道": "xinhua", "民生街道": "minsheng", "民主街道": "minzhu", "王褚街道": "wangchu",
    "上白作街道": "shangbaizuo", "府城街道": "fucheng", "冯封街道": "fengfeng", "龙洞街道": "longdong",
    "月山街道": "yueshan", "李封街道": "lifeng", "王封街道": "wangfeng", "朱村街道": "zhucun",
    "许衡街道": "xuheng", "待王街道": "daiwang", "冯营街道": "fengying", "九里山街道": "jiulishan",
    "演马街道": "yanma", "马村街道": "macun", "武王街道": "wuwang", "安阳城街道": "anyangcheng",
    "光亚街道": "guangya", "东方红街道": "dongfanghong", "焦东街道": "jiaodong", "百间房街道": "baijianfang",
    "太行街道": "taihang", "新城街道": "xincheng", "定和街道": "dinghe", "艺新街道": "yixin",
}


@dataclass(frozen=True, slots=True)
class UnitDef:
    code: str
    name: str
    kind: str
    district_code: str | None
    username: str  # the unit's demo account
    contact: str  # display name of that account


@dataclass(frozen=True, slots=True)
class UserDef:
    username: str
    role: Role
    display_name: str
    unit_code: str | None = None
    district_code: str | None = None  # inspectors patrol one district


def sanitation_code(district: str) -> str:
    return f"{district}HW"


def district_bureau_code(district: str) -> str:
    return f"{district}CGJ"


_CITY_UNITS: tuple[UnitDef, ...] = (
    UnitDef("CGJ", "市城管局", "city_department", None, "cgj", "市城管局·郭志强"),
    UnitDef(FACILITY, "市市政设施所", "facility", None, "szss", "市政设施所·孙建军"),
    UnitDef("SCT", "市城投", "company", None, "chengtou", "市城投·周立新"),
    UnitDef("YLZX", "市园林绿化中心", "facility", None, "yuanlin", "园林中心·林秀梅"),
    UnitDef("GXCGZX", "高新区城管中心", "district", None, "gx_cgzx", "高新区城管中心·冯涛"),
    UnitDef("GXCJZX", "高新区城建中心", "other", None, "gx_cjzx", "高新区城建中心·韩磊"),
)

_CONTACT_NAMES = ("王立军", "李红霞", "张国庆", "刘建华", "陈晓东", "杨秀英", "赵志刚", "黄丽娟", "周海涛", "吴桂芝",
                  "徐卫东", "孙丽萍", "马玉兰", "朱建国", "胡晓燕", "郭德胜", "何志明", "高丽华", "林振宇", "罗春梅")


def unit_definitions(areas: DemoAreas) -> list[UnitDef]:
    """City units, then per district its sanitation centre and 城管局, then every street office."""
    units = list(_CITY_UNITS)
    i = 0
    for d_code, d_name in DISTRICTS.items():
        _short, prefix = DISTRICT_SHORT[d_code]
        units.append(UnitDef(sanitation_code(d_code), f"{d_name}环卫中心", "sanitation", d_code,
                             f"{prefix}_huanwei", f"{d_name}环卫中心·{_CONTACT_NAMES[i % 20]}"))
        units.append(UnitDef(district_bureau_code(d_code), f"{d_name}城管局", "district", d_code,
                             f"{prefix}_cgj", f"{d_name}城管局·{_CONTACT_NAMES[(i + 1) % 20]}"))
        i += 2
    for n, feat in enumerate(areas.streets["features"]):
        props = feat["properties"]
        name, code = props["name"], props["code"]
        username = "jd_" + STREET_PINYIN.get(name, code)
        units.append(UnitDef(code, name, "street", code[:6], username,
                             f"{name}·{_CONTACT_NAMES[(n * 7 + 3) % 20]}"))
    return units


def staff_definitions() -> list[UserDef]:
    users = [
        UserDef("admin", Role.ADMIN, "系统管理员"),
        UserDef("acceptor", Role.ACCEPTOR, "李静"),
        UserDef("acceptor2", Role.ACCEPTOR, "王芳"),
        UserDef("shift_leader", Role.SHIFT_LEADER, "张伟"),
        UserDef("dispatcher", Role.DISPATCHER, "赵磊"),
        UserDef("dispatcher2", Role.DISPATCHER, "钱文博"),
        UserDef("hotline", Role.HOTLINE, "刘洋"),
        UserDef("hotline2", Role.HOTLINE, "陈雪"),
        UserDef("supervisor", Role.SUPERVISOR, "吴敏"),
        UserDef("leader", Role.LEADER, "郑国华"),
    ]
    inspector_names = ("老王", "马建设", "牛红梅", "宋志远", "唐小军", "许海波", "韩春生", "冯丽", "邓建新",
                       "曹勇", "彭晓光", "田玉梅")
    n = 0
    for d_code in DISTRICTS:
        for _ in range(3):
            users.append(UserDef(f"inspector{n + 1}", Role.INSPECTOR, f"监督员{inspector_names[n]}",
                                 district_code=d_code))
            n += 1
    return users


# Units whose accounts are listed in the `demo` command's output (every unit has one).
LISTED_UNIT_CODES = ("SZSSS", "SCT", "YLZX", "GXCGZX", "410802HW", "410802CGJ", "410811HW")
LISTED_STREETS = ("王褚街道", "许衡街道")
LISTED_STAFF = ("admin", "acceptor", "shift_leader", "dispatcher", "inspector1", "inspector2", "inspector3",
                "hotline", "supervisor", "leader")


def login_list(units: list[UnitDef]) -> list[tuple[str, str, str]]:
    staff = {u.username: u for u in staff_definitions()}
    out: list[tuple[str, str, str]] = []
    for username in LISTED_STAFF:
        u = staff[username]
        label = u.role.label
        if u.district_code:
            label += f"（{DISTRICTS[u.district_code]}）"
        out.append((username, DEMO_PASSWORD, label))
    for unit in units:
        if unit.code in LISTED_UNIT_CODES or unit.name in LISTED_STREETS:
            out.append((unit.username, DEMO_PASSWORD, f"{Role.UNIT.label}·{unit.name}"))
    return out


# ------------------------------------------------------------------ responsibility rules
# Roads built but not yet handed over (新建未移交道路), kept by whoever built or was assigned them.
CITY_INVESTMENT_ROADS = ("南通路", "中原路")  # municipal facilities kept by 市城投
HIGH_TECH_ROADS = {"迎宾路": "GXCGZX", "太行路": "GXCJZX"}  # 高新区城管中心 / 城建中心
WANGCHU_ROADS = ("新华街",)  # cleaning of this road inside 解放区 kept by 王褚街道

# Categories of class 06 (市容环境) that are not the sanitation centre's job.
FACILITY_CATEGORIES = ("06013", "06049", "06050", "06051", "06052")  # 道路/台阶/路缘石/盲道/坡道破损
GREENING_CATEGORIES = ("06017", "06018", "06021", "06022", "06045")  # 绿地脏乱、绿化弃料、病虫害…
ENFORCEMENT_CATEGORIES = ("06001", "06002", "06027", "06028", "06029", "06039")  # 私搭乱建、油烟、烧烤…


def rule_definitions(areas: DemoAreas, unit_ids: Mapping[str, int]) -> list[ResponsibilityRule]:
    """Responsibility rules by unit code (`unit_ids`: unit code -> id). Order is the rule id order."""
    u = unit_ids
    rules: list[ResponsibilityRule] = []

    def add(main: str, *, assisting: tuple[str, ...] = (), category: str | None = None, klass: str | None = None,
            area: str | None = None, road: str | None = None, note: str = "") -> None:
        rules.append(ResponsibilityRule(
            id=0, main_unit_id=u[main], assisting_unit_ids=tuple(u[a] for a in assisting), category_code=category,
            category_class=klass, area_code=area, road=road, note=note))

    # 属地兜底: whatever no other rule covers goes to the district's 城管局.
    for d_code, d_name in DISTRICTS.items():
        add(district_bureau_code(d_code), area=d_code, note=f"属地兜底：{d_name}范围内未明确的问题")
    # 01 市政公用设施 / 02 交通设施 → 市市政设施所 (市政管家 grid teams)
    add(FACILITY, klass="01", note="市政公用设施（井盖、路灯、雨水箅子等）由市市政设施所养护")
    add(FACILITY, klass="02", note="交通设施由市市政设施所养护")
    for road in CITY_INVESTMENT_ROADS:
        add("SCT", klass="01", road=road, note=f"{road}为新建未移交道路，市政设施由市城投负责")
    for road, unit in HIGH_TECH_ROADS.items():
        for klass in ("01", "06"):
            add(unit, klass=klass, road=road, note=f"{road}为新建未移交道路，明确由高新区管理")
    add("YLZX", klass="04", note="园林绿化设施由市园林绿化中心养护")
    add("CGJ", klass="05", note="其他管理部件由市城管局协调")
    for code in FACILITY_CATEGORIES:
        add(FACILITY, category=code, note="道路及附属设施破损由市市政设施所维修")
    for code in GREENING_CATEGORIES:
        add("YLZX", category=code, note="绿地问题由市园林绿化中心处置")
    for d_code, d_name in DISTRICTS.items():
        hw, cgj = sanitation_code(d_code), district_bureau_code(d_code)
        add(hw, klass="03", area=d_code, note=f"{d_name}市容环卫设施由区环卫中心负责")
        add(hw, klass="06", area=d_code, note=f"{d_name}市容环境卫生由区环卫中心负责")
        add(hw, category="07001", area=d_code, note="非法小广告由区环卫中心清除")
        add(hw, category="10001", area=d_code, note="道路积雪结冰由区环卫中心清除")
        add(cgj, klass="07", area=d_code, note="户外广告、牌匾标识由区城管局监管")
        add(cgj, klass="08", area=d_code, note=f"{d_name}施工工地由区城管局监管（六个百分之百）")
        for code in ENFORCEMENT_CATEGORIES:
            add(cgj, category=code, area=d_code, note="违法建设、油烟、露天烧烤等由区城管局执法")
        add(FACILITY, assisting=(cgj,), klass="TF", area=d_code,
            note=f"突发事件由市市政设施所先行处置，{d_name}城管局协同")
    # 站前路与南通路交叉口: 经清洁家园行动专班协调，解放区清理垃圾、市城投铺设挡板.
    add(sanitation_code("410802"), assisting=("SCT",), klass="06", road="南通路", area="410802",
        note="经清洁家园行动专班协调：解放区清理垃圾，市城投铺设挡板")
    for road in WANGCHU_ROADS:
        street = _street_code(areas, "王褚街道")
        if street:
            add(street, klass="06", road=road, area="410802", note=f"{road}（解放区段）新建未移交，明确由王褚街道管理")
    # 09 街面秩序 → the street office of the place
    for feat in areas.streets["features"]:
        p = feat["properties"]
        add(p["code"], klass="09", area=p["code"], note=f"街面秩序由{p['name']}负责")
    return rules


def _street_code(areas: DemoAreas, name: str) -> str | None:
    for feat in areas.streets["features"]:
        if feat["properties"]["name"] == name:
            return str(feat["properties"]["code"])
    return None
