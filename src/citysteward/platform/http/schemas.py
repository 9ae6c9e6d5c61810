"""Request bodies of the REST API (Pydantic); responses are plain dicts from services."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.text import clean_text


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _text_rule(multiline: bool) -> AfterValidator:
    """`kernel.text.clean_text` as a Pydantic check: a 422 naming the field (type `control_character`)."""

    def check(value: str) -> str:
        try:
            return clean_text(value, multiline=multiline)
        except InvalidInput as exc:
            raise PydanticCustomError("control_character", "contains control character {char}",
                                      {"char": exc.detail["char"]}) from None

    return AfterValidator(check)


# Every str a person types into a request body is one of these (not for passwords: never shown, never altered).
Text = Annotated[str, _text_rule(multiline=False)]  # one line: names, addresses, titles, codes
LongText = Annotated[str, _text_rule(multiline=True)]  # descriptions, notes, measures


class ExtensionBody(Strict):
    """A time limit or an extension: an amount in working hours, working days or natural hours."""

    amount: float = Field(gt=0, le=10000)
    unit: Literal["working_hours", "working_days", "natural_hours"]


# -- ids: every row id a request names (path, query or body) is this one bounded type. 2**53 stays exact
# in JavaScript clients and far inside SQLite's and PostgreSQL's BIGINT: a bigger number is a 422, never an
# overflow in the database driver (a 500).
MAX_ID = 2**53
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="编号（正整数）")]
# Small counters stored in INTEGER columns (versions, counts): bounded by the narrower column.
MAX_SMALL = 2**31 - 1
Version = Annotated[int, Field(ge=0, le=MAX_SMALL)]

# -- the Idempotency-Key header of the report endpoints (REST and Open311), as an OpenAPI parameter
IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    "description": "可选。客户端为每次上报生成的唯一值（建议 UUID）。网络中断后用同一值原样重发，返回第一次的结果"
                   "（同一案件编号），不会重复立案；同一值配不同内容返回 422。保留 24 小时（可配置）。",
}
