"""Campaigns (专项行动) with their office, members, scope, phases and target list; registered subjects
(台账); checklist templates that an administrator edits (each edit is a new version)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from citysteward.campaigns.domain import (
    CampaignInput,
    ChecklistItem,
    SubjectKind,
    Template,
    check_phases,
    check_template,
    distance_m,
)
from citysteward.campaigns.ports import CampaignsUnitOfWork, unit_of_work
from citysteward.geography import services as geography_services
from citysteward.geography.domain.codes import GridCode
from citysteward.kernel import geo
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.cells import cell_of, cells_within
from citysteward.kernel.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime

MANAGERS = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
INSPECTORS = frozenset({Role.INSPECTOR, Role.SUPERVISOR, Role.LEADER, Role.ADMIN})


def may_manage(actor: Actor) -> None:
    if actor.role not in MANAGERS:
        raise Forbidden(f"「{actor.role.label}」不能管理专项行动（限督查员、领导和系统管理员）")


# ---------------------------------------------------------------- campaigns
def create_campaign(rt: Runtime, actor: Actor, data: CampaignInput) -> dict[str, Any]:
    may_manage(actor)
    code, name = data.code.strip(), data.name.strip()
    if not code or len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput("行动编码只能由字母、数字、- 和 _ 组成（不超过 32 位）", {"field": "code"})
    if not name:
        raise InvalidInput("请填写行动名称", {"field": "name"})
    check_phases(data.phases, data.starts_on, data.ends_on)
    kinds = []
    for k in data.subject_kinds:
        try:
            kinds.append(SubjectKind(k).value)
        except ValueError as exc:
            raise InvalidInput(f"未知的检查对象类型：{k}", {"field": "subject_kinds"}) from exc
    with unit_of_work(rt) as uow:
        if uow.campaigns.campaign(code) is not None:
            raise Conflict(f"行动编码 {code} 已存在", {"field": "code"})
        if data.lead_unit_id is not None and uow.org.unit(data.lead_unit_id) is None:
            raise InvalidInput("牵头单位不存在", {"field": "lead_unit_id"})
        for a in data.area_codes:
            if uow.areas.area(a) is None:
                raise InvalidInput(f"区域编码不存在：{a}", {"field": "area_codes"})
        row = {"code": code, "name": name[:200], "office": data.office.strip()[:200], "lead_unit_id": data.lead_unit_id,
               "members": [{"name": m.name, "role": m.role, "unit_id": m.unit_id} for m in data.members],
               "area_codes": list(data.area_codes), "subject_kinds": kinds, "starts_on": data.starts_on,
               "ends_on": data.ends_on, "goal": data.goal.strip(), "state": "active", "created_at": rt.now(),
               "created_by": actor.name or actor.role.label}
        cid = uow.campaigns.add_campaign(row, [{"seq": p.seq, "name": p.name.strip()[:100], "starts_on": p.starts_on,
                                                "ends_on": p.ends_on, "goal": p.goal.strip()} for p in data.phases])
        record_change(rt, uow, actor, "campaign", code, "create", None, row)
        uow.commit()
    return {"id": cid, "code": code}


def campaign_of(uow: CampaignsUnitOfWork, code: str) -> dict[str, Any]:
    row = uow.campaigns.campaign(code)
    if row is None:
        raise NotFound(f"专项行动 {code} 不存在")
    return row


def streets(rt: Runtime) -> list[dict[str, Any]]:
    """The towns and streets a campaign's scope can name."""
    with unit_of_work(rt, readonly=True) as uow:
        return uow.areas.areas(level="street")


def campaign_id(rt: Runtime, code: str) -> int:
    with unit_of_work(rt, readonly=True) as uow:
        return int(campaign_of(uow, code)["id"])


def list_campaigns(rt: Runtime) -> list[dict[str, Any]]:
    with unit_of_work(rt, readonly=True) as uow:
        return uow.campaigns.campaigns()


def add_targets(rt: Runtime, actor: Actor, code: str, subject_ids: Sequence[int]) -> int:
    may_manage(actor)
    with unit_of_work(rt) as uow:
        c = campaign_of(uow, code)
        found = {s["id"] for s in uow.campaigns.subjects(ids=list(subject_ids), limit=len(subject_ids) + 1)}
        missing = [s for s in subject_ids if s not in found]
        if missing:
            raise InvalidInput(f"检查对象不存在：{missing[:5]}", {"field": "subject_ids"})
        n = uow.campaigns.add_targets(c["id"], list(subject_ids))
        uow.commit()
    return n


