"""citizens: use cases of the citizen's side and of the intake desk that need it — verified phones
(one-time codes through the SMS gateway), my reports, follows ("me too", merged duplicates), area
alerts (e-mail through the notify outbox), the public list, the desk's caller history and address
search, the acceptor's one-click category correction and the merge that keeps and tells reporters."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from citysteward.cases.domain.access import is_reporter, may_act_on
from citysteward.cases.domain.lifecycle import ActionParams, Timing, apply_action
from citysteward.cases.domain.model import FINAL_STATES, Action, CaseState
from citysteward.cases.services import actions as case_actions
from citysteward.cases.services import duplicates
from citysteward.cases.services.photos import PreparedPhoto, save_photo
from citysteward.catalogue import services as catalogue_services
from citysteward.catalogue.suggest import services as suggest_services
from citysteward.citizens import domain
from citysteward.citizens.ports import unit_of_work
from citysteward.geography import services as geography_services
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden, InvalidInput, NotFound, StaleCase
from citysteward.kernel.throttle import DAY, MINUTE, Limit
from citysteward.platform.runtime import Runtime
from citysteward.worktime import services as worktime_services

log = logging.getLogger(__name__)
DESK_ROLES = frozenset({Role.HOTLINE, Role.ACCEPTOR, Role.SHIFT_LEADER, Role.ADMIN})
PUBLIC_STATES = tuple(s.value for s in CaseState if s not in (CaseState.VOIDED, CaseState.REJECTED))
ALERT_ACTIONS = (Action.REPORT.value, Action.CLOSE.value)


class Gateway(Protocol):
    def send(self, phone: str, text: str) -> None: ...


def gateway(rt: Runtime) -> Gateway:
    from citysteward.citizens import sms  # the adapter: chosen once per runtime
    return rt.singleton("sms_gateway", sms.from_environment)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _link(rt: Runtime, path: str) -> str:
    return f"{rt.settings.public_base_url}{path}"


# ------------------------------------------------------------------ verified phones
def code_limits() -> tuple[Limit, Limit, Limit]:
    return (Limit("otp-phone-minute", 1, MINUTE, "验证码发送过于频繁，请 1 分钟后再试"),
            Limit("otp-phone-day", 10, DAY, "今日验证码次数已达上限"),
            Limit("otp-client-day", 30, DAY, "今日验证码次数已达上限"))


def send_code(rt: Runtime, phone: str, client: str) -> str:
    """Send a six-digit code to the phone; the phone as stored (normalised)."""
    phone = domain.normalise_phone(phone)
    per_minute, per_day, per_client = code_limits()
    rt.throttle.hit(rt.now(), (per_minute, phone), (per_day, phone), (per_client, client))
    code = f"{secrets.randbelow(10**6):06d}"
    now = rt.now()
    with unit_of_work(rt) as uow:
        uow.citizens.add_code(phone, domain.code_hash(rt.settings.secret_key, phone, code), now, now + domain.CODE_TTL)
        uow.commit()
    gateway(rt).send(phone, f"【市政管家】您的验证码是 {code}，{int(domain.CODE_TTL.total_seconds() // 60)} 分钟内有效。"
                            "如非本人操作请忽略。")
    return phone


def verify_code(rt: Runtime, phone: str, code: str) -> tuple[str, str]:
    """Check the code; (phone, session token) on success. A wrong code counts against the code."""
    phone = domain.normalise_phone(phone)
    code = (code or "").strip()
    now = rt.now()
    with unit_of_work(rt) as uow:
        pending = uow.citizens.latest_code(phone)
        if pending is None:
            raise InvalidInput("请先获取验证码", {"field": "code"})
        if not pending.check(domain.code_hash(rt.settings.secret_key, phone, code), now):
            uow.citizens.update_code(pending.id, pending.attempts + 1, False)
            uow.commit()
            left = domain.CODE_ATTEMPTS - pending.attempts - 1
            raise InvalidInput(f"验证码不正确（还可尝试 {left} 次）" if left > 0 else "验证码不正确，请重新获取",
                               {"field": "code"})
        uow.citizens.update_code(pending.id, pending.attempts, True)
        token = secrets.token_urlsafe(24)
        uow.citizens.add_session(_hash(token), phone, now, now + domain.SESSION_TTL)
        uow.commit()
    return phone, token


def session_phone(rt: Runtime, token: str | None) -> str | None:
    if not token:
        return None
    with unit_of_work(rt, readonly=True) as uow:
        return uow.citizens.session_phone(_hash(token), rt.now())


def sign_out(rt: Runtime, token: str) -> None:
    with unit_of_work(rt) as uow:
        uow.citizens.drop_session(_hash(token))
        uow.commit()


# ------------------------------------------------------------------ my reports and follows
def _public_row(rt: Runtime, r: dict[str, Any]) -> dict[str, Any]:
    cat = catalogue_services.catalogue(rt)
    areas = geography_services.area_names(rt)
    return {"case_no": r["case_no"], "category_code": r["category_code"], "category_name": cat.name(r["category_code"]),
            "description": r["description"][:200], "address": r["address"], "lon": r["lon"], "lat": r["lat"],
            "grid_name": areas.get(r["grid_code"], ""), "state": r["state"], "progress": domain.plain_state(r["state"]),
            "reported_at": r["reported_at"], "closed_at": r["closed_at"], "me_too_count": r["me_too_count"]}


def my_reports(rt: Runtime, phone: str, limit: int = 50) -> list[dict[str, Any]]:
    """The phone's own reports (with the tracking link that lets it rate) and the cases it follows."""
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.citizens.my_cases(phone, limit)
    out = []
    for r in rows:
        own = r["reporter_phone"] == phone
        link = f"/track/{r['case_no']}" + (f"?t={r['public_token']}" if own and r["public_token"] else "")
        out.append({**_public_row(rt, r), "own": own, "track_url": link, "merged_into": r["merged_into"]})
    return out


