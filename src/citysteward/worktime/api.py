"""Request bodies of the REST API (Pydantic); responses are plain dicts from services."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import Field

from citysteward.kernel.errors import InvalidInput
from citysteward.org.deps import AdminUser
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import Strict, Text
from citysteward.worktime import services as calendar


class CalendarDayBody(Strict):
    day: date
    kind: Literal["holiday", "workday"] | None = Field(description="holiday 放假 / workday 调休上班 / null 恢复常规")
    name: Text = Field(default="", max_length=64)


class ScheduleBody(Strict):
    name: Text = Field(min_length=1, max_length=64)
    start_md: str = Field(pattern=r"^\d{2}-\d{2}$")
    end_md: str = Field(pattern=r"^\d{2}-\d{2}$")
    periods: Text = Field(min_length=3, max_length=200, description="例如 08:30-12:00,14:30-18:00")
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])

router = APIRouter(prefix="/api/v1")


# ---------------------------------------------------------------- calendar
@router.get("/calendar/{year}", tags=["calendar"], summary="某年工作日历（节假日、调休、作息时间）")
def calendar_year(year: int, rt: RuntimeDep) -> dict[str, Any]:
    if not 2000 <= year <= 2100:
        raise InvalidInput("年份应在 2000–2100 之间")
    return calendar.calendar_view(rt, year)


@router.post("/calendar/{year}/import", tags=["calendar"], summary="导入一年的节假日（chinesecalendar 或 CSV）")
async def import_calendar(year: int, request: Request, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    if not 2000 <= year <= 2100:
        raise InvalidInput("年份应在 2000–2100 之间")
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # never store it garbled
        raise InvalidInput("日历文件应为 UTF-8 编码的 CSV", {"field": "body"}) from exc
    return calendar.import_year(rt, user.actor, year, text if text.strip() else None)


@router.put("/calendar/days", tags=["calendar"], summary="设置某天为放假/调休上班/常规")
def set_day(body: CalendarDayBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    calendar.set_day(rt, user.actor, body.day, body.kind, body.name)
    return {"ok": True}


@router.put("/calendar/schedules", tags=["calendar"], summary="设置作息时间表（可分夏季/冬季）")
def set_schedules(body: list[ScheduleBody], rt: RuntimeDep, user: AdminUser) -> list[dict[str, Any]]:
    saved = calendar.set_schedules(rt, user.actor, [b.model_dump() for b in body])
    return [calendar.schedule_dict(s) for s in saved]
