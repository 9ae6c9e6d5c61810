"""Supervision tickets (督导单): issue, reply, accept or send back, cancel; the ledger with its counts;
the overdue-ticket escalation the worker runs. Rules: domain/supervision.py."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from citysteward.kernel import geo
from citysteward.kernel.actor import Actor
from citysteward.kernel.cells import cell_of
from citysteward.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from citysteward.kernel.periods import check_moment
from citysteward.notify import services as notify
from citysteward.org.services import accounts, settings
from citysteward.platform.runtime import Runtime
from citysteward.supervision.domain.tickets import (
    ISSUERS,
    SupervisionRules,
    Ticket,
    TicketAction,
    TicketEvent,
    TicketLevel,
    TicketSource,
    TicketState,
    allowed_ticket_actions,
    apply_ticket_action,
    can_view_ticket,
    ledger_summary,
    overdue_step,
    ticket_scope,
)
from citysteward.supervision.ports import SupervisionUnitOfWork, unit_of_work

SETTINGS_KEY = "supervision"
MAX_UNITS = 10
MAX_CASES = 200
MAX_REPLY_PHOTOS = 6


def rules(rt: Runtime) -> SupervisionRules:
    return settings.load(rt, SETTINGS_KEY, SupervisionRules.from_dict)


def set_rules(rt: Runtime, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    return settings.replace(rt, actor, SETTINGS_KEY, data, SupervisionRules.from_dict)


@dataclass(frozen=True, slots=True)
class TicketInput:
    level: str
    title: str
    content: str
    unit_ids: tuple[int, ...]
    case_nos: tuple[str, ...] = ()
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    address: str = ""
    deadline: datetime | None = None
    limit_hours: float | None = None


def ticket_link(ticket_no: str) -> str:
    """Where a notice about a ticket takes people: its page in the console."""
    return f"/console/supervision/tickets/{ticket_no}"


def _number(rt: Runtime, ticket_id: int, at: datetime) -> str:
    return f"{rt.settings.city_prefix}DB{at.astimezone(rt.settings.tz):%Y%m%d}-{ticket_id:05d}"


def issue_in(uow: SupervisionUnitOfWork, rt: Runtime, now: datetime, actor: Actor, *, level: TicketLevel, source: TicketSource,
             title: str, content: str, unit_ids: tuple[int, ...], case_ids: tuple[int, ...] = (),
             lon: float | None = None, lat: float | None = None, address: str = "",
             deadline: datetime | None = None, hotspot_id: int | None = None,
             note: str = "") -> Ticket:
    """Create a ticket, its `issue` event and the units' notices inside the caller's transaction."""
    deadline = deadline or rules(rt).deadline_for(level, now)
    ticket = Ticket(ticket_no="", level=level, state=TicketState.ISSUED, source=source, title=title[:200],
                    content=content, issued_at=now, deadline=deadline, unit_ids=unit_ids,
                    issuer_name=actor.name or actor.role.label, issuer_id=actor.user_id,
                    replies={u: None for u in unit_ids}, case_ids=case_ids, lon=lon, lat=lat,
                    address=address[:200], hotspot_id=hotspot_id, updated_at=now)
    cell = cell_of(lon, lat) if lon is not None and lat is not None else None
    uow.supervision.add_ticket(ticket, cell, lambda i: _number(rt, i, now))
    uow.supervision.append_ticket_event(TicketEvent(
        action=TicketAction.ISSUE, from_state=None, to_state=TicketState.ISSUED, actor=actor, at=now, note=note,
        payload={"level": level.value, "deadline": deadline.isoformat(), "unit_ids": list(unit_ids)},
        ticket_id=ticket.id))
    local = deadline.astimezone(rt.settings.tz)
    for unit_id in unit_ids:
        notify.notify_unit(uow, rt.settings, now, unit_id,
                           f"【{level.label}督导单】{ticket.ticket_no} {title}"[:200],
                           f"{content}\n请于 {local:%Y-%m-%d %H:%M} 前整改并回复。",
                           link=ticket_link(ticket.ticket_no), dedupe=f"ticket:{ticket.id}:issue")
    return ticket


def issue_ticket(rt: Runtime, actor: Actor, data: TicketInput) -> dict[str, Any]:
    if actor.role not in ISSUERS:
        raise Forbidden(f"「{actor.role.label}」不能下发督导单")
    try:
        level = TicketLevel(data.level)
    except ValueError as exc:
        raise InvalidInput("督导级别只能是 white（白色）、yellow（黄色）或 red（红色）", {"field": "level"}) from exc
    title, content = data.title.strip(), data.content.strip()
    if not title or not content:
        raise InvalidInput("请填写督导事项标题和内容", {"field": "title" if not title else "content"})
    unit_ids = tuple(dict.fromkeys(int(u) for u in data.unit_ids))
    if not 1 <= len(unit_ids) <= MAX_UNITS:
        raise InvalidInput(f"请选择 1–{MAX_UNITS} 个责任单位", {"field": "unit_ids"})
    case_nos = tuple(dict.fromkeys(c.strip() for c in data.case_nos if c.strip()))
    if len(case_nos) > MAX_CASES:
        raise InvalidInput(f"一张督导单最多关联 {MAX_CASES} 个案件", {"field": "case_nos"})
    lon = lat = None
    if data.lon is not None and data.lat is not None:
        try:
            lon, lat = geo.to_wgs84(float(data.lon), float(data.lat), geo.CoordSys.parse(data.crs))
        except ValueError as exc:
            raise InvalidInput(f"坐标无效：{exc}", {"field": "lon"}) from exc
    elif data.lon is not None or data.lat is not None:
        raise InvalidInput("地点需要同时填写经度和纬度", {"field": "lon"})
    if not case_nos and lon is None:
        raise InvalidInput("督导单需要关联案件或指定地点", {"field": "case_nos"})
    now = rt.now()
    deadline = data.deadline
    if deadline is not None:
        if deadline.tzinfo is None:
            raise InvalidInput("整改期限需带时区", {"field": "deadline"})
        if deadline <= now:
            raise InvalidInput("整改期限必须晚于当前时间", {"field": "deadline"})
        check_moment(deadline, "deadline")  # year 9999 is a typing error, and overflows zone arithmetic later
    elif data.limit_hours is not None:
        if not 0 < data.limit_hours <= 24 * 365:
            raise InvalidInput("整改时限（小时）应大于 0", {"field": "limit_hours"})
        deadline = now + timedelta(hours=data.limit_hours)
    with unit_of_work(rt) as uow:
        for unit_id in unit_ids:
            unit = uow.org.unit(unit_id)
            if unit is None or not unit["active"]:
                raise InvalidInput(f"责任单位 {unit_id} 不存在或已停用", {"field": "unit_ids"})
        ids = uow.supervision.case_ids(case_nos)
        missing = [c for c in case_nos if c not in ids]
        if missing:
            raise InvalidInput(f"案件不存在：{'、'.join(missing)}", {"field": "case_nos"})
        ticket = issue_in(uow, rt, now, actor, level=level, source=TicketSource.MANUAL, title=title, content=content,
                          unit_ids=unit_ids, case_ids=tuple(ids[c] for c in case_nos), lon=lon, lat=lat,
                          address=data.address.strip(), deadline=deadline)
        uow.commit()
    return _brief(ticket)


def _brief(ticket: Ticket) -> dict[str, Any]:
    return {"ticket_no": ticket.ticket_no, "level": ticket.level.value, "level_label": ticket.level.label,
            "state": ticket.state.value, "state_label": ticket.state.label, "version": ticket.version,
            "deadline": ticket.deadline}


def ticket_action(rt: Runtime, ticket_no: str, action: TicketAction, actor: Actor, note: str = "",
                  version: int | None = None, photo_ids: tuple[int, ...] = ()) -> dict[str, Any]:
    """One move on a ticket. A unit's reply may carry photos uploaded ahead (cases.services.photos
    .upload_photos): their ids go into the reply event, so the ledger shows the rectification."""
    if action in (TicketAction.ISSUE, TicketAction.ESCALATE, TicketAction.OVERDUE):
        raise Forbidden(f"「{action.label}」由系统执行")
    if photo_ids and action is not TicketAction.REPLY:
        raise InvalidInput("只有整改回复可以附照片", {"field": "photo_ids"})
    if len(photo_ids) > MAX_REPLY_PHOTOS:
        raise InvalidInput(f"每次回复最多附 {MAX_REPLY_PHOTOS} 张照片", {"field": "photo_ids"})
    now = rt.now()
    with unit_of_work(rt) as uow:
        ticket = uow.supervision.get_ticket(ticket_no, lock=True)
        if ticket is None or not can_view_ticket(ticket, actor):
            raise NotFound(f"督导单 {ticket_no} 不存在或无权查看", {"ticket_no": ticket_no})
        expected = ticket.version
        if version is not None and version != ticket.version:
            raise _stale(ticket, version)
        event = apply_ticket_action(ticket, action, actor, now, note, rules(rt))
        for pid in photo_ids:
            row = uow.cases.photo(pid)
            if row is None or row["case_id"] is not None:
                raise InvalidInput(f"照片 {pid} 不存在或已属于案件", {"field": "photo_ids"})
        if photo_ids:
            event.payload["photo_ids"] = list(photo_ids)
        uow.supervision.save_ticket(ticket, expected)
        assert ticket.id is not None  # loaded from the store
        if action is TicketAction.REPLY and actor.unit_id is not None:
            uow.supervision.set_reply_text(ticket.id, actor.unit_id, event.note, actor.name)
        uow.supervision.append_ticket_event(event)
        _notify_after(uow, rt, now, ticket, event)
        uow.commit()
    return _brief(ticket)


def _stale(ticket: Ticket, version: int) -> Exception:
    return Conflict("督导单已被他人更新，请刷新后重试",
                    {"ticket_no": ticket.ticket_no, "expected_version": version, "current_version": ticket.version},
                    code="stale_version")


def _notify_after(uow: SupervisionUnitOfWork, rt: Runtime, now: datetime, ticket: Ticket, event: TicketEvent) -> None:
    key = f"ticket:{ticket.id}:{event.action.value}:{ticket.version}"
    link = ticket_link(ticket.ticket_no)
    a = event.action
    if a is TicketAction.REPLY and ticket.issuer_id and ticket.state is TicketState.REPLIED:
        notify.notify_user(uow, now, ticket.issuer_id, f"督导单 {ticket.ticket_no} 已全部回复，待验收",
                           ticket.title, link, dedupe=key)
    elif a is TicketAction.REPLY and ticket.issuer_id:  # 双交办: the supervisor hears of each unit's reply
        unit = uow.org.unit(event.actor.unit_id) if event.actor.unit_id else None
        notify.notify_user(uow, now, ticket.issuer_id,
                           f"督导单 {ticket.ticket_no}：{unit['name'] if unit else '责任单位'}已回复，待其他单位回复",
                           ticket.title, link, dedupe=key)
    elif a in (TicketAction.SEND_BACK, TicketAction.ACCEPT, TicketAction.ESCALATE, TicketAction.CANCEL):
        text = {TicketAction.SEND_BACK: f"督导单 {ticket.ticket_no} 被退回整改：{event.note}",
                TicketAction.ACCEPT: f"督导单 {ticket.ticket_no} 已验收通过",
                TicketAction.ESCALATE: f"督导单 {ticket.ticket_no} 逾期未整改，已升级为{ticket.level.label}督导",
                TicketAction.CANCEL: f"督导单 {ticket.ticket_no} 已撤销：{event.note}"}[a]
        deadline = ticket.deadline.astimezone(rt.settings.tz)
        body = ticket.title + ("" if ticket.state.is_final else f"\n整改期限：{deadline:%Y-%m-%d %H:%M}")
        for unit_id in ticket.unit_ids:
            notify.notify_unit(uow, rt.settings, now, unit_id, text, body, link, dedupe=key)


# ---------------------------------------------------------------- reading
def ticket_detail(rt: Runtime, ticket_no: str, actor: Actor) -> dict[str, Any]:
    with unit_of_work(rt, readonly=True) as uow:
        ticket = uow.supervision.get_ticket(ticket_no)
        if ticket is None or not can_view_ticket(ticket, actor):
            raise NotFound(f"督导单 {ticket_no} 不存在或无权查看", {"ticket_no": ticket_no})
        assert ticket.id is not None  # loaded from the store
        replies = uow.supervision.replies(ticket.id)
        events = uow.supervision.ticket_events(ticket.id)
        case_nos = {}
        for cid in ticket.case_ids:
            case = uow.cases.get_by_id(cid)
            if case is not None:
                case_nos[cid] = case.case_no
    units = accounts.unit_names(rt)
    return {
        **_brief(ticket), "id": ticket.id, "source": ticket.source.value, "source_label": ticket.source.label,
        "level_colour": ticket.level.colour, "title": ticket.title, "content": ticket.content,
        "issued_at": ticket.issued_at, "issuer_name": ticket.issuer_name, "lon": ticket.lon, "lat": ticket.lat,
        "address": ticket.address, "escalations": ticket.escalations, "overdue": ticket.overdue,
        "closed_at": ticket.closed_at, "case_nos": [case_nos[c] for c in ticket.case_ids if c in case_nos],
        "units": [{"unit_id": r["unit_id"], "unit_name": units.get(r["unit_id"]), "replied_at": r["replied_at"],
                   "reply": r["reply"], "replied_by": r["replied_by"]} for r in replies],
        "allowed_actions": [{"action": a.value, "label": a.label} for a in allowed_ticket_actions(ticket, actor)],
        "timeline": [{"action": e["action"], "action_label": TicketAction(e["action"]).label,
                      "to_state": e["to_state"], "to_state_label": TicketState(e["to_state"]).label,
                      "actor": e["actor_name"], "role": e["role"], "unit_id": e["unit_id"], "at": e["at"],
                      "note": e["note"], "payload": e["payload"]} for e in events],
    }


def _filters(rt: Runtime, actor: Actor, f: dict[str, Any]) -> dict[str, Any]:
    f = {k: v for k, v in f.items() if v not in (None, "", [])}
    for key, enum_cls, label in (("level", TicketLevel, "督导级别"), ("state", TicketState, "状态"),
                                 ("source", TicketSource, "来源")):
        for value in f.get(key) or []:
            try:
                enum_cls(value)
            except ValueError as exc:
                raise InvalidInput(f"未知的{label}：{value}", {"field": key}) from exc
    scope = ticket_scope(actor)
    if scope is not None:
        f["unit"] = [scope]
    case_no = str(f.pop("case_no", "") or "").strip()
    if case_no:  # the tickets about one case (the case page links here)
        with unit_of_work(rt, readonly=True) as uow:
            f["case_id"] = uow.supervision.case_ids([case_no]).get(case_no, -1)
    return f


def list_tickets(rt: Runtime, actor: Actor, filters: dict[str, Any], page: int = 1,
                 page_size: int = 20) -> dict[str, Any]:
    """The ticket ledger (督导台账): filters level, state, unit, source, start/end (issue time)."""
    if page < 1 or not 1 <= page_size <= 200:
        raise InvalidInput("分页参数错误：page ≥ 1，page_size 在 1–200 之间")
    f = _filters(rt, actor, filters)
    with unit_of_work(rt, readonly=True) as uow:
        rows, total = uow.supervision.list_tickets(f, page_size, (page - 1) * page_size)
        counts = uow.supervision.ticket_counts(f)
    units = accounts.unit_names(rt)
    items = []
    for r in rows:
        level, state = TicketLevel(r["level"]), TicketState(r["state"])
        items.append({
            "ticket_no": r["ticket_no"], "level": level.value, "level_label": level.label, "level_colour": level.colour,
            "state": state.value, "state_label": state.label, "source": r["source"],
            "source_label": TicketSource(r["source"]).label, "title": r["title"], "issued_at": r["issued_at"],
            "deadline": r["deadline"], "issuer_name": r["issuer_name"], "overdue": r["overdue"],
            "escalations": r["escalations"], "address": r["address"], "case_nos": r.get("case_nos", []),
            "units": [{"unit_id": u["unit_id"], "unit_name": units.get(u["unit_id"]),
                       "replied": u["replied_at"] is not None} for u in r.get("units", [])],
            "version": r["version"],
        })
    return {"items": items, "total": total, "page": page, "page_size": page_size,
            "summary": summarise(counts, units)}


def summarise(counts: dict[str, Any], unit_names: dict[int, str]) -> dict[str, Any]:
    by_level: dict[str, int] = defaultdict(int)
    by_state: dict[str, int] = defaultdict(int)
    for level, state, n in counts["grid"]:
        by_level[level] += n
        by_state[state] += n
    total = sum(by_level.values())
    rectified = by_state.get(TicketState.RECTIFIED.value, 0)
    per_unit: dict[int, dict[str, Any]] = {}
    for unit_id, level, state, n in counts["units"]:
        row = per_unit.setdefault(unit_id, {"unit_id": unit_id, "unit_name": unit_names.get(unit_id, str(unit_id)),
                                            "total": 0, "rectified": 0,
                                            **{lv.value: 0 for lv in TicketLevel}})
        row["total"] += n
        row[level] += n
        if state == TicketState.RECTIFIED.value:
            row["rectified"] += n
    return {
        "total": total,
        "by_level": {lv.value: by_level.get(lv.value, 0) for lv in TicketLevel},
        "by_state": {st.value: by_state.get(st.value, 0) for st in TicketState},
        "rectified": rectified,
        "by_unit": sorted(per_unit.values(), key=lambda r: (-r["total"], r["unit_name"])),
        "text": ledger_summary(total, by_level, rectified),
    }


def ticket_summary(rt: Runtime, actor: Actor, filters: dict[str, Any]) -> dict[str, Any]:
    f = _filters(rt, actor, filters)
    with unit_of_work(rt, readonly=True) as uow:
        counts = uow.supervision.ticket_counts(f)
    return summarise(counts, accounts.unit_names(rt))


# ---------------------------------------------------------------- the worker's part
@dataclass
class TicketSweepResult:
    checked: int = 0
    escalated: int = 0
    overdue: int = 0
    levels: dict[str, int] = field(default_factory=dict)


def escalate_due(rt: Runtime, batch: int = 200) -> TicketSweepResult:
    """Overdue tickets go up one level with a fresh deadline; red ones are marked overdue once. Each
    ticket is re-read under its row lock and re-checked, so a second sweep (or a second worker) does
    nothing."""
    result = TicketSweepResult()
    system = Actor.system("逾期升级")
    sup_rules = rules(rt)
    after = 0
    while True:
        now = rt.now()
        with unit_of_work(rt, readonly=True) as uow:
            ids = uow.supervision.tickets_waiting_past(now, after, batch)
        for ticket_id in ids:
            after = ticket_id
            result.checked += 1
            with unit_of_work(rt) as uow:
                ticket = uow.supervision.get_ticket_by_id(ticket_id, lock=True)
                step = overdue_step(ticket, now) if ticket else None
                if ticket is None or step is None:
                    continue
                expected = ticket.version
                event = apply_ticket_action(ticket, step, system, now, rules=sup_rules)
                uow.supervision.save_ticket(ticket, expected)
                uow.supervision.append_ticket_event(event)
                if step is TicketAction.ESCALATE:
                    _notify_after(uow, rt, now, ticket, event)
                    result.escalated += 1
                    result.levels[ticket.level.value] = result.levels.get(ticket.level.value, 0) + 1
                else:
                    result.overdue += 1
                    for unit_id in ticket.unit_ids:
                        notify.notify_unit(uow, rt.settings, now, unit_id,
                                           f"红色督导单 {ticket.ticket_no} 已逾期", ticket.title,
                                           ticket_link(ticket.ticket_no), dedupe=f"ticket:{ticket.id}:overdue")
                uow.commit()
        if len(ids) < batch:
            return result