def my_messages(rt: Runtime, phone: str, limit: int = 20) -> list[dict[str, Any]]:
    with unit_of_work(rt, readonly=True) as uow:
        return uow.citizens.messages(phone, limit)


def follow(rt: Runtime, phone: str, case_no: str) -> dict[str, Any]:
    """"Me too" from a verified phone: the case counts one more reporter and the phone follows it."""
    result = case_actions.perform_action(rt, case_no, Action.ME_TOO, Actor(role=Role.CITIZEN, name="市民"),
                                         case_actions.ActionInput(version=None, client_key=f"phone:{_hash(phone)[:24]}"))
    with unit_of_work(rt) as uow:
        case = uow.cases.get(case_no)
        assert case is not None and case.id is not None
        uow.citizens.follow(case.id, phone, "me_too", rt.now())
        uow.commit()
    return result


def add_photos(rt: Runtime, case_no: str, token: str | None, photos: list[PreparedPhoto]) -> int:
    """The reporter's photos sent later (the hotline caller gets the tracking link): only with the
    reporter's token, while the case is open, up to the per-report limit. The number of photos."""
    if not photos:
        raise InvalidInput("请选择照片", {"field": "photos"})
    with unit_of_work(rt) as uow:
        case = uow.cases.get(case_no.strip(), lock=True)
        if case is None or case.id is None:
            raise NotFound(f"没有找到案件 {case_no}")
        if not is_reporter(case, token):
            raise Forbidden("只有反映人可以补充照片：请使用提交问题时获得的查询链接", {"field": "token"})
        if case.state.is_final:
            raise InvalidInput("案件已办结，不能再补充照片", {"field": "photos"})
        if len(uow.cases.photos(case.id)) + len(photos) > rt.settings.max_photos_per_report:
            raise InvalidInput(f"每件问题最多 {rt.settings.max_photos_per_report} 张照片", {"field": "photos"})
        for photo in photos:
            save_photo(rt, uow, photo, case.id, "反映人补充")
        uow.commit()
    return len(photos)


