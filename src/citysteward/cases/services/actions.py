"""Case actions, detail and ledger: every state change goes through the domain's one table, under
optimistic concurrency, in one transaction with its event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from citysteward.assets.services import components as component_services
from citysteward.cases.domain.access import REPORTER_ACTIONS, is_reporter, may_act_on, visible_ledger
from citysteward.cases.domain.case import PUBLIC_NOTE_ACTIONS, Case, Event
from citysteward.cases.domain.ledger import COUNT_CAP, MAX_PAGE_SIZE, CaseFilter
from citysteward.cases.domain.ledger import ORDERS as LEDGER_ORDERS
from citysteward.cases.domain.lifecycle import ActionParams, Timing, allowed_actions, apply_action
from citysteward.cases.domain.model import Action, CaseState, Satisfaction, Source
from citysteward.cases.domain.plain import plain_state, plain_step
from citysteward.cases.domain.routing import RoutingDecision, place_of, record_suggestion, route_case
from citysteward.cases.ports import CasesUnitOfWork, glances, unit_of_work
from citysteward.cases.services import rules as cases_services_rules
from citysteward.cases.services.detail import CaseDetail, PhotoView, Suggestion, TimelineEntry, UnitRef
from citysteward.catalogue import services as catalogue_services
from citysteward.catalogue.domain.categories import Urgency
from citysteward.geography import services as geography_services
from citysteward.kernel import deadlines
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.cells import cell_of, cells_within
from citysteward.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, StaleCase
from citysteward.kernel.privacy import mask_name, mask_phone
from citysteward.kernel.timelimit import TimeLimit
from citysteward.notify import services as notify_services
from citysteward.org.services import access, accounts
from citysteward.platform.runtime import Runtime
from citysteward.platform.stamped import SharedAnswer, StampedCache
from citysteward.worktime import services as worktime_services


@dataclass(frozen=True, slots=True)
class ActionInput:
    version: int | None
    note: str = ""
    unit_id: int | None = None
    assisting_unit_ids: tuple[int, ...] = ()
    override_reason: str = ""
    extension: dict[str, Any] | None = None
    merged_into: str | None = None
    satisfaction: str | None = None
    photo_ids: tuple[int, ...] = ()
    category_code: str | None = None
    urgency: str | None = None
    token: str | None = None  # the reporter's tracking token: a citizen's rating or "not fixed" needs it
    client_key: str | None = None  # who says "me too" (services/limits.py): counted once per client and case


def _load(uow: CasesUnitOfWork, case_no: str, actor: Actor, *, lock: bool = False, action: Action | None = None) -> Case:
    case = uow.cases.get(case_no, lock=lock)
    # A unit asking for someone else's case learns nothing, not even that it exists.
    if case is None or not may_act_on(case, actor, action):
        raise NotFound(f"案件 {case_no} 不存在或无权查看", {"case_no": case_no})
    return case


def routing_for(rt: Runtime, case: Case) -> RoutingDecision:
    catalogue = catalogue_services.catalogue(rt)
    place = place_of(case, catalogue.get(case.category_code).class_code)
    names = {**{c: n for c, n in catalogue.class_names.items()}, **{k: v.name for k, v in catalogue.by_code.items()}}
    return route_case(place, cases_services_rules.rules(rt), accounts.unit_names(rt), names, geography_services.area_names(rt))


def perform_action(rt: Runtime, case_no: str, action: Action, actor: Actor, data: ActionInput) -> dict[str, Any]:
    now = rt.now()
    params = ActionParams(
        note=data.note or "",
        unit_id=data.unit_id,
        assisting_unit_ids=tuple(data.assisting_unit_ids),
        override_reason=data.override_reason or "",
        extension=TimeLimit.from_dict(data.extension) if data.extension else None,
        merged_into=data.merged_into,
        satisfaction=_satisfaction(data.satisfaction),
        photo_ids=tuple(data.photo_ids),
    )
    with unit_of_work(rt) as uow:
        case = _load(uow, case_no, actor, lock=True, action=action)
        if actor.role is Role.CITIZEN and action in REPORTER_ACTIONS and not is_reporter(case, data.token):
            raise Forbidden("只有上报人可以评价或反映未解决：请使用提交问题时获得的查询链接",
                            {"field": "token"})
        version = case.version if data.version is None else data.version
        if data.version is not None and data.version != case.version:
            raise StaleCase("案件已被他人更新，请刷新后重试",
                            {"case_no": case_no, "expected_version": data.version, "current_version": case.version})
        extra = _prepare(rt, uow, case, action, data)
        unit_before = case.main_unit_id
        state_before = case.state
        catalogue = catalogue_services.catalogue(rt)
        limit = catalogue.get(case.category_code).limit_for(case.urgency)
        event = apply_action(case, action, actor, now, params, Timing(worktime_services.calendar(rt), limit))
        if extra:
            event = Event(**{**_event_fields(event), "payload": {**event.payload, **extra}})
        if params.photo_ids:
            _claim(uow, case, params.photo_ids)
        uow.cases.save(case, version)
        uow.cases.append_event(event)
        _tell_units(rt, uow, case, action, event, unit_before)
        if case.state is CaseState.CLOSED and state_before is not CaseState.CLOSED and case.id is not None:
            # the case's components (部件) are repaired: state, history and a work order of the repair
            component_services.case_closed(uow, case.id, case.case_no, now, actor.name or actor.role.label,
                                           case.main_unit_id, case.district_code)
        uow.commit()
    return {"case_no": case.case_no, "state": case.state.value, "state_label": case.state.label,
            "version": case.version}


def _tell_units(rt: Runtime, uow: CasesUnitOfWork, case: Case, action: Action, event: Event,
                unit_before: int | None) -> None:
    """In-app notices (消息) to the units a step concerns, in the step's own transaction: the main and
    assisting units on dispatch, the main unit on rework (返工), the unit whose return (回退) was decided."""
    if action not in (Action.DISPATCH, Action.CHECK_FAIL, Action.APPROVE_RETURN, Action.DENY_RETURN):
        return
    name = catalogue_services.catalogue(rt).name(case.category_code)
    key = f"case:{case.id}:{action.value}:{case.version}"
    link = f"/console/cases/{case.case_no}"
    deadline = (f"\n处置期限：{case.deadline.astimezone(rt.settings.tz):%Y-%m-%d %H:%M}" if case.deadline else "")
    place = case.address or ""
    now = event.at
    note = f"\n说明：{event.note}" if event.note else ""
    if action is Action.DISPATCH and case.main_unit_id:
        notify_services.notify_unit(uow, rt.settings, now, case.main_unit_id, f"【派遣】{case.case_no} {name}",
                                    f"{place}{deadline}{note}", link, dedupe=key)
        for unit_id in case.assisting_unit_ids:
            notify_services.notify_unit(uow, rt.settings, now, unit_id, f"【协办】{case.case_no} {name}",
                                        f"{place}{deadline}{note}", link, dedupe=key)
    elif action is Action.CHECK_FAIL and case.main_unit_id:
        notify_services.notify_unit(uow, rt.settings, now, case.main_unit_id,
                                    f"【返工】{case.case_no} {name} 核查未通过，请重新处置", f"{place}{deadline}{note}",
                                    link, dedupe=key)
    elif action in (Action.APPROVE_RETURN, Action.DENY_RETURN) and unit_before:
        verdict = "已同意，案件退回重新派遣" if action is Action.APPROVE_RETURN else "未同意，请继续处置"
        notify_services.notify_unit(uow, rt.settings, now, unit_before, f"【回退】{case.case_no} 回退申请{verdict}",
                                    f"{name} {place}{note}", link, dedupe=key)


def _event_fields(event: Event) -> dict[str, Any]:
    return {name: getattr(event, name) for name in Event.__slots__}


def _satisfaction(value: str | None) -> Satisfaction | None:
    if not value:
        return None
    try:
        return Satisfaction(value)
    except ValueError as exc:
        raise InvalidInput("满意度只能是 satisfied、basically 或 unsatisfied", {"field": "satisfaction"}) from exc


def _prepare(rt: Runtime, uow: CasesUnitOfWork, case: Case, action: Action, data: ActionInput) -> dict[str, Any]:
    """Checks and data that need storage: units exist, merge target is open, routing at registration."""
    extra: dict[str, Any] = {}
    if action is Action.REGISTER:
        if data.category_code and data.category_code != case.category_code:
            catalogue_services.catalogue(rt).get(data.category_code)
            extra["category_changed"] = {"from": case.category_code, "to": data.category_code}
            case.category_code = data.category_code
        if data.urgency:
            try:
                case.urgency = Urgency(data.urgency).value
            except ValueError as exc:
                raise InvalidInput(f"未知的紧急程度：{data.urgency}", {"field": "urgency"}) from exc
        extra["routing"] = record_suggestion(case, routing_for(rt, case))
    if action is Action.DISPATCH:
        for unit_id in (data.unit_id, *data.assisting_unit_ids):
            unit = uow.org.unit(unit_id) if unit_id else None
            if unit_id and (unit is None or not unit["active"]):
                raise InvalidInput(f"责任单位 {unit_id} 不存在或已停用", {"field": "unit_id"})
    if action is Action.ME_TOO and data.client_key:
        assert case.id is not None
        if not uow.cases.add_me_too(case.id, data.client_key, rt.now()):
            raise Conflict("您已对该问题反映过“我也遇到”，同一问题只计一次", {"case_no": case.case_no})
    if action is Action.MERGE and data.merged_into:
        target = uow.cases.get(data.merged_into)
        if target is None or target.state.is_final:
            raise InvalidInput(f"要合并到的案件 {data.merged_into} 不存在或已办结", {"field": "merged_into"})
    return extra


def _claim(uow: CasesUnitOfWork, case: Case, photo_ids: tuple[int, ...]) -> None:
    assert case.id is not None
    for pid in photo_ids:
        row = uow.cases.photo(pid)
        if row is None or row["case_id"] not in (None, case.id):
            raise InvalidInput(f"照片 {pid} 不存在或已属于其他案件", {"field": "photo_ids"})
    uow.cases.link_photos(case.id, photo_ids)


# ------------------------------------------------------------------ reading
def live_light(rt: Runtime, case: Case, now: datetime) -> str | None:
    if not case.state.clock_running or case.deadline is None or not case.limit_minutes:
        return case.light
    clock = deadlines.clock_for(case.limit) if case.limit else "working"
    return deadlines.timer_light(now, case.deadline, case.limit_minutes, clock, worktime_services.calendar(rt)).value


def case_detail(rt: Runtime, case_no: str, actor: Actor) -> CaseDetail:
    with unit_of_work(rt, readonly=True) as uow:
        case = _load(uow, case_no, actor)
        assert case.id is not None
        events = uow.cases.events(case.id)
        photos = uow.cases.photos(case.id)
    units = accounts.unit_names(rt)
    catalogue = catalogue_services.catalogue(rt)
    areas = geography_services.area_names(rt)
    cat = catalogue.by_code.get(case.category_code)
    personal = actor.role.sees_personal_data
    shown = [f for f in ("reporter_name", "reporter_phone") if getattr(case, f)] if personal else []
    if shown:  # the reporter's name and phone in full: the access log says who saw them
        access.record_view(rt, actor, "case", case.case_no, shown)
    light = live_light(rt, case, rt.now())
    return CaseDetail(
        case_no=case.case_no, id=case.id, version=case.version, state=case.state, source=case.source,
        category_code=case.category_code, category_name=catalogue.name(case.category_code),
        category_class=cat.class_name if cat else "", urgency=Urgency(case.urgency),
        description=case.description, address=case.address, road=case.road, lon=case.lon, lat=case.lat,
        grid_code=case.grid_code, grid_name=areas.get(case.grid_code), community_code=case.community_code,
        street_code=case.street_code, street_name=areas.get(case.street_code),
        district_code=case.district_code, district_name=areas.get(case.district_code),
        main_unit_id=case.main_unit_id, main_unit_name=units.get(case.main_unit_id or 0),
        assisting_units=tuple(UnitRef(u, units.get(u)) for u in case.assisting_unit_ids),
        limit=case.limit, deadline=case.deadline, reported_at=case.reported_at, registered_at=case.registered_at,
        dispatched_at=case.dispatched_at, handled_at=case.handled_at, closed_at=case.closed_at,
        updated_at=case.updated_at, overdue=case.overdue, handled_on_time=case.handled_on_time,
        rework_count=case.rework_count, extension_count=case.extension_count, me_too_count=case.me_too_count,
        merged_into=case.merged_into, satisfaction=case.satisfaction, client_id=case.client_id,
        reporter_name=case.reporter_name if personal else mask_name(case.reporter_name),
        reporter_phone=case.reporter_phone if personal else mask_phone(case.reporter_phone),
        light=deadlines.Light(light) if light else None,
        routing=Suggestion(case.suggested_unit_id, units.get(case.suggested_unit_id or 0), case.routing_rule_id,
                           case.routing_reason),
        pending_request=case.pending_request, pending_payload=case.pending_payload,
        allowed_actions=tuple(allowed_actions(case, actor)),
        photos=tuple(PhotoView(p["id"], p["kind"], p["width"], p["height"]) for p in photos),
        timeline=tuple(_timeline_entry(e, units) for e in events),
    )


def _timeline_entry(e: Event, units: dict[int, str]) -> TimelineEntry:
    return TimelineEntry(
        id=e.id, action=e.action, from_state=e.from_state, to_state=e.to_state, actor=e.actor.name,
        role=e.actor.role, unit_id=e.actor.unit_id, unit_name=units.get(e.actor.unit_id or 0), at=e.at,
        note=e.note, payload=e.payload, photo_ids=e.photo_ids,
    )


def public_case(rt: Runtime, case_no: str, token: str | None = None) -> dict[str, Any]:
    """The citizen's view: no personal data, no internal notes, only public steps. With the reporter's
    token the page also offers rating and "not fixed"."""
    with unit_of_work(rt, readonly=True) as uow:
        case = uow.cases.get(case_no.strip())
        if case is None or case.id is None:
            raise NotFound(f"没有找到案件 {case_no}")
        events = uow.cases.events(case.id)
        photos = uow.cases.photos(case.id)
    return {
        "case_no": case.case_no, "state": case.state.value, "state_label": case.state.label,
        "progress": plain_state(case.state), "description": case.description, "merged_into": case.merged_into,
        "category_name": catalogue_services.catalogue(rt).name(case.category_code),
        "address": case.address, "lon": case.lon, "lat": case.lat, "reported_at": case.reported_at,
        "closed_at": case.closed_at, "deadline": case.deadline,
        "main_unit_name": accounts.unit_names(rt).get(case.main_unit_id or 0),
        "satisfaction": case.satisfaction.value if case.satisfaction else None,
        "is_reporter": is_reporter(case, token),
        "can_rate": case.state is CaseState.CLOSED and case.satisfaction is None and is_reporter(case, token),
        "can_reopen": case.state is CaseState.CLOSED and is_reporter(case, token),
        "me_too_count": case.me_too_count,
        "photos": [{"id": p["id"], "kind": p["kind"], "url": f"/api/v1/photos/{p['id']}"} for p in photos],
        "timeline": [
            {"action": e.action.value, "action_label": e.action.label, "state_label": e.to_state.label,
             "step": plain_step(e.action), "at": e.at, "note": e.note if e.action in PUBLIC_NOTE_ACTIONS else ""}
            for e in events if e.public
        ],
    }


# Ledger pages kept per worker under the case table's change stamp (docs/performance.md, "Fifth round").
KEPT_PAGES = 128  # per worker, the least recently used go first: at most ~28 MiB (100 rows and their JSON ≈ 220 KiB)
KEPT_BEFORE_OFFSET = 600  # only a ledger's first pages are kept: exports and deep paging read through
KEPT_PAGE_SIZE = 100  # and pages people read (the console's 20–100 rows), not the map's and exports' 200


def list_cases(
    rt: Runtime, actor: Actor, f: CaseFilter, page: int = 1, page_size: int = 20, order: str = "newest"
) -> dict[str, Any]:
    """A page of the ledger this actor may read (see `access.visible_ledger`).

    Leaders, the command centre and every unit open the same first pages over and over, and between two
    changes to a case they read the same. Each worker keeps the pages it built under the case table's change
    stamp (migration 0016: any committed change to a case, by any worker, changes it) and the reference
    names they were labelled with; the stamp is read first, so a page is never older than the stamp it is
    kept under, and a kept page is served only while the stamp reads the same. The answer is shared: read
    it, do not change it."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"分页参数错误：page ≥ 1，page_size 在 1–{MAX_PAGE_SIZE} 之间")
    if order not in LEDGER_ORDERS:
        raise InvalidInput(f"不支持的排序：{order}")
    visible, offset = visible_ledger(f, actor), (page - 1) * page_size
    keep = offset < KEPT_BEFORE_OFFSET and page_size <= KEPT_PAGE_SIZE
    stamp = glances(rt).cases.change_stamp() if keep else None
    units = accounts.unit_names(rt)
    catalogue = catalogue_services.catalogue(rt)
    areas = geography_services.area_names(rt)
    kept: StampedCache = rt.singleton("cases.ledger_pages", lambda: StampedCache(KEPT_PAGES))
    key, kept_under = (visible, page_size, offset, order), (stamp, units, catalogue, areas)
    if stamp is not None and (hit := kept.get(key, kept_under)) is not None:
        return cast(dict[str, Any], hit[0])
    found = glances(rt).cases.ledger(visible, page_size, offset, order)  # the common shapes: one statement
    if found is None:
        with unit_of_work(rt, readonly=True) as uow:
            found = uow.cases.ledger(visible, page_size, offset, order, COUNT_CAP)
    rows, total = found
    state_label, source_label = CaseState.label_of, Source.label_of
    items = []
    for r in rows:
        items.append({
            **r, "state_label": state_label(r["state"]), "category_name": catalogue.name(r["category_code"]),
            "main_unit_name": units.get(r["main_unit_id"] or 0), "district_name": areas.get(r["district_code"]),
            "street_name": areas.get(r["street_code"]), "source_label": source_label(r["source"]),
            "light_label": deadlines.Light(r["light"]).label if r["light"] else None,
        })
    capped = total > COUNT_CAP
    listed = SharedAnswer(items=items, total=min(total, COUNT_CAP), total_capped=capped, page=page,
                          page_size=page_size)
    if stamp is not None:
        # The names are kept with the page, so their ids (in `kept_under`) cannot pass to newer names.
        kept.put(key, kept_under, (listed, units, catalogue, areas))
    return listed


def nearby_open_cases(rt: Runtime, lon: float, lat: float, category_code: str | None, limit: int = 10) -> list[dict[str, Any]]:
    """Open reports around a point (the citizen's "me too" prompt, the acceptor's duplicate check)."""
    cells = sorted(cells_within(cell_of(lon, lat), 1))
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.cases.nearby_open(cells, category_code, limit)
    catalogue = catalogue_services.catalogue(rt)
    return [{"case_no": r["case_no"], "category_name": catalogue.name(r["category_code"]),
             "description": r["description"][:80], "address": r["address"], "state_label": CaseState(r["state"]).label,
             "reported_at": r["reported_at"], "me_too_count": r["me_too_count"], "lon": r["lon"], "lat": r["lat"]}
            for r in rows]
