"""REST: report intake, the case ledger, case detail and one endpoint per action."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import ValidationError

from citysteward.cases.api.schemas import ActionBody, RateBody, ReopenBody, ReportBody
from citysteward.cases.domain import idempotency
from citysteward.cases.domain.access import STAFF_ACTIONS
from citysteward.cases.domain.ledger import (
    FLAG_WORDS,
    MAX_KEYWORD,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    MAX_UNIT_ID,
    ORDERS,
    QUERY_KEYS,
    parse_case_filter,
)
from citysteward.cases.domain.model import Action, CaseState, Source
from citysteward.cases.services import actions as case_service
from citysteward.cases.services import intake, limits, photos
from citysteward.kernel import geo
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.deadlines import Light
from citysteward.kernel.errors import InvalidInput
from citysteward.org.deps import CurrentStaff, OptionalStaff, actor_of
from citysteward.platform.http import query
from citysteward.platform.http.client import ClientIP
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.errors import describe_validation
from citysteward.platform.http.fastjson import FastJSON
from citysteward.platform.http.schemas import IDEMPOTENCY_KEY_PARAMETER, PathId
from citysteward.platform.runtime import Runtime

router = APIRouter(prefix="/api/v1", tags=["cases"])

_MULTIPART_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ReportBody.model_json_schema(ref_template="#/components/schemas/{model}")},
            "multipart/form-data": {"schema": {
                "type": "object",
                "required": ["category_code", "description", "lon", "lat"],
                "properties": {
                    **{k: {"type": "string"} for k in ReportBody.model_fields if k not in ("photo_ids",)},
                    "photos": {"type": "array", "items": {"type": "string", "format": "binary"}},
                },
            }},
        },
    },
    "parameters": [IDEMPOTENCY_KEY_PARAMETER],
}


async def _report_input(request: Request, rt: Runtime) -> tuple[intake.ReportInput, dict[str, Any]]:
    """JSON, or multipart with up to 6 photos: both end as one ReportBody. Also the request's content as
    a retry must repeat it (fields as validated, photos by hash: a retry may use another boundary)."""
    ctype = request.headers.get("content-type", "")
    uploads: list[photos.PreparedPhoto] = []
    sent: list[tuple[str, str]] = []
    try:
        if ctype.startswith("multipart/form-data") or ctype.startswith("application/x-www-form-urlencoded"):
            form = await request.form(max_files=rt.settings.max_photos_per_report + 1)
            fields = {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "photos"}
            if "self_handled" in fields:
                fields["self_handled"] = fields["self_handled"].lower() in ("1", "true", "on", "yes")  # type: ignore[assignment]
            for key in ("photo_ids",):
                fields.pop(key, None)
            body = ReportBody.model_validate({k: v for k, v in fields.items() if v != ""})
            files = [f for f in form.getlist("photos") if not isinstance(f, str)]
            if len(files) > rt.settings.max_photos_per_report:
                raise InvalidInput(f"每次最多上传 {rt.settings.max_photos_per_report} 张照片", {"field": "photos"})
            for f in files:
                raw = await f.read()
                sent.append((f.filename or "", hashlib.sha256(raw).hexdigest()))
                kind = "after" if body.self_handled and (f.filename or "").startswith("after") else "before"
                uploads.append(await run_in_threadpool(photos.prepare_photo, rt, raw, kind, f.filename or ""))
        else:
            try:
                data = json.loads(await request.body() or b"null")
            except ValueError as exc:
                raise InvalidInput("请求体不是有效的 JSON") from exc
            if not isinstance(data, dict):
                raise InvalidInput("请求体应为 JSON 对象")
            body = ReportBody.model_validate(data)
    except ValidationError as exc:
        message, problems = describe_validation(list(exc.errors()))
        raise InvalidInput(message, problems) from exc
    return intake.ReportInput(
        category_code=body.category_code, description=body.description, lon=body.lon, lat=body.lat,
        crs=body.crs, address=body.address, road=body.road, urgency=body.urgency,
        reporter_name=body.reporter_name, reporter_phone=body.reporter_phone, source=body.source,
        photos=tuple(uploads), photo_ids=tuple(body.photo_ids), self_handled=body.self_handled,
        component_id=body.component_id,
    ), {"body": body.model_dump(mode="json"), "photos": sent}


@router.post("/reports", status_code=201, summary="上报问题（市民/热线/监督员/外部系统）", openapi_extra=_MULTIPART_DOC)
async def create_report(request: Request, response: Response, rt: RuntimeDep, user: OptionalStaff,
                        client: ClientIP) -> dict[str, Any]:
    if user is None:  # anonymous: counted per client address before the body is read
        await run_in_threadpool(limits.admit_anonymous_report, rt, client)
    data, content = await _report_input(request, rt)
    if user is None:  # and per phone number given, from whatever address (issue 15)
        await run_in_threadpool(limits.admit_reporter_phone, rt, data.reporter_phone,
                                request.headers.get(idempotency.HEADER))
    actor = actor_of(user)
    key = idempotency.key_of(request.headers.get(idempotency.HEADER), actor, client, rt.settings.secret_key, content,
                             201)
    # Validation and the grid lookup are in-memory and quick; the write joins the group commit and
    # is awaited without holding a worker thread.
    result = await asyncio.wrap_future(intake.submit_report(rt, data, actor, key))
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return {"case_no": result.case_no, "state": result.state, "grid_code": result.grid_code,
            "version": result.version, "public_token": result.public_token,
            "track_url": f"/track/{result.case_no}?t={result.public_token}"}


FLAG = {"type": "string", "enum": list(FLAG_WORDS)}
_DAY = "本地日期 YYYY-MM-DD（date_to 含当天），或带时区的 ISO 8601 时间"
LEDGER_PARAMETERS = [
    query.parameter("state", "状态，可多选", {"type": "string", "enum": [s.value for s in CaseState]}, many=True),
    query.parameter("category", "问题类别编码，可多选", many=True),
    query.parameter("unit", "主办单位编号，可多选", {"type": "integer", "minimum": 1, "maximum": MAX_UNIT_ID}, many=True),
    query.parameter("grid", "网格编码，可多选", many=True),
    query.parameter("community", "社区编码，可多选", many=True),
    query.parameter("street", "街道（乡镇）编码，可多选", many=True),
    query.parameter("district", "区县编码，可多选", many=True),
    query.parameter("source", "来源，可多选", {"type": "string", "enum": [s.value for s in Source]}, many=True),
    query.parameter("light", "计时灯，可多选", {"type": "string", "enum": [x.value for x in Light]}, many=True),
    query.parameter("date_from", f"上报时间起：{_DAY}"),
    query.parameter("date_to", f"上报时间止：{_DAY}"),
    query.parameter("overdue", "1 只看超期，0 只看未超期", FLAG),
    query.parameter("pending", "1 只看有待审批申请的", FLAG),
    query.parameter("q", "案件编号（前缀）或描述、地址中的文字", {"type": "string", "maxLength": MAX_KEYWORD}),
    query.parameter("page", "页码", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
    query.parameter("page_size", "每页条数", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 20}),
    query.parameter("order", "排序", {"type": "string", "enum": list(ORDERS), "default": "newest"}),
]


@router.get("/cases", summary="问题台账（筛选、分页）", response_model=dict[str, Any],
            openapi_extra={"parameters": LEDGER_PARAMETERS})
async def list_cases(request: Request, rt: RuntimeDep, user: CurrentStaff) -> Response:
    # The query is read by the domain's own parser (one rule for the API and the console), not by
    # sixteen declared FastAPI parameters: their per-value validation was a fifth of the request
    # (docs/performance.md, "Fourth round"). The parameters are documented in `LEDGER_PARAMETERS`.
    params = request.query_params
    f = parse_case_filter({key: params.getlist(key) for key in QUERY_KEYS}, rt.settings.tz)
    page = query.integer(params, "page", 1, 1, MAX_PAGE)
    page_size = query.integer(params, "page_size", 20, 1, MAX_PAGE_SIZE)
    order = query.choice(params, "order", "newest", ORDERS)
    # On the event loop, not in the thread pool: a page is two indexed reads that never wait on a lock
    # (WAL / MVCC) and a few milliseconds of Python; handing it to a thread cost more than the work, in
    # GIL hand-offs between the pool and the loop (docs/performance.md, "Threads").
    return FastJSON(case_service.list_cases(rt, user.actor, f, page, page_size, order))


@router.get("/cases/nearby", summary="附近未办结的同类问题（我也遇到 / 查重）")
def nearby(
    rt: RuntimeDep,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    category: str | None = None,
    crs: Annotated[str, Query(pattern="^(wgs84|gcj02|bd09)$")] = "wgs84",
) -> list[dict[str, Any]]:
    wlon, wlat = geo.to_wgs84(lon, lat, geo.CoordSys(crs))
    return case_service.nearby_open_cases(rt, wlon, wlat, category)


@router.get("/cases/{case_no}", summary="案件详情与处置时间线")
def case_detail(case_no: str, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    return case_service.case_detail(rt, case_no, user.actor).to_json()


def _action_endpoint(action: Action) -> Any:
    def endpoint(case_no: str, body: ActionBody, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
        data = case_service.ActionInput(
            version=body.version, note=body.note, unit_id=body.unit_id,
            assisting_unit_ids=tuple(body.assisting_unit_ids), override_reason=body.override_reason,
            extension=body.extension.model_dump() if body.extension else None, merged_into=body.merged_into,
            photo_ids=tuple(body.photo_ids), category_code=body.category_code, urgency=body.urgency,
        )
        return case_service.perform_action(rt, case_no, action, user.actor, data)

    endpoint.__name__ = f"case_{action.value}"
    return endpoint


for _action in STAFF_ACTIONS:
    router.add_api_route(
        f"/cases/{{case_no}}/{_action.value}", _action_endpoint(_action), methods=["POST"],
        summary=f"{_action.label}（{_action.value}）", tags=["case actions"],
    )


@router.post("/photos", status_code=201, summary="上传照片（处置前/处置后），返回照片编号",
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["photos"], "properties": {
                     "kind": {"type": "string", "enum": ["before", "after"]},
                     "photos": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}})
async def upload_photos(request: Request, rt: RuntimeDep, user: CurrentStaff) -> dict[str, Any]:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidInput("请使用 multipart/form-data 上传照片")
    form = await request.form(max_files=13)
    kind = str(form.get("kind") or "after")
    files = [f for f in form.getlist("photos") if not isinstance(f, str)]
    if not files:
        raise InvalidInput("没有收到照片", {"field": "photos"})
    prepared = [await run_in_threadpool(photos.prepare_photo, rt, await f.read(), kind, f.filename or "")
                for f in files]
    ids = await run_in_threadpool(photos.upload_photos, rt, prepared, user.display_name)
    return {"photo_ids": ids}


@router.get("/photos/{photo_id}", summary="照片文件", response_class=FileResponse)
def get_photo(photo_id: PathId, rt: RuntimeDep) -> FileResponse:
    path, row = photos.photo_file(rt, photo_id)
    return FileResponse(path, media_type=row["content_type"])


# ---------------------------------------------------------------- the citizen's side
public = APIRouter(prefix="/api/v1/public", tags=["citizen"])
CITIZEN = Actor(role=Role.CITIZEN, name="市民")


@public.get("/cases/{case_no}", summary="按案件编号查询进度（不含个人信息）")
def track(case_no: str, rt: RuntimeDep, t: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, Any]:
    return case_service.public_case(rt, case_no, t)


@public.post("/cases/{case_no}/rate", summary="满意度评价")
def rate(case_no: str, body: RateBody, rt: RuntimeDep) -> dict[str, Any]:
    data = case_service.ActionInput(version=None, note=body.note, satisfaction=body.satisfaction, token=body.token)
    return case_service.perform_action(rt, case_no, Action.RATE, CITIZEN, data)


@public.post("/cases/{case_no}/reopen", summary="反映问题未解决（回到核查环节）")
def reopen(case_no: str, body: ReopenBody, rt: RuntimeDep) -> dict[str, Any]:
    data = case_service.ActionInput(version=None, note=body.note, token=body.token)
    return case_service.perform_action(rt, case_no, Action.REOPEN, CITIZEN, data)


@public.post("/cases/{case_no}/me_too", summary="我也遇到（代替重复上报）")
def me_too(case_no: str, rt: RuntimeDep, client: ClientIP) -> dict[str, Any]:
    limits.admit_me_too(rt, client)
    data = case_service.ActionInput(version=None, client_key=limits.client_key(rt, client))
    return case_service.perform_action(rt, case_no, Action.ME_TOO, CITIZEN, data)
