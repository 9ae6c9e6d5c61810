"""Extra questions of a category (附加信息项): what a reporter answers beyond the description.

A category's `attributes` are plain dicts, shaped like Open311 GeoReport v2 attributes:
`{code, datatype, required, description, datatype_description, order, values: [{key, name}],
variable}`. The Open311 service definition publishes them and checks the answers of a POST; the
citizen form asks and checks the same questions with the same two functions here:

- `parse_definitions(raw)` checks and orders the definitions (for the admin who edits them);
- `validate_answers(definitions, answers)` checks a reporter's answers and returns the values to keep.

`variable: false` marks an informational item (a notice shown to the reporter): it takes no answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from citysteward.kernel.errors import InvalidInput

DATATYPES = {
    "string": "单行文字",
    "number": "数字",
    "datetime": "日期时间",
    "text": "多行文字",
    "singlevaluelist": "单选",
    "multivaluelist": "多选",
}
LIST_TYPES = frozenset({"singlevaluelist", "multivaluelist"})
MAX_LENGTH = {"string": 200, "text": 4000}
# Codes travel in form keys (`attribute[code]`): keep them to safe characters.
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")

Answer = str | int | float | list[str]


@dataclass(frozen=True, slots=True)
class AttributeValue:
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class AttributeDef:
    """One question. `order` sorts them; `values` are the choices of a list question."""

    code: str
    datatype: str
    description: str
    required: bool = False
    variable: bool = True
    datatype_description: str = ""
    order: int = 0
    values: tuple[AttributeValue, ...] = ()

    @property
    def label(self) -> str:
        return self.description or self.code

    def to_dict(self) -> dict[str, Any]:
        """The stored shape (and the Open311 shape, less `values` for non-list questions)."""
        data: dict[str, Any] = {
            "variable": self.variable, "code": self.code, "datatype": self.datatype, "required": self.required,
            "datatype_description": self.datatype_description, "order": self.order,
            "description": self.description,
        }
        if self.datatype in LIST_TYPES:
            data["values"] = [{"key": v.key, "name": v.name} for v in self.values]
        return data


def _bool(value: Any, field: str, code: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise InvalidInput(f"附加信息项 {code} 的 {field} 应为 true 或 false", {"code": code, "field": field})


def parse_definition(raw: Mapping[str, Any], position: int = 0) -> AttributeDef:
    if not isinstance(raw, Mapping):
        raise InvalidInput("附加信息项应为对象", {"position": position})
    code = str(raw.get("code") or "").strip()
    if not _CODE.match(code):
        raise InvalidInput(f"附加信息项编码无效：{code or '（空）'}（字母、数字、_.-，最长 64 位）", {"code": code})
    datatype = str(raw.get("datatype") or "string").strip().lower()
    if datatype not in DATATYPES:
        raise InvalidInput(f"附加信息项 {code} 的类型无效：{datatype}（可选：{'、'.join(DATATYPES)}）",
                           {"code": code, "datatype": datatype})
    order = raw.get("order", position + 1)
    try:
        order = int(order)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"附加信息项 {code} 的 order 应为整数", {"code": code}) from exc
    values: list[AttributeValue] = []
    for item in raw.get("values") or ():
        if not isinstance(item, Mapping) or str(item.get("key", "")).strip() == "":
            raise InvalidInput(f"附加信息项 {code} 的选项应为 {{key, name}}", {"code": code})
        key = str(item["key"]).strip()
        if any(v.key == key for v in values):
            raise InvalidInput(f"附加信息项 {code} 的选项重复：{key}", {"code": code, "key": key})
        values.append(AttributeValue(key, str(item.get("name") or key).strip()))
    if datatype in LIST_TYPES and not values:
        raise InvalidInput(f"附加信息项 {code} 是选择题，至少需要一个选项", {"code": code})
    return AttributeDef(
        code=code, datatype=datatype, description=str(raw.get("description") or "").strip(),
        required=_bool(raw.get("required", False), "required", code),
        variable=_bool(raw.get("variable", True), "variable", code),
        datatype_description=str(raw.get("datatype_description") or "").strip(), order=order,
        values=tuple(values) if datatype in LIST_TYPES else (),
    )


def parse_definitions(raw: Iterable[Mapping[str, Any]] | None) -> tuple[AttributeDef, ...]:
    """Check a category's questions: valid codes and types, no duplicate codes; sorted by order."""
    defs = [parse_definition(item, i) for i, item in enumerate(raw or ())]
    seen: set[str] = set()
    for d in defs:
        if d.code in seen:
            raise InvalidInput(f"附加信息项编码重复：{d.code}", {"code": d.code})
        seen.add(d.code)
    return tuple(sorted(defs, key=lambda d: (d.order, d.code)))


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, Sequence):
        return any(_present(v) for v in value)
    return True


def _single(d: AttributeDef, value: Any) -> str:
    if isinstance(value, list | tuple):
        items = [v for v in value if _present(v)]
        if len(items) != 1:
            raise InvalidInput(f"「{d.label}」只能填写一个值", {"field": f"attribute[{d.code}]"})
        value = items[0]
    return str(value).strip()


def _choice(d: AttributeDef, value: str) -> str:
    for v in d.values:
        if value == v.key or value == v.name:  # liberal: the label is understood as well
            return v.key
    allowed = "、".join(f"{v.key}（{v.name}）" for v in d.values)
    raise InvalidInput(f"「{d.label}」的取值无效：{value}（可选：{allowed}）",
                       {"field": f"attribute[{d.code}]", "value": value})


def _number(d: AttributeDef, value: str) -> int | float:
    try:
        number = float(value)
    except ValueError as exc:
        raise InvalidInput(f"「{d.label}」应为数字：{value}", {"field": f"attribute[{d.code}]"}) from exc
    if not math.isfinite(number):
        raise InvalidInput(f"「{d.label}」应为有限的数字", {"field": f"attribute[{d.code}]"})
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _datetime(d: AttributeDef, value: str) -> str:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise InvalidInput(f"「{d.label}」应为 ISO 8601 日期时间，例如 2026-11-22T08:15:30+08:00",
                           {"field": f"attribute[{d.code}]", "value": value}) from exc


def _clean(d: AttributeDef, value: Any) -> Answer:
    if d.datatype == "multivaluelist":
        items = value if isinstance(value, list | tuple) else [value]
        keys: list[str] = []
        for item in items:
            if _present(item):
                key = _choice(d, str(item).strip())
                if key not in keys:
                    keys.append(key)
        return keys
    text = _single(d, value)
    if d.datatype == "singlevaluelist":
        return _choice(d, text)
    if d.datatype == "number":
        return _number(d, text)
    if d.datatype == "datetime":
        return _datetime(d, text)
    limit = MAX_LENGTH[d.datatype]
    if len(text) > limit:
        raise InvalidInput(f"「{d.label}」不能超过 {limit} 字", {"field": f"attribute[{d.code}]"})
    return text


def validate_answers(definitions: Sequence[AttributeDef], answers: Mapping[str, Any]) -> dict[str, Answer]:
    """Check answers against the questions; return the cleaned values of the answered ones.

    Missing required answers and invalid values raise InvalidInput naming the field as
    `attribute[code]`; answers to unknown or informational items are ignored (clients send extras).
    """
    cleaned: dict[str, Answer] = {}
    for d in definitions:
        if not d.variable:
            continue
        value = answers.get(d.code)
        if not _present(value):
            if d.required:
                raise InvalidInput(f"缺少必填的附加信息：「{d.label}」", {"field": f"attribute[{d.code}]"})
            continue
        cleaned[d.code] = _clean(d, value)
    return cleaned
