"""Request bodies of the REST API (Pydantic); responses are plain dicts from services."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from citysteward.platform.http.schemas import MAX_SMALL, ExtensionBody, Id, LongText, Strict, Text


class ReportBody(Strict):
    category_code: Text = Field(min_length=1, max_length=16, description="问题类别编码")
    description: LongText = Field(min_length=1, max_length=4000, description="问题描述")
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    crs: Literal["wgs84", "gcj02", "bd09"] = "wgs84"
    address: Text = Field(default="", max_length=200)
    road: Text | None = Field(default=None, max_length=100)
    urgency: Literal["normal", "urgent", "critical"] | None = None
    reporter_name: Text | None = Field(default=None, max_length=64)
    reporter_phone: Text | None = Field(default=None, max_length=32)
    source: Literal["citizen", "hotline", "inspector", "system", "open311", "sensor"] | None = None
    photo_ids: list[Id] = Field(default_factory=list, max_length=6)
    self_handled: bool = False
    component_id: Id | None = Field(default=None, description="问题所涉部件（部件编号，须属于问题类别对应的部件类）")


class ActionBody(Strict):
    version: int = Field(ge=1, le=MAX_SMALL, description="案件当前版本号（乐观锁）；过期版本返回 409")
    note: LongText = Field(default="", max_length=4000)
    unit_id: Id | None = None
    assisting_unit_ids: list[Id] = Field(default_factory=list, max_length=20)
    override_reason: LongText = Field(default="", max_length=500)
    extension: ExtensionBody | None = None
    merged_into: Text | None = Field(default=None, max_length=32)
    photo_ids: list[Id] = Field(default_factory=list, max_length=12)
    category_code: Text | None = Field(default=None, max_length=16)
    urgency: Literal["normal", "urgent", "critical"] | None = None


class RateBody(Strict):
    satisfaction: Literal["satisfied", "basically", "unsatisfied"]
    note: LongText = Field(default="", max_length=1000)
    token: Text = Field(min_length=1, max_length=64, description="提交问题时返回的查询凭证 public_token")


class ReopenBody(Strict):
    note: LongText = Field(min_length=1, max_length=1000)
    token: Text = Field(min_length=1, max_length=64, description="提交问题时返回的查询凭证 public_token")
