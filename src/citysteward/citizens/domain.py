"""citizens: pure rules of the citizen's side — one-time codes for a phone, area alerts, the
plain-words picker of everyday problems, and the plain-words names of a case's progress."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from citysteward.cases.domain.plain import PLAIN_STATES as _PLAIN
from citysteward.cases.domain.plain import plain_state as plain_state
from citysteward.kernel.errors import InvalidInput

COOKIE = "cs_citizen"  # the verified phone's session on one device
CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 5  # wrong tries before a code is spent
SESSION_TTL = timedelta(days=30)
MAX_RADIUS_M = 3000
MIN_RADIUS_M = 100
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,180}\.[A-Za-z]{2,24}$")


def normalise_phone(phone: str) -> str:
    """A mainland mobile number, without +86, spaces or dashes; anything else is refused."""
    digits = re.sub(r"[\s\-]", "", phone or "")
    digits = digits.removeprefix("+86").removeprefix("0086")
    if not _MOBILE.match(digits):
        raise InvalidInput("请输入 11 位手机号码", {"field": "phone"})
    return digits


def normalise_email(email: str) -> str:
    email = (email or "").strip()
    if not _EMAIL.match(email):
        raise InvalidInput("请输入正确的电子邮箱地址", {"field": "email"})
    return email


def code_hash(secret: str, phone: str, code: str) -> str:
    """A keyed hash: the stored row does not give the code away."""
    return hmac.new(secret.encode(), f"otp:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class PendingCode:
    id: int
    phone: str
    code_hash: str
    expires_at: datetime
    attempts: int
    used: bool

    def check(self, candidate_hash: str, now: datetime) -> bool:
        """True when the code is right, fresh and not spent. Raises with the reason otherwise."""
        if self.used or self.attempts >= CODE_ATTEMPTS:
            raise InvalidInput("验证码已失效，请重新获取", {"field": "code"})
        if now > self.expires_at:
            raise InvalidInput("验证码已过期，请重新获取", {"field": "code"})
        return hmac.compare_digest(self.code_hash, candidate_hash)


@dataclass(frozen=True, slots=True)
class AreaAlert:
    """An e-mail when a report is made (or closed) in an area: a circle or a grid."""

    id: int | None
    email: str
    lon: float | None = None
    lat: float | None = None
    radius_m: int | None = None
    grid_code: str | None = None
    on_new: bool = True
    on_closed: bool = True
    active: bool = True
    token: str = ""
    last_event_id: int = 0

    def __post_init__(self) -> None:
        circle = self.lon is not None and self.lat is not None and self.radius_m is not None
        if circle == bool(self.grid_code):
            raise InvalidInput("请选择提醒范围：地图上的一个点和半径，或一个网格", {"field": "area"})
        if circle and not MIN_RADIUS_M <= int(self.radius_m or 0) <= MAX_RADIUS_M:
            raise InvalidInput(f"半径应在 {MIN_RADIUS_M}–{MAX_RADIUS_M} 米之间", {"field": "radius_m"})
        if not (self.on_new or self.on_closed):
            raise InvalidInput("请至少选择一种提醒：新问题或已办结", {"field": "on_new"})

    def covers(self, lon: float, lat: float, grid_code: str) -> bool:
        if self.grid_code:
            return grid_code == self.grid_code
        assert self.lon is not None and self.lat is not None and self.radius_m is not None
        return distance_m(self.lon, self.lat, lon, lat) <= self.radius_m

    @property
    def area_label(self) -> str:
        return f"网格 {self.grid_code}" if self.grid_code else f"半径 {self.radius_m} 米范围"


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


# ------------------------------------------------------------------ plain words
@dataclass(frozen=True, slots=True)
class Problem:
    """One everyday problem of the citizen's picker: plain words, an icon (one character on a colour
    that groups the problems, drawn as inline SVG: no emoji font or CDN needed), the standard code."""

    key: str
    label: str
    glyph: str
    colour: str
    code: str


_FACILITY, _LIGHT, _ROAD, _WATER, _DANGER, _GREEN, _WASTE, _ORDER, _NUISANCE = (
    "#8d6e63", "#f59f00", "#5c7080", "#1c7ed6", "#e03131", "#2f9e44", "#0c8599", "#7048e8", "#e8590c")
# ~30 everyday problems; the standard scheme (413 items) stays for staff.
PROBLEMS: tuple[Problem, ...] = (
    Problem("manhole", "井盖破损", "井", _FACILITY, "01023"),
    Problem("manhole_missing", "井盖丢失", "洞", _DANGER, "01023"),
    Problem("drain_grate", "雨水箅子坏了", "箅", _FACILITY, "01004"),
    Problem("streetlight", "路灯不亮", "灯", _LIGHT, "01037"),
    Problem("traffic_light", "红绿灯故障", "信", _LIGHT, "02014"),
    Problem("road_damage", "路面破损", "路", _ROAD, "06013"),
    Problem("road_collapse", "路面塌陷", "塌", _DANGER, "TF01"),
    Problem("water_main", "水管爆裂", "水", _WATER, "TF02"),
    Problem("gas", "闻到燃气味", "气", _DANGER, "TF03"),
    Problem("sewer", "下水道堵塞", "堵", _WATER, "TF04"),
    Problem("flooding", "道路积水", "涝", _WATER, "TF06"),
    Problem("wires", "电线掉落", "电", _DANGER, "TF08"),
    Problem("tree", "树木倒伏/断枝", "树", _GREEN, "04002"),
    Problem("litter", "垃圾乱堆", "垃", _WASTE, "06010"),
    Problem("bin_full", "垃圾桶满溢", "满", _WASTE, "06042"),
    Problem("bin_broken", "垃圾桶损坏", "桶", _WASTE, "03005"),
    Problem("dirty_road", "道路不洁", "扫", _WASTE, "06012"),
    Problem("spill", "道路遗撒", "撒", _ROAD, "06014"),
    Problem("rubble", "建筑垃圾乱倒", "渣", _WASTE, "06011"),
    Problem("ads", "小广告", "贴", _ORDER, "07001"),
    Problem("stall", "占道经营", "摊", _ORDER, "09006"),
    Problem("shop_outside", "店外经营", "店", _ORDER, "09005"),
    Problem("car_parking", "机动车乱停", "车", _ORDER, "09009"),
    Problem("bike_parking", "电动车/单车乱停", "单", _ORDER, "09010"),
    Problem("noise", "噪声扰民", "吵", _NUISANCE, "06028"),
    Problem("fumes", "油烟扰民", "烟", _NUISANCE, "06027"),
    Problem("bbq", "露天烧烤", "烤", _NUISANCE, "06029"),
    Problem("building", "违章搭建", "违", _ORDER, "06001"),
    Problem("site_dust", "工地扬尘", "尘", _NUISANCE, "08004"),
    Problem("site_noise", "夜间施工", "工", _NUISANCE, "08001"),
    Problem("toilet", "公厕问题", "厕", _FACILITY, "03001"),
    Problem("railing", "护栏损坏", "栏", _ROAD, "02017"),
)
PROBLEMS_BY_KEY = {p.key: p for p in PROBLEMS}

# A case's state in plain words: one table for the tracking page and the citizen's lists.
PLAIN_STATES = {state.value: words for state, words in _PLAIN.items()}
