"""Grid and area codes (网格编码): a unit grid code has 15 digits = 6 administrative division (GB/T 2260)
+ 3 street/town + 3 community/village + 3 sequence within the community (numbered west→east,
north→south), per standards/STANDARDS.md. Area codes are prefixes of it: district 6, street 9,
community 12."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from citysteward.kernel.errors import InvalidInput

_GRID_CODE_RE = re.compile(r"^[0-9]{15}$")


class AreaLevel(enum.StrEnum):
    """Levels of the area hierarchy; the value is the length of the level's code."""

    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"

    @property
    def label(self) -> str:
        return {"district": "区（县）", "street": "街道（乡镇）", "community": "社区（村）", "grid": "网格"}[
            self.value
        ]

    @property
    def code_length(self) -> int:
        return {"district": 6, "street": 9, "community": 12, "grid": 15}[self.value]

    @property
    def parent(self) -> AreaLevel | None:
        return {
            "district": None,
            "street": AreaLevel.DISTRICT,
            "community": AreaLevel.STREET,
            "grid": AreaLevel.COMMUNITY,
        }[self.value]

    @classmethod
    def of_code(cls, code: str) -> AreaLevel:
        """The level an area code belongs to, from its length (6/9/12/15 digits)."""

        if not isinstance(code, str) or not code.isascii() or not code.isdigit():
            raise InvalidInput(f"区域编码必须是数字：{code!r}", {"code": code})
        for level in cls:
            if len(code) == level.code_length:
                return level
        raise InvalidInput(f"区域编码长度应为 6、9、12 或 15 位：{code}", {"code": code})


@dataclass(frozen=True, slots=True, order=True)
class GridCode:
    """A validated 15-digit unit grid code."""

    value: str

    def __post_init__(self) -> None:
        v = self.value
        if not isinstance(v, str) or not _GRID_CODE_RE.match(v):
            raise InvalidInput(f"网格编码必须是 15 位数字：{v!r}", {"code": v})
        if v[0] == "0":
            raise InvalidInput(f"网格编码的行政区划代码无效：{v[:6]}", {"code": v})
        if v[6:9] == "000":
            raise InvalidInput(f"网格编码的街道段不能为 000：{v}", {"code": v})
        if v[9:12] == "000":
            raise InvalidInput(f"网格编码的社区段不能为 000：{v}", {"code": v})
        if v[12:15] == "000":
            raise InvalidInput(f"网格编码的顺序号不能为 000：{v}", {"code": v})

    @classmethod
    def parse(cls, value: object) -> GridCode:
        if isinstance(value, GridCode):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise InvalidInput(f"网格编码必须是 15 位数字：{value!r}", {"code": repr(value)})
        return cls(value.strip())

    @classmethod
    def build(cls, division: str, street: int, community: int, sequence: int) -> GridCode:
        for name, part, top in (
            ("街道", street, 999),
            ("社区", community, 999),
            ("网格顺序号", sequence, 999),
        ):
            if not 1 <= part <= top:
                raise InvalidInput(f"{name}编号必须在 1 到 {top} 之间（收到 {part}）", {"value": part})
        return cls(f"{division}{street:03d}{community:03d}{sequence:03d}")

    @property
    def division_code(self) -> str:
        """6-digit administrative division (GB/T 2260), e.g. the district's adcode."""
        return self.value[:6]

    @property
    def street_code(self) -> str:
        """9 digits: division + street."""
        return self.value[:9]

    @property
    def community_code(self) -> str:
        """12 digits: division + street + community."""
        return self.value[:12]

    @property
    def sequence(self) -> int:
        return int(self.value[12:])

    def __str__(self) -> str:
        return self.value
