"""REST for supervision and evaluation: tickets (督导单), hot spots (难点点位 / 挂牌督办), indicators,
rankings (红蓝旗), the daily and monthly papers, notices. Thin: parse, call a service, shape."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from citysteward.notify import services as notify
from citysteward.org.deps import AdminUser, CurrentStaff
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import Id, PathId, Text

router = APIRouter(prefix="/api/v1", tags=["supervision"])


class ContactsBody(BaseModel):
    emails: list[Text] = Field(default_factory=list, max_length=20)


# ---------------------------------------------------------------- notices
@router.get("/notices", summary="站内通知（本人及本单位）")
def notices(
    rt: RuntimeDep, user: CurrentStaff, unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, before_id: Id | None = None,
) -> dict[str, Any]:
    return notify.list_notices(rt, user.actor, unread, limit, before_id)


@router.post("/notices/{notice_id}/read", summary="标记通知已读")
def read_notice(notice_id: PathId, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return notify.mark_read(rt, user.actor, notice_id)


@router.put("/notify/contacts/{unit_id}", summary="设置单位接收通知的邮箱（系统管理员）")
def set_contacts(unit_id: PathId, body: ContactsBody, rt: RuntimeDep, user: AdminUser) -> dict[str, Any]:
    return notify.set_unit_contacts(rt, user.actor, unit_id, body.emails)


@router.get("/notify/outbox", summary="待发送通知队列状态（系统管理员）")
def outbox(rt: RuntimeDep, user: AdminUser) -> dict[str, int]:
    return notify.outbox_status(rt)