# ------------------------------------------------------------------ area alerts
@dataclass(frozen=True, slots=True)
class AlertInput:
    email: str
    lon: float | None = None
    lat: float | None = None
    radius_m: int | None = None
    grid_code: str | None = None
    on_new: bool = True
    on_closed: bool = True


def add_alert(rt: Runtime, data: AlertInput, phone: str | None = None) -> domain.AreaAlert:
    email = domain.normalise_email(data.email)
    grid = (data.grid_code or "").strip() or None
    if grid and grid not in geography_services.area_names(rt):
        raise InvalidInput(f"网格 {grid} 不存在", {"field": "grid_code"})
    with unit_of_work(rt) as uow:
        alert = domain.AreaAlert(None, email, data.lon, data.lat, data.radius_m, grid, data.on_new, data.on_closed,
                                 True, secrets.token_urlsafe(18), uow.citizens.max_event_id())
        alert_id = uow.citizens.add_alert(alert, phone, rt.now())
        uow.commit()
    return domain.AreaAlert(alert_id, alert.email, alert.lon, alert.lat, alert.radius_m, alert.grid_code,
                            alert.on_new, alert.on_closed, True, alert.token, alert.last_event_id)


def my_alerts(rt: Runtime, phone: str) -> list[domain.AreaAlert]:
    with unit_of_work(rt, readonly=True) as uow:
        return uow.citizens.alerts_of(phone)


def unsubscribe(rt: Runtime, token: str) -> domain.AreaAlert:
    with unit_of_work(rt) as uow:
        alert = uow.citizens.alert_by_token(token)
        if alert is None or alert.id is None:
            raise NotFound("提醒不存在或已取消")
        uow.citizens.set_alert(alert.id, active=False)
        uow.commit()
    return alert


def send_alerts(rt: Runtime, batch: int = 500) -> int:
    """Queue an e-mail for each new or closed report inside an active alert's area (the notify
    outbox sends it); each alert keeps the last event it has seen. The number of e-mails queued."""
    queued = 0
    names = catalogue_services.catalogue(rt)
    with unit_of_work(rt) as uow:
        alerts = uow.citizens.active_alerts(10_000)
        if not alerts:
            return 0
        events = uow.citizens.events_after(min(a.last_event_id for a in alerts), ALERT_ACTIONS, batch)
        for alert in alerts:
            assert alert.id is not None
            seen = alert.last_event_id
            for e in events:
                if e["event_id"] <= alert.last_event_id:
                    continue
                seen = e["event_id"]
                wanted = alert.on_new if e["action"] == Action.REPORT.value else alert.on_closed
                if not wanted or not alert.covers(e["lon"], e["lat"], e["grid_code"]):
                    continue
                what = "新反映的问题" if e["action"] == Action.REPORT.value else "已办结的问题"
                subject = f"【市政管家】您关注的区域有{what}：{names.name(e['category_code'])}"
                body = (f"{what}：{names.name(e['category_code'])}\n地点：{e['address'] or '见地图'}\n"
                        f"描述：{e['description'][:200]}\n查看进度：{_link(rt, '/track/' + e['case_no'])}\n\n"
                        f"提醒范围：{alert.area_label}。不想再收到：{_link(rt, '/alerts/off/' + alert.token)}")
                if uow.outbox.enqueue({"kind": "email", "address": alert.email, "subject": subject[:200], "body": body,
                                       "link": f"/track/{e['case_no']}", "next_attempt_at": rt.now(),
                                       "created_at": rt.now(), "dedupe_key": f"alert:{alert.id}:{e['event_id']}"}):
                    queued += 1
            if seen > alert.last_event_id:
                uow.citizens.set_alert(alert.id, last_event_id=seen)
        uow.commit()
    return queued


