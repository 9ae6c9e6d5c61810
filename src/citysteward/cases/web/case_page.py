"""The case page (案件详情): description, place, photos, the full timeline, why it went to its unit,
and one form for each action this user may take now. A form posts here; a domain error re-renders
the page with the message (a stale version asks the user to refresh)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from citysteward.assets.services import components as component_services
from citysteward.cases.domain.access import is_staff_action
from citysteward.cases.domain.lifecycle import NOTE_REQUIRED
from citysteward.cases.domain.model import TIMED_STATES, Action
from citysteward.cases.services import actions as case_service
from citysteward.cases.services import photos
from citysteward.cases.services.detail import CaseDetail, PhotoView, TimelineEntry
from citysteward.catalogue import services as catalogue_services
from citysteward.catalogue.domain.categories import Urgency
from citysteward.kernel.deadlines import Light
from citysteward.kernel.errors import DomainError, InvalidInput, NotFound, StaleCase
from citysteward.kernel.text import clean_text
from citysteward.kernel.timelimit import LimitUnit, TimeLimit
from citysteward.org.deps import PageUser, Shell
from citysteward.org.services import accounts
from citysteward.org.services.auth import StaffUser
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.errors import status_of
from citysteward.platform.http.pages import PageRoute, render
from citysteward.platform.runtime import Runtime

router = APIRouter(route_class=PageRoute, include_in_schema=False)
A = Action

# What each action's form asks for besides the note (rules as data; the template reads them).
FIELDS: dict[Action, tuple[str, ...]] = {
    A.DISPATCH: ("unit",),
    A.REGISTER: ("category", "urgency"),
    A.MERGE: ("merged_into",),
    A.REQUEST_EXTENSION: ("extension",),
    A.VERIFY: ("photos",),
    A.HANDLE: ("photos",),
    A.CHECK_PASS: ("photos",),
    A.CHECK_FAIL: ("photos",),
}
PHOTO_KIND = {A.VERIFY: "before", A.HANDLE: "after", A.CHECK_PASS: "after", A.CHECK_FAIL: "after"}


@dataclass(frozen=True)
class ActionForm:
    action: Action
    fields: tuple[str, ...]
    note_required: bool
    photo_kind: str | None


@dataclass(frozen=True)
class TimelineRow:
    """One step as the page shows it: the payload in words and the attached photos' addresses."""

    event: TimelineEntry
    lines: list[str]
    photos: list[str]


@dataclass(frozen=True)
class CaseDetailPage:
    shell: Shell
    case: CaseDetail
    actions: list[ActionForm]
    timeline: list[TimelineRow]
    photos_before: list[PhotoView]
    photos_after: list[PhotoView]
    light: Light | None
    units: list[dict[str, Any]] = field(default_factory=list)
    urgencies: list[Urgency] = field(default_factory=lambda: list(Urgency))
    limit_units: list[LimitUnit] = field(default_factory=lambda: list(LimitUnit))
    categories: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""
    stale: bool = False
    done: str = ""
    open_action: str = ""
    posted: dict[str, str] = field(default_factory=dict)
    components: list[Any] = field(default_factory=list)  # the components (部件) the case is about

    @property
    def road_match(self) -> dict[str, Any] | None:
        """The road the pin was placed on (no road typed) and its distance, from the report's payload."""
        return next((m for row in self.timeline if (m := (row.event.payload or {}).get("road_match"))), None)

    @property
    def counters(self) -> list[tuple[str, int]]:
        c = self.case
        pairs = [("返工次数", c.rework_count), ("延期次数", c.extension_count), ("我也遇到", c.me_too_count)]
        return [(k, v) for k, v in pairs if v]

    @property
    def map_config(self) -> dict[str, Any]:
        c = self.case
        return {"lon": c.lon, "lat": c.lat, "community": c.community_code, "grid": c.grid_code}


def _payload_lines(e: TimelineEntry, units: dict[int, str], tz: Any) -> list[str]:
    """The parts of an event's payload a person wants to read, in words."""
    p = e.payload or {}
    lines = []
    if p.get("unit_id"):
        lines.append(f"主办单位：{units.get(p['unit_id'], p['unit_id'])}")
    if p.get("assisting_unit_ids"):
        lines.append("协办单位：" + "、".join(units.get(u, str(u)) for u in p["assisting_unit_ids"]))
    if p.get("override_reason"):
        lines.append(f"改派理由：{p['override_reason']}")
    if p.get("routing", {}).get("reason"):
        lines.append(f"建议派遣：{p['routing']['reason']}")
    if p.get("extension"):
        lines.append(f"延期时长：{TimeLimit.from_dict(p['extension']).label}")
    if p.get("deadline"):
        lines.append(f"处置期限：{datetime.fromisoformat(p['deadline']).astimezone(tz):%Y-%m-%d %H:%M}")
    if p.get("on_time") is not None:
        lines.append("按时处置" if p["on_time"] else "超时处置")
    if p.get("merged_into"):
        lines.append(f"合并到：{p['merged_into']}")
    if p.get("road_match"):
        lines.append(f"按定位识别道路：{p['road_match']['name']}（距中心线 {p['road_match']['distance_m']} 米）")
    if p.get("category_changed"):
        lines.append(f"类别调整：{p['category_changed']['from']} → {p['category_changed']['to']}")
    return lines


