"""Treatment (注浆, 开挖回填, periodic re-survey) with deadlines from the configured table, overdue
treatments raised as supervision tickets, and the defects' photos."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from citysteward.cases.services.photos import prepare_photo
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import Conflict, InvalidInput, NotFound
from citysteward.platform.runtime import Runtime
from citysteward.subsurface.domain import (
    DefectAction,
    DefectType,
    TreatmentMethod,
    chainage_label,
    check_defect_action,
    treatment_overdue,
)
from citysteward.subsurface.ports import unit_of_work
from citysteward.subsurface.services.common import _can_read, _can_write, _enum, _num, _text, rules
from citysteward.subsurface.services.defects import _event, _load, _local_day
from citysteward.supervision.domain.tickets import TicketLevel, TicketSource
from citysteward.supervision.services.tickets import issue_in


# ---------------------------------------------------------------- treatment
def start_treatment(rt: Runtime, actor: Actor, code: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Treatment work for a confirmed defect: grouting or excavation (deadline from the configured table
    by type × grade), or periodic re-survey (the defect goes under observation)."""
    _can_write(actor)
    method = _enum(TreatmentMethod, data.get("method"), "处置方式", "method")
    unit_id = data.get("unit_id")
    quantities = {k: _num(data, k, label) or 0.0 for k, label in (("grout_m3", "注浆量"), ("pavement_m2", "路面面积"))}
    if any(v < 0 or v > 100_000 for v in quantities.values()):
        raise InvalidInput("工程量须为 0–100000 之间的数", {"field": "grout_m3"})
    holes = int(_num(data, "holes", "注浆孔数") or 0)
    now = rt.now()
    r = rules(rt)
    with unit_of_work(rt) as uow:
        if unit_id not in (None, ""):
            unit = uow.org.unit(int(unit_id))
            if unit is None or not unit["active"]:
                raise InvalidInput(f"处置单位 {unit_id} 不存在或已停用", {"field": "unit_id"})
            unit_id = int(unit_id)
        else:
            unit_id = None
        defect = _load(uow, code, lock=True)
        if uow.subsurface.open_treatment(defect.id or 0) is not None:
            raise Conflict("该隐患已有进行中的处置，请先完成", {"code": code})
        expected, before = defect.version, defect.state
        periodic = method is TreatmentMethod.PERIODIC_RESURVEY
        action = DefectAction.OBSERVE if periodic else DefectAction.START_TREATMENT
        defect.state = check_defect_action(defect.state, action, actor)
        deadline = None if periodic else r.deadline_for(defect.measure.defect_type, defect.measure.grade, now)
        if periodic:
            defect.next_resurvey = r.resurvey_due(defect.measure.defect_type, _local_day(rt, now))
        defect.updated_at = now
        uow.subsurface.save_defect(defect, expected)
        uow.subsurface.add_treatment({
            "defect_id": defect.id, "method": method.value, "unit_id": unit_id, "grout_m3": quantities["grout_m3"],
            "pavement_m2": quantities["pavement_m2"], "holes": holes, "started_at": now, "deadline": deadline,
            "completed_at": now if periodic else None, "created_by": actor.name,
            "note": _text(data, "note", "说明", 2000)})
        deadline_text = "未配置处置时限" if deadline is None else \
            f"处置期限 {deadline.astimezone(rt.settings.tz):%Y-%m-%d %H:%M}"
        uow.subsurface.add_event(_event(defect, action.value, before, actor, now,
                                        f"{method.label}；{'复测周期按配置' if periodic else deadline_text}"))
        uow.commit()
    return {"code": code, "state": defect.state.value, "state_label": defect.state.label, "method": method.value,
            "deadline": deadline, "next_resurvey": defect.next_resurvey}


