"""Request bodies of the REST API (Pydantic); responses are plain dicts from services."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class ReportBody(Strict):
    category_code: str = Field(min_length=1, max_length=16, description="问题类别编码")
    description: str = Field(min_length=1, max_length=4000, description="问题描述")
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    crs: Literal["wgs84", "gcj02", "bd09"] = "wgs84"
    address: str = Field(default="", max_length=200)
    road: str | None = Field(default=None, max_length=100)
    urgency: Literal["normal", "urgent", "critical"] | None = None
    reporter_name: str | None = Field(default=None, max_length=64)
    reporter_phone: str | None = Field(default=None, max_length=32)
    source: Literal["citizen", "hotline", "inspector", "system", "open311", "sensor"] | None = None
    photo_ids: list[int] = Field(default_factory=list, max_length=6)
    self_handled: bool = False


class ExtensionBody(Strict):
    amount: float = Field(gt=0, le=10000)
    unit: Literal["working_hours", "working_days", "natural_hours"]


class ActionBody(Strict):
    version: int = Field(ge=1, description="案件当前版本号（乐观锁）；过期版本返回 409")
    note: str = Field(default="", max_length=4000)
    unit_id: int | None = None
    assisting_unit_ids: list[int] = Field(default_factory=list, max_length=20)
    override_reason: str = Field(default="", max_length=500)
    extension: ExtensionBody | None = None
    merged_into: str | None = Field(default=None, max_length=32)
    photo_ids: list[int] = Field(default_factory=list, max_length=12)
    category_code: str | None = Field(default=None, max_length=16)
    urgency: Literal["normal", "urgent", "critical"] | None = None


class RateBody(Strict):
    satisfaction: Literal["satisfied", "basically", "unsatisfied"]
    note: str = Field(default="", max_length=1000)
    token: str = Field(min_length=1, max_length=64, description="提交问题时返回的查询凭证 public_token")


class ReopenBody(Strict):
    note: str = Field(min_length=1, max_length=1000)
    token: str = Field(min_length=1, max_length=64, description="提交问题时返回的查询凭证 public_token")


class UnitBody(Strict):
    name: str = Field(min_length=1, max_length=100)
    code: str = Field(min_length=1, max_length=32)
    kind: str = "other"
    district_code: str | None = Field(default=None, max_length=6)
    phone: str | None = Field(default=None, max_length=32)
    active: bool = True


class UnitPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    kind: str | None = None
    district_code: str | None = None
    phone: str | None = None
    active: bool | None = None


class UserBody(Strict):
    username: str = Field(min_length=3, max_length=64)
    password: str = Field(min_length=8, max_length=200)
    display_name: str = Field(default="", max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    role: str
    unit_id: int | None = None


class UserPatch(Strict):
    display_name: str | None = Field(default=None, max_length=64)
    phone: str | None = None
    role: str | None = None
    unit_id: int | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)


class CategoryPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    active: bool | None = None
    same_day: bool | None = None
    default_urgency: Literal["normal", "urgent", "critical"] | None = None
    limits: dict[Literal["normal", "urgent", "critical"], ExtensionBody] | None = None
    attributes: list[dict[str, Any]] | None = None


class RuleBody(Strict):
    main_unit_id: int
    assisting_unit_ids: list[int] = Field(default_factory=list)
    category_code: str | None = None
    category_class: str | None = None
    grid_code: str | None = None
    area_code: str | None = None
    road: str | None = None
    note: str = Field(default="", max_length=200)
    active: bool = True


class RulePatch(Strict):
    main_unit_id: int | None = None
    assisting_unit_ids: list[int] | None = None
    category_code: str | None = None
    category_class: str | None = None
    grid_code: str | None = None
    area_code: str | None = None
    road: str | None = None
    note: str | None = None
    active: bool | None = None


class CalendarDayBody(Strict):
    day: date
    kind: Literal["holiday", "workday"] | None = Field(description="holiday 放假 / workday 调休上班 / null 恢复常规")
    name: str = Field(default="", max_length=64)


class ScheduleBody(Strict):
    name: str = Field(min_length=1, max_length=64)
    start_md: str = Field(pattern=r"^\d{2}-\d{2}$")
    end_md: str = Field(pattern=r"^\d{2}-\d{2}$")
    periods: str = Field(min_length=3, max_length=200, description="例如 08:30-12:00,14:30-18:00")
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])


class TeamMember(Strict):
    name: str = Field(min_length=1, max_length=50)
    team_role: Literal["party_pioneer", "maintenance", "inspector", "leader"]
    phone: str | None = Field(default=None, max_length=32)
    unit_id: int | None = None
    user_id: int | None = None
