"""REST for supervision and evaluation: tickets (督导单), hot spots (难点点位 / 挂牌督办), indicators,
rankings (红蓝旗), the daily and monthly papers, notices. Thin: parse, call a service, shape."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from citysteward.kernel import periods as kernel_periods
from citysteward.org.deps import CurrentStaff
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import Id, LongText, PathId, Text, Version
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.tickets import TicketAction
from citysteward.supervision.services import hotspots as hotspot_service
from citysteward.supervision.services import tickets as supervision_service

router = APIRouter(prefix="/api/v1", tags=["supervision"])


def _day_bounds(rt: Runtime, date_from: date | None, date_to: date | None) -> dict[str, Any]:
    if not date_from and not date_to:
        return {}
    first = date_from or date(2000, 1, 1)
    last = date_to or rt.now().astimezone(rt.settings.tz).date()
    period = kernel_periods.Period.days(first, last, rt.settings.tz)
    return {"start": period.start, "end": period.end}


# ---------------------------------------------------------------- bodies
class TicketBody(BaseModel):
    level: Text = Field("white", description="white 白色 | yellow 黄色 | red 红色")
    title: Text = Field(..., max_length=200)
    content: LongText = Field(..., max_length=4000)
    unit_ids: list[Id] = Field(..., min_length=1, max_length=10, description="一个或多个责任单位（双交办）")
    case_nos: list[Text] = Field(default_factory=list, max_length=200)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    crs: str = Field("wgs84", pattern="^(wgs84|gcj02|bd09)$")
    address: Text = Field("", max_length=200)
    deadline: datetime | None = Field(None, description="整改期限（带时区）；不填则按级别默认时限")
    limit_hours: float | None = Field(None, gt=0, le=8760)


class TicketActionBody(BaseModel):
    note: LongText = Field("", max_length=4000)
    version: Version | None = None


class ListingBody(BaseModel):
    category_code: Text = Field(..., max_length=16)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    crs: str = Field("wgs84", pattern="^(wgs84|gcj02|bd09)$")
    owner_unit_id: Id
    measure: LongText = Field(..., min_length=1, max_length=4000, description="长效治理措施")
    address: Text = Field("", max_length=200)
    case_nos: list[Text] = Field(default_factory=list, max_length=200)
    recurrences: int = Field(0, ge=0, le=100000)
    radius_m: float | None = Field(None, ge=1, le=5000)
    ticket_level: Text | None = Field(None, description="同时下发督导单的级别（可选）")


class NoteBody(BaseModel):
    note: LongText = Field(..., min_length=1, max_length=2000)


# ---------------------------------------------------------------- tickets
@router.get("/tickets", summary="督导单台账（级别、状态、单位、时间段筛选，含分级统计）")
def list_tickets(
    rt: RuntimeDep, user: CurrentStaff,
    level: Annotated[list[str] | None, Query(description="white | yellow | red")] = None,
    state: Annotated[list[str] | None, Query()] = None,
    unit: Annotated[list[Id] | None, Query()] = None,
    source: Annotated[list[str] | None, Query(description="manual | auto | hotspot")] = None,
    date_from: Annotated[date | None, Query(description="下发日期起（含）")] = None,
    date_to: Annotated[date | None, Query(description="下发日期止（含）")] = None,
    overdue: bool | None = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    filters = {"level": level, "state": state, "unit": unit, "source": source, "overdue": overdue,
               **_day_bounds(rt, date_from, date_to)}
    return supervision_service.list_tickets(rt, user.actor, filters, page, page_size)


@router.get("/tickets/summary", summary="督导单统计（按级别、状态、单位）")
def ticket_summary(
    rt: RuntimeDep, user: CurrentStaff,
    unit: Annotated[list[Id] | None, Query()] = None,
    date_from: date | None = None, date_to: date | None = None,
) -> dict[str, Any]:
    return supervision_service.ticket_summary(rt, user.actor, {"unit": unit, **_day_bounds(rt, date_from, date_to)})


@router.post("/tickets", status_code=201, summary="下发督导单（单个/多个案件或地点，一个或多个单位）")
def issue_ticket(body: TicketBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    data = supervision_service.TicketInput(
        level=body.level, title=body.title, content=body.content, unit_ids=tuple(body.unit_ids),
        case_nos=tuple(body.case_nos), lon=body.lon, lat=body.lat, crs=body.crs, address=body.address,
        deadline=body.deadline, limit_hours=body.limit_hours)
    return supervision_service.issue_ticket(rt, user.actor, data)


@router.get("/tickets/{ticket_no}", summary="督导单详情、回复与办理记录")
def ticket_detail(ticket_no: str, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return supervision_service.ticket_detail(rt, ticket_no, user.actor)


def _ticket_endpoint(action: TicketAction) -> Any:
    def endpoint(ticket_no: str, body: TicketActionBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
        return supervision_service.ticket_action(rt, ticket_no, action, user.actor, body.note, body.version)

    endpoint.__name__ = f"ticket_{action.value}"
    return endpoint


for _action in (TicketAction.REPLY, TicketAction.ACCEPT, TicketAction.SEND_BACK, TicketAction.CANCEL):
    router.add_api_route(f"/tickets/{{ticket_no}}/{_action.value}", _ticket_endpoint(_action), methods=["POST"],
                         summary=f"{_action.label}（{_action.value}）", tags=["supervision"])


# ---------------------------------------------------------------- hot spots
@router.get("/hotspots", summary="反复反弹的难点点位（同一地点同类问题闭环后再次上报；限督查员、领导、管理员和责任单位）")
def find_hotspots(
    rt: RuntimeDep, user: CurrentStaff,
    date_from: date | None = None, date_to: date | None = None,
    category: str | None = None,
    distance_m: Annotated[float | None, Query(description="米；上限见难点点位配置 max_distance_m")] = None,
    window_days: Annotated[float | None, Query(description="天；上限见难点点位配置 max_window_days")] = None,
    min_recurrences: Annotated[int | None, Query(description="下限见难点点位配置 min_recurrences_floor")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    bounds = _day_bounds(rt, date_from or date_to, date_to)  # no date_from: the configured look-back before date_to
    return hotspot_service.find(rt, user.actor, date_from=bounds.get("start") if date_from else None,
                                date_to=bounds.get("end"),
                                category=category, distance_m=distance_m, window_days=window_days,
                                min_recurrences=min_recurrences, limit=limit)


@router.post("/hotspots/listed", status_code=201, summary="挂牌督办（指定牵头单位和长效措施）")
def list_hotspot(body: ListingBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    data = hotspot_service.ListingInput(
        category_code=body.category_code, lon=body.lon, lat=body.lat, crs=body.crs, owner_unit_id=body.owner_unit_id,
        measure=body.measure, address=body.address, case_nos=tuple(body.case_nos), recurrences=body.recurrences,
        radius_m=body.radius_m, ticket_level=body.ticket_level)
    return hotspot_service.list_hotspot(rt, user.actor, data)


@router.get("/hotspots/listed", summary="挂牌督办点位（是否反弹）")
def listed_hotspots(
    rt: RuntimeDep, user: CurrentStaff,
    state: Annotated[str, Query(pattern="^(listed|delisted|all)$")] = "listed",
) -> list[dict[str, Any]]:
    return hotspot_service.listed(rt, None if state == "all" else state, user.actor)


@router.post("/hotspots/listed/{hotspot_id}/delist", summary="摘牌")
def delist_hotspot(hotspot_id: PathId, body: NoteBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return hotspot_service.delist(rt, user.actor, hotspot_id, body.note)