# ------------------------------------------------------------------ messages to citizens
def deliver_messages(rt: Runtime, batch: int = 100) -> int:
    """Send the queued SMS messages through the gateway; the number sent."""
    with unit_of_work(rt, readonly=True) as uow:
        pending = uow.citizens.pending_messages(batch)
    sent = 0
    for m in pending:
        try:
            gateway(rt).send(m["phone"], m["body"])
            status = "sent"
            sent += 1
        except Exception:  # noqa: BLE001 - a gateway's failure is logged and marked, the batch goes on
            log.exception("SMS %s could not be sent", m["id"])
            status = "failed"
        with unit_of_work(rt) as uow:
            uow.citizens.mark_message(m["id"], status, rt.now())
            uow.commit()
    return sent


# ------------------------------------------------------------------ public list
def public_list(rt: Runtime, state: str | None = None, category: str | None = None, area: str | None = None,
                page: int = 1, page_size: int = 50) -> dict[str, Any]:
    """Public fields only: no names, phones, units' internal notes."""
    if page < 1 or not 1 <= page_size <= 200:
        raise InvalidInput("分页参数错误：page ≥ 1，page_size 在 1–200 之间")
    groups = {"open": [s for s in PUBLIC_STATES if CaseState(s) not in FINAL_STATES],
              "closed": [CaseState.CLOSED.value]}
    if state and state not in groups:
        raise InvalidInput("状态只能是 open（处理中）或 closed（已办结）", {"field": "state"})
    if category:
        catalogue_services.catalogue(rt).get(category)
    if area and area not in geography_services.area_names(rt):
        raise InvalidInput(f"区域 {area} 不存在", {"field": "area"})
    with unit_of_work(rt, readonly=True) as uow:
        rows, total = uow.citizens.public_cases(groups.get(state or "", []), category, area, PUBLIC_STATES,
                                                page_size, (page - 1) * page_size)
    return {"items": [_public_row(rt, r) for r in rows], "total": total, "page": page, "page_size": page_size}


def area_choices(rt: Runtime) -> list[tuple[str, str]]:
    """Streets and their communities, for the public list's area filter (cached a minute)."""
    def load() -> list[tuple[str, str]]:
        communities: dict[str, list[tuple[str, str]]] = {}
        for c in geography_services.list_areas(rt, "community", None):
            communities.setdefault(c["parent_code"], []).append((c["code"], f"　{c['name']}"))
        out: list[tuple[str, str]] = []
        for street in geography_services.list_areas(rt, "street", None):
            out += [(street["code"], street["name"]), *communities.get(street["code"], [])]
        return out
    return rt.cache.get("citizens.area_choices", 60.0, load)


# ------------------------------------------------------------------ the desk
def _desk(actor: Actor) -> None:
    if actor.role not in DESK_ROLES:
        raise Forbidden("只有热线坐席和受理员可以使用受理台")


def caller_history(rt: Runtime, actor: Actor, phone: str, limit: int = 20) -> dict[str, Any]:
    _desk(actor)
    phone = (phone or "").strip()
    if len(phone) < 5:
        raise InvalidInput("请输入来电号码", {"field": "phone"})
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.citizens.caller_history(phone, limit)
        total = uow.citizens.count_by_phone(phone)
    items = [{**_public_row(rt, r), "state_label": CaseState(r["state"]).label,
              "reporter_name": r["reporter_name"]} for r in rows]
    return {"phone": phone, "total": total, "items": items}


def search_places(rt: Runtime, q: str, limit: int = 10) -> list[dict[str, Any]]:
    from shapely.geometry import shape  # geometry only: a point to pin on the map

    q = (q or "").strip()
    if not q:
        return []
    if len(q) > 50:
        raise InvalidInput("地址关键词不能超过 50 字", {"field": "q"})
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.citizens.search_places(q, limit)
    kinds = {"road": "道路", "street": "街道", "community": "社区", "grid": "网格"}
    out = []
    for r in rows:
        geom = shape(r["geometry"]) if r["geometry"] else None
        point = (geom.interpolate(0.5, normalized=True) if r["kind"] == "road" else geom.representative_point()) \
            if geom is not None else None
        out.append({"kind": r["kind"], "kind_label": kinds.get(r["kind"], r["kind"]), "name": r["name"],
                    "code": r["code"], "lon": round(point.x, 6) if point else None,
                    "lat": round(point.y, 6) if point else None})
    return out


