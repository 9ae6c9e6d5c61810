"""JSON API of the citizens context: category suggestion, the intake desk's helpers (caller history,
address search, duplicates, one-click correction, merge), and the citizen's side (one-time codes,
my reports, "me too" follows, area alerts, the public list)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from citysteward.catalogue.suggest import services as suggest_services
from citysteward.citizens import domain
from citysteward.citizens import services as citizens
from citysteward.kernel.errors import Unauthorized
from citysteward.org.deps import CurrentStaff
from citysteward.platform.http.client import ClientIP
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.schemas import Text, Version
from citysteward.platform.http.urls import is_https

router = APIRouter(prefix="/api/v1", tags=["citizens"])
COOKIE = domain.COOKIE


# ------------------------------------------------------------------ suggestion
@router.get("/suggest", summary="问题类别建议（智能分拨）：前 3 个类别与紧急隐患提示", tags=["catalogue"])
def suggest(rt: RuntimeDep, text: Annotated[str, Query(max_length=2000)] = "",
            k: Annotated[int, Query(ge=1, le=10)] = 3) -> dict[str, Any]:
    return suggest_services.suggest(rt, text, k).to_json()


@router.get("/problems", summary="市民常见问题（白话分类与对应标准类别）")
def problems() -> list[dict[str, str]]:
    return [{"key": p.key, "label": p.label, "glyph": p.glyph, "colour": p.colour, "code": p.code}
            for p in domain.PROBLEMS]


# ------------------------------------------------------------------ intake desk
@router.get("/intake/callers", summary="来电人历史：同一号码以前反映的问题", tags=["intake"])
def caller_history(rt: RuntimeDep, user: CurrentStaff, phone: Annotated[str, Query(max_length=32)]) -> dict[str, Any]:
    return citizens.caller_history(rt, user.actor, phone)


@router.get("/places/search", summary="地址搜索：道路、社区、网格", tags=["intake"])
def search_places(rt: RuntimeDep, q: Annotated[str, Query(max_length=50)] = "") -> list[dict[str, Any]]:
    return citizens.search_places(rt, q)


@router.get("/intake/{case_no}/duplicates", summary="疑似重复：附近、近期、描述相似、相关类别", tags=["intake"])
def duplicates(rt: RuntimeDep, user: CurrentStaff, case_no: str) -> list[dict[str, Any]]:
    return citizens.duplicates_of(rt, user.actor, case_no)


class RegisterBody(BaseModel):
    category_code: Text = Field(max_length=16)
    urgency: Text | None = Field(default=None, max_length=16)
    version: Version | None = None


@router.post("/intake/{case_no}/register", summary="按所选类别立案（与建议不同时记为训练数据）", tags=["intake"])
def register(rt: RuntimeDep, user: CurrentStaff, case_no: str, body: RegisterBody) -> dict[str, Any]:
    return citizens.correct_and_register(rt, case_no, user.actor, body.category_code, body.version, body.urgency)


class MergeBody(BaseModel):
    into: Text = Field(max_length=32)
    version: Version | None = None


@router.post("/intake/{case_no}/merge", summary="合并重复：保留并通知双方反映人", tags=["intake"])
def merge(rt: RuntimeDep, user: CurrentStaff, case_no: str, body: MergeBody) -> dict[str, Any]:
    return citizens.merge_duplicate(rt, case_no, body.into, user.actor, body.version)


# ------------------------------------------------------------------ the citizen's side
class PhoneBody(BaseModel):
    phone: Text = Field(max_length=32)


class VerifyBody(BaseModel):
    phone: Text = Field(max_length=32)
    code: Text = Field(max_length=12)


def _phone(request: Request, rt: Any) -> str:
    phone = citizens.session_phone(rt, request.cookies.get(COOKIE))
    if phone is None:
        raise Unauthorized("请先用手机验证码验证手机号")
    return phone


@router.post("/citizen/code", status_code=202, summary="发送手机验证码")
def send_code(rt: RuntimeDep, client: ClientIP, body: PhoneBody) -> dict[str, Any]:
    phone = citizens.send_code(rt, body.phone, client)
    return {"phone": phone[:3] + "****" + phone[-4:], "expires_in_s": int(domain.CODE_TTL.total_seconds())}


@router.post("/citizen/verify", summary="验证手机验证码（设置本设备的登录 Cookie）")
def verify(request: Request, response: Response, rt: RuntimeDep, body: VerifyBody) -> dict[str, Any]:
    phone, token = citizens.verify_code(rt, body.phone, body.code)
    response.set_cookie(COOKIE, token, max_age=int(domain.SESSION_TTL.total_seconds()), httponly=True,
                        samesite="lax", path="/", secure=is_https(request.scope, rt.settings))
    return {"phone": phone[:3] + "****" + phone[-4:], "verified": True}


@router.get("/citizen/reports", summary="我的反映（已验证手机号）")
def my_reports(request: Request, rt: RuntimeDep) -> dict[str, Any]:
    phone = _phone(request, rt)
    return {"items": citizens.my_reports(rt, phone), "messages": citizens.my_messages(rt, phone)}


@router.post("/citizen/follow/{case_no}", summary="我也遇到，并关注进度（已验证手机号）")
def follow(request: Request, rt: RuntimeDep, case_no: str) -> dict[str, Any]:
    return citizens.follow(rt, _phone(request, rt), case_no)


class AlertBody(BaseModel):
    email: Text = Field(max_length=200)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    radius_m: int | None = None
    grid_code: Text | None = Field(default=None, max_length=15)
    on_new: bool = True
    on_closed: bool = True


@router.post("/alerts", status_code=201, summary="订阅区域提醒（半径或网格，电子邮件）")
def add_alert(request: Request, rt: RuntimeDep, body: AlertBody) -> dict[str, Any]:
    phone = citizens.session_phone(rt, request.cookies.get(COOKIE))
    alert = citizens.add_alert(rt, citizens.AlertInput(**body.model_dump()), phone)
    return {"id": alert.id, "area": alert.area_label, "email": alert.email, "unsubscribe": f"/alerts/off/{alert.token}"}


@router.get("/public/reports", summary="公开的问题列表（仅公开字段）")
def public_reports(rt: RuntimeDep, state: Annotated[str | None, Query(max_length=16)] = None,
                   category: Annotated[str | None, Query(max_length=16)] = None,
                   area: Annotated[str | None, Query(max_length=15)] = None,
                   page: Annotated[int, Query(ge=1, le=100000)] = 1,
                   page_size: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    return citizens.public_list(rt, state, category, area, page, page_size)