def add_targets_by_kind(rt: Runtime, actor: Actor, code: str, kinds: Sequence[str]) -> int:
    may_manage(actor)
    for k in kinds:
        if k not in {x.value for x in SubjectKind}:
            raise InvalidInput(f"未知的检查对象类型：{k}", {"field": "kind"})
    with unit_of_work(rt) as uow:
        c = campaign_of(uow, code)
        areas = set(c["area_codes"] or ())
        ids = [s["id"] for k in kinds for s in uow.campaigns.subjects(kind=k, limit=100000)
               if not areas or s["area_code"] in areas]
        n = uow.campaigns.add_targets(c["id"], ids)
        uow.commit()
    return n


def link_tickets(rt: Runtime, actor: Actor, code: str, ticket_nos: Sequence[str] = (), title_prefix: str = "") -> int:
    """Put supervision tickets under a campaign: by number, or every ticket whose title starts with a
    prefix (the 清洁家园 office's tickets are titled "清洁家园：…")."""
    may_manage(actor)
    with unit_of_work(rt) as uow:
        c = campaign_of(uow, code)
        found: list[tuple[int, str]] = []
        for no in ticket_nos:
            ticket = uow.supervision.get_ticket(no.strip())
            if ticket is None or ticket.id is None:
                raise NotFound(f"督导单 {no} 不存在")
            found.append((ticket.id, ticket.ticket_no))
        if title_prefix.strip():
            found += uow.campaigns.ticket_ids_by_title(title_prefix.strip())
        now = rt.now()
        n = sum(uow.campaigns.link(c["id"], "ticket", tid, no, now) for tid, no in found)
        uow.commit()
    return n


# ---------------------------------------------------------------- subjects (台账)
@dataclass(frozen=True, slots=True)
class SubjectInput:
    kind: str
    name: str
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    unit_id: int | None = None
    leader: str = ""
    contact: str = ""
    point_type: str = ""
    zone: str = ""
    area_code: str = ""
    area_name: str = ""  # a town beyond the gridded city (no area code): named only


def add_subject_in(uow: CampaignsUnitOfWork, rt: Runtime, data: SubjectInput) -> int:
    try:
        kind = SubjectKind(data.kind)
    except ValueError as exc:
        raise InvalidInput(f"未知的检查对象类型：{data.kind}", {"field": "kind"}) from exc
    name = data.name.strip()
    if not name:
        raise InvalidInput("请填写名称", {"field": "name"})
    lon = lat = None
    cell = None
    area_code = data.area_code.strip()
    if data.lon is not None and data.lat is not None:
        try:
            lon, lat = geo.to_wgs84(float(data.lon), float(data.lat), geo.CoordSys.parse(data.crs))
        except ValueError as exc:
            raise InvalidInput(f"坐标无效：{exc}", {"field": "lon"}) from exc
        cell = cell_of(lon, lat)
        if not area_code:
            try:
                area_code = GridCode.parse(geography_services.grid_index(rt).locate(lon, lat)).street_code
            except DomainError:
                area_code = ""  # outside every grid: a village beyond the gridded city keeps no street
    elif data.lon is not None or data.lat is not None:
        raise InvalidInput("位置需要同时填写经度和纬度", {"field": "lon"})
    area = uow.areas.area(area_code) if area_code else None
    if area_code and area is None:
        raise InvalidInput(f"区域编码不存在：{area_code}", {"field": "area_code"})
    if data.unit_id is not None and uow.org.unit(data.unit_id) is None:
        raise InvalidInput("责任单位不存在", {"field": "unit_id"})
    return uow.campaigns.add_subject({
        "kind": kind.value, "name": name[:200], "address": data.address.strip()[:200], "lon": lon, "lat": lat,
        "cell": cell, "area_code": area_code, "area_name": area["name"] if area else data.area_name.strip()[:100],
        "unit_id": data.unit_id,
        "leader": data.leader.strip()[:64], "contact": data.contact.strip()[:32],
        "point_type": data.point_type.strip()[:32], "zone": data.zone.strip()[:200], "active": True,
        "created_at": rt.now()})


def add_subject(rt: Runtime, actor: Actor, data: SubjectInput) -> int:
    may_manage(actor)
    with unit_of_work(rt) as uow:
        sid = add_subject_in(uow, rt, data)
        record_change(rt, uow, actor, "campaign_subject", sid, "create", None, {"name": data.name, "kind": data.kind})
        uow.commit()
    return sid


def subjects(rt: Runtime, kind: str | None = None, area_code: str | None = None) -> list[dict[str, Any]]:
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.campaigns.subjects(kind=kind or None, area_code=area_code or None)
        units = {u["id"]: u["name"] for u in uow.org.units()}
    for r in rows:
        r["kind_label"] = SubjectKind(r["kind"]).label
        r["unit_name"] = units.get(r["unit_id"], "")
    return rows