def correct_and_register(rt: Runtime, case_no: str, actor: Actor, category_code: str, version: int | None = None,
                         urgency: str | None = None) -> dict[str, Any]:
    """The acceptor's one click: register the case under the category chosen; when it is not the
    model's first suggestion for the case's text, the text and the choice are kept as training data."""
    detail = case_actions.case_detail(rt, case_no, actor)
    first = suggest_services.suggest(rt, detail.description, 1).items
    result = case_actions.perform_action(rt, case_no, Action.REGISTER, actor, case_actions.ActionInput(
        version=version, category_code=category_code, urgency=urgency, note="受理台立案"))
    with unit_of_work(rt) as uow:
        kept = suggest_services.record_correction(uow, detail.description, first[0].code if first else None,
                                                  category_code, actor, case_no, rt.now())
        uow.commit()
    return {**result, "correction_kept": kept}


def merge_duplicate(rt: Runtime, case_no: str, into: str, actor: Actor, version: int | None = None) -> dict[str, Any]:
    """Merge a duplicate into the case kept, in one transaction: the duplicate is closed as merged,
    its reporter and followers follow the case kept, and every reporter of both gets a message."""
    _desk(actor)
    now = rt.now()
    with unit_of_work(rt) as uow:
        case = uow.cases.get(case_no, lock=True)
        if case is None or case.id is None or not may_act_on(case, actor, Action.MERGE):
            raise NotFound(f"案件 {case_no} 不存在或无权查看", {"case_no": case_no})
        target = uow.cases.get(into)
        if target is None or target.id is None or target.state.is_final or target.case_no == case.case_no:
            raise InvalidInput(f"要合并到的案件 {into} 不存在或已办结", {"field": "merged_into"})
        if version is not None and version != case.version:
            raise StaleCase("案件已被他人更新，请刷新后重试", {"case_no": case_no})
        before = case.version
        limit = catalogue_services.catalogue(rt).get(case.category_code).limit_for(case.urgency)
        event = apply_action(case, Action.MERGE, actor, now, ActionParams(note=f"与 {into} 为同一问题，合并处理",
                                                                          merged_into=into),
                             Timing(worktime_services.calendar(rt), limit))
        uow.cases.save(case, before)
        uow.cases.append_event(event)
        phones = {p for p in (case.reporter_phone, *uow.citizens.followers(case.id)) if p}
        for phone in sorted(phones):
            uow.citizens.follow(target.id, phone, "merged", now)
        kept_phones = {p for p in (target.reporter_phone, *uow.citizens.followers(target.id)) if p} - phones
        name = catalogue_services.catalogue(rt).name(target.category_code)
        for phone in sorted(phones):
            uow.citizens.add_message(phone, f"【市政管家】您反映的问题（{case.case_no}）与其他市民反映的同一问题合并处理，"
                                            f"请通过案件 {into}（{name}）查看进度。", into, now)
        for phone in sorted(kept_phones):
            uow.citizens.add_message(phone, f"【市政管家】又有市民反映了您反映的问题（{into}，{name}），"
                                            "我们将一并处理。", into, now)
        uow.commit()
    deliver_messages(rt)
    return {"case_no": case.case_no, "state": case.state.value, "merged_into": into,
            "notified": len(phones) + len(kept_phones)}


def duplicates_of(rt: Runtime, actor: Actor, case_no: str) -> list[dict[str, Any]]:
    _desk(actor)
    return [c.to_json() for c in duplicates.likely_duplicates(rt, case_no)]