def detail_page(rt: Runtime, user: StaffUser, case_no: str, **extra: Any) -> CaseDetailPage:
    detail = case_service.case_detail(rt, case_no, user.actor)
    units = accounts.unit_names(rt)
    photo_urls = {p.id: p.url for p in detail.photos}
    timeline = [TimelineRow(e, _payload_lines(e, units, rt.settings.tz),
                            [photo_urls[i] for i in e.photo_ids if i in photo_urls])
                for e in detail.timeline]
    actions = [ActionForm(a, FIELDS.get(a, ()), a in NOTE_REQUIRED, PHOTO_KIND.get(a))
               for a in detail.allowed_actions if is_staff_action(a)]
    wants = {f for a in actions for f in a.fields}
    return CaseDetailPage(
        shell=Shell.of(user, "cases"), case=detail, actions=actions, timeline=timeline,
        photos_before=[p for p in detail.photos if p.kind == "before"],
        photos_after=[p for p in detail.photos if p.kind == "after"],
        light=detail.light if detail.light and detail.state in TIMED_STATES else None,
        units=[u for u in accounts.list_units(rt) if u["active"]] if "unit" in wants else [],
        categories=sorted((c.code, c.name) for c in catalogue_services.catalogue(rt).by_code.values() if c.active)
        if "category" in wants else [],
        components=component_services.case_components(rt, detail.id) if detail.id is not None else [],
        **extra,
    )


@router.get("/console/cases/{case_no}", response_class=HTMLResponse)
def case_page(request: Request, case_no: str, rt: RuntimeDep, user: PageUser, done: str = "") -> HTMLResponse:
    done_label = Action(done).label if done in Action._value2member_map_ else ""
    return render(request, "console/case.html", detail_page(rt, user, case_no, done=done_label))


def _int(value: Any, what: str) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(f"{what}格式有误")
    return int(text)


async def _action_input(rt: Runtime, user: StaffUser, action: Action, form: FormData) -> case_service.ActionInput:
    extension = None
    if "extension" in FIELDS.get(action, ()):
        amount = str(form.get("extension_amount") or "").strip()
        if not amount:
            raise InvalidInput("请填写延期时长", {"field": "extension"})
        try:
            extension = TimeLimit(float(amount), LimitUnit(str(form.get("extension_unit")))).to_dict()
        except ValueError as exc:
            raise InvalidInput("延期时长格式有误", {"field": "extension"}) from exc
    photo_ids: list[int] = []
    files = [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
    if files and action in PHOTO_KIND:
        if len(files) > rt.settings.max_photos_per_report:
            raise InvalidInput(f"每次最多上传 {rt.settings.max_photos_per_report} 张照片", {"field": "photos"})
        prepared = [await run_in_threadpool(photos.prepare_photo, rt, await f.read(), PHOTO_KIND[action],
                                            f.filename or "") for f in files]
        photo_ids = await run_in_threadpool(photos.upload_photos, rt, prepared, user.display_name)
    return case_service.ActionInput(
        version=_int(form.get("version"), "版本号"),
        note=clean_text(str(form.get("note") or ""), multiline=True, field="note", label="说明"),
        unit_id=_int(form.get("unit_id"), "单位"),
        assisting_unit_ids=tuple(int(str(u)) for u in form.getlist("assisting_unit_ids") if str(u).isdigit()),
        override_reason=clean_text(str(form.get("override_reason") or ""), multiline=True, field="override_reason",
                                   label="改派理由"), extension=extension,
        merged_into=str(form.get("merged_into") or "").strip() or None, photo_ids=tuple(photo_ids),
        category_code=str(form.get("category_code") or "").strip() or None,
        urgency=str(form.get("urgency") or "").strip() or None,
    )


@router.post("/console/cases/{case_no}/act/{action}")
async def act(request: Request, case_no: str, action: str, rt: RuntimeDep, user: PageUser) -> Response:
    if action not in Action._value2member_map_ or not is_staff_action(Action(action)):
        raise NotFound(f"没有「{action}」这个操作")
    chosen = Action(action)
    form = await request.form(max_files=rt.settings.max_photos_per_report + 1)
    try:
        data = await _action_input(rt, user, chosen, form)
        await run_in_threadpool(case_service.perform_action, rt, case_no, chosen, user.actor, data)
    except NotFound:
        raise
    except DomainError as exc:
        posted = {k: v for k, v in form.items() if isinstance(v, str) and k != "version"}
        page = await run_in_threadpool(
            detail_page, rt, user, case_no, error=exc.message, stale=isinstance(exc, StaleCase),
            open_action=chosen.value, posted=posted)
        return render(request, "console/case.html", page, status_code=status_of(exc))
    return RedirectResponse(f"/console/cases/{case_no}?done={chosen.value}", status_code=303)