def subjects_by_id(rt: Runtime, ids: Sequence[int]) -> list[dict[str, Any]]:
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.campaigns.subjects(ids=list(ids), limit=len(ids) + 1)
        units = {u["id"]: u["name"] for u in uow.org.units()}
    for r in rows:
        r["kind_label"] = SubjectKind(r["kind"]).label
        r["unit_name"] = units.get(r["unit_id"], "")
    return rows


def nearby_subjects(rt: Runtime, lon: float, lat: float, radius_m: float = 1500.0, limit: int = 20
                    ) -> list[dict[str, Any]]:
    """Registered subjects near the inspector, nearest first (H3 cells around the point, then distance)."""
    rings = max(1, min(12, int(radius_m // 300) + 1))  # an H3 res-9 ring is about 300 m across
    cells = cells_within(cell_of(lon, lat), rings)
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.campaigns.subjects(cells=cells, limit=2000)
    out = []
    for r in rows:
        d = distance_m(lon, lat, r["lon"], r["lat"])
        if d <= radius_m:
            out.append({**r, "distance_m": round(d), "kind_label": SubjectKind(r["kind"]).label})
    out.sort(key=lambda r: (r["distance_m"], r["id"]))
    return out[:limit]


# ---------------------------------------------------------------- checklist templates
@dataclass(frozen=True, slots=True)
class TemplateInput:
    code: str
    name: str
    subject_kind: str
    items: tuple[ChecklistItem, ...]
    note: str = ""


def save_template_in(uow: CampaignsUnitOfWork, rt: Runtime, data: TemplateInput, by: str) -> Template:
    from citysteward.catalogue import services as catalogue_services

    kind = check_template(data.code, data.name, data.subject_kind, data.items)
    catalogue = catalogue_services.catalogue(rt)
    for item in data.items:
        if item.category_code:
            try:
                catalogue.get(item.category_code)
            except DomainError as exc:
                raise InvalidInput(f"检查项「{item.text}」的案件类别 {item.category_code} 不存在",
                                   {"field": "items"}) from exc
    version = uow.campaigns.template_version(data.code.strip()) + 1
    template = Template(code=data.code.strip(), name=data.name.strip()[:100], subject_kind=kind, version=version,
                        items=data.items, note=data.note.strip())
    tid = uow.campaigns.add_template(template, rt.now(), by)
    return Template(template.code, template.name, kind, version, template.items, template.note, tid)


def save_template(rt: Runtime, actor: Actor, data: TemplateInput) -> dict[str, Any]:
    """A new template, or a new version of one (the code stays; earlier inspections keep their version)."""
    if actor.role is not Role.ADMIN:
        raise Forbidden("检查标准模板由系统管理员维护")
    with unit_of_work(rt) as uow:
        template = save_template_in(uow, rt, data, actor.name or "管理员")
        record_change(rt, uow, actor, "checklist_template", f"{template.code}@{template.version}", "create", None,
                      {"name": template.name, "items": [i.text for i in template.items]})
        uow.commit()
    return {"id": template.id, "code": template.code, "version": template.version}


def templates(rt: Runtime, subject_kind: str | None = None) -> list[dict[str, Any]]:
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.campaigns.templates()
    for r in rows:
        r["kind_label"] = SubjectKind(r["subject_kind"]).label
    return [r for r in rows if not subject_kind or r["subject_kind"] == subject_kind]


def template(rt: Runtime, template_id: int) -> Template:
    with unit_of_work(rt, readonly=True) as uow:
        found = uow.campaigns.template(template_id)
    if found is None:
        raise NotFound("检查标准模板不存在")
    return found


def parse_items(lines: str) -> tuple[ChecklistItem, ...]:
    """Items typed one a line on the template page: `内容 | 分值 | 照片 | 数量要求 | 单位 | 案件类别`,
    every field after the text optional (e.g. `公益广告 | 10 | | 5 | 处/100 m`)."""
    items = []
    for n, raw in enumerate((ln for ln in lines.splitlines() if ln.strip()), start=1):
        parts = [p.strip() for p in raw.split("|")]
        parts += [""] * (6 - len(parts))
        text, weight, photo, count_min, unit, category = parts[:6]
        try:
            w = float(weight) if weight else 10.0
            c = int(count_min) if count_min else None
        except ValueError as exc:
            raise InvalidInput(f"第 {n} 行的分值或数量要求不是数字：{raw.strip()}", {"field": "items"}) from exc
        items.append(ChecklistItem(code=f"{n:02d}", text=text[:200], weight=w,
                                   photo_required=photo in ("照片", "是", "必拍", "y", "yes", "1", "true"),
                                   count_min=c, count_unit=unit[:64], category_code=category[:16]))
    return tuple(items)


def day(value: str, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError as exc:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", {"field": field}) from exc