def complete_treatment(rt: Runtime, actor: Actor, code: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The works are done: quantities as built, the defect is 已治理 and its next re-survey is due."""
    _can_write(actor)
    now = rt.now()
    r = rules(rt)
    with unit_of_work(rt) as uow:
        defect = _load(uow, code, lock=True)
        treatment = uow.subsurface.open_treatment(defect.id or 0)
        if treatment is None:
            raise InvalidInput("该隐患没有进行中的处置", {"code": code})
        expected, before = defect.version, defect.state
        defect.state = check_defect_action(defect.state, DefectAction.COMPLETE_TREATMENT, actor)
        changes: dict[str, Any] = {"completed_at": now}
        for key, label in (("grout_m3", "注浆量"), ("pavement_m2", "路面面积"), ("holes", "注浆孔数")):
            value = _num(data, key, label)
            if value is not None:
                if not 0 <= value <= 100_000:
                    raise InvalidInput(f"{label}须为 0–100000 之间的数", {"field": key})
                changes[key] = int(value) if key == "holes" else value
        uow.subsurface.update_treatment(treatment["id"], changes)
        defect.next_resurvey = r.resurvey_due(defect.measure.defect_type, _local_day(rt, now))
        defect.updated_at = now
        uow.subsurface.save_defect(defect, expected)
        late = treatment_overdue(treatment["deadline"], None, now)
        uow.subsurface.add_event(_event(defect, DefectAction.COMPLETE_TREATMENT.value, before, actor, now,
                                        _text(data, "note", "说明", 2000) + ("（逾期完成）" if late else "")))
        uow.commit()
    return {"code": code, "state": defect.state.value, "state_label": defect.state.label,
            "next_resurvey": defect.next_resurvey}


def escalate_overdue(rt: Runtime, batch: int = 200) -> int:
    """Open grouting / excavation works past their deadline raise a supervision ticket (督导单) to the
    works unit, once (the ticket number is kept on the treatment). Returns the tickets issued."""
    system = Actor.system("塌陷隐患逾期督办")
    issued = 0
    now = rt.now()
    with unit_of_work(rt) as uow:
        rows = uow.subsurface.overdue_treatments(now, batch)
        for row in rows:
            if row["unit_id"] is None or not uow.subsurface.claim_treatment(row["id"], "…"):
                continue
            local = row["deadline"].astimezone(rt.settings.tz)
            title = f"塌陷隐患处置逾期：{row['road']} {row['code']}"
            content = (f"{row['road']}{(' ' + chainage_label(row['chainage_m'])) if row['chainage_m'] is not None else ''}"
                       f" {DefectType(row['defect_type']).label}（风险等级 {row['grade']}）"
                       f"{TreatmentMethod(row['method']).label}未在 {local:%Y-%m-%d %H:%M} 前完成。")
            ticket = issue_in(uow, rt, now, system, level=TicketLevel.WHITE, source=TicketSource.AUTO, title=title,
                              content=content, unit_ids=(int(row["unit_id"]),), lon=row["lon"], lat=row["lat"],
                              address=row["road"])
            uow.subsurface.update_treatment(row["id"], {"ticket_no": ticket.ticket_no})
            issued += 1
        uow.commit()
    return issued


# ---------------------------------------------------------------- photos
def add_photo(rt: Runtime, actor: Actor, code: str, raw: bytes, filename: str) -> dict[str, Any]:
    _can_write(actor)
    photo = prepare_photo(rt, raw, "before", filename)
    rel = Path("subsurface") / photo.sha256[:2] / f"{photo.sha256}.{photo.ext}"
    path = rt.settings.media_dir / rel
    with unit_of_work(rt) as uow:
        defect = _load(uow, code)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(photo.data)
            tmp.replace(path)
        obs = uow.subsurface.observations(defect.id or 0)
        photo_id = uow.subsurface.add_photo({
            "defect_id": defect.id, "observation_id": obs[-1].id if obs else None,
            "filename": (filename or f"photo.{photo.ext}")[:200], "path": str(rel),
            "content_type": photo.content_type, "size": len(photo.data), "uploaded_at": rt.now(),
            "by_name": actor.name})
        uow.commit()
    return {"id": photo_id, "url": f"/api/v1/subsurface/photos/{photo_id}"}


def photo_file(rt: Runtime, actor: Actor, photo_id: int) -> tuple[Path, str]:
    _can_read(actor)
    with unit_of_work(rt, readonly=True) as uow:
        row = uow.subsurface.photo(photo_id)
    path = rt.settings.media_dir / row["path"] if row else None
    if row is None or path is None or not path.is_file():
        raise NotFound(f"照片 {photo_id} 不存在")
    return path, row["content_type"]


