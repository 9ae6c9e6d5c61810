"""subsurface: use cases over the unit of work — surveys, defects and their re-surveys, treatment with
deadlines from the configured table, overdue treatments raised as supervision tickets, the dashboard."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from citysteward.cases.services.photos import prepare_photo
from citysteward.kernel import geo
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from citysteward.org.services import accounts, settings
from citysteward.platform.runtime import Runtime
from citysteward.subsurface.domain import (
    FIELD_STAFF,
    Defect,
    DefectAction,
    DefectState,
    DefectType,
    Measure,
    Observation,
    SubsurfaceRules,
    SurveyMethod,
    TreatmentMethod,
    allowed_defect_actions,
    chainage_label,
    check_defect_action,
    check_measure,
    treatment_overdue,
    type_change,
)
from citysteward.subsurface.ports import SubsurfaceUnitOfWork, unit_of_work
from citysteward.supervision.domain.tickets import TicketLevel, TicketSource
from citysteward.supervision.services.tickets import issue_in

SETTINGS_KEY = "subsurface"
REMEDIES = (TreatmentMethod.GROUTING, TreatmentMethod.EXCAVATION)


def rules(rt: Runtime) -> SubsurfaceRules:
    return settings.load(rt, SETTINGS_KEY, SubsurfaceRules.from_dict)


def set_rules(rt: Runtime, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    return settings.replace(rt, actor, SETTINGS_KEY, data, SubsurfaceRules.from_dict)


def _can_read(actor: Actor) -> None:
    if not actor.role.is_staff or actor.role is Role.SYSTEM:
        raise Forbidden("需要工作人员登录")


def _can_write(actor: Actor) -> None:
    if actor.role not in FIELD_STAFF:
        raise Forbidden(f"「{actor.role.label}」不能登记塌陷隐患")


def _enum(cls: Any, value: Any, label: str, field: str) -> Any:
    try:
        return cls(value)
    except ValueError as exc:
        choices = "、".join(f"{m.value}（{m.label}）" for m in cls)
        raise InvalidInput(f"未知的{label}：{value}；可选：{choices}", {"field": field}) from exc


def _num(data: Mapping[str, Any], key: str, label: str) -> float | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{label}须为数字", {"field": key}) from exc


def _text(data: Mapping[str, Any], key: str, label: str, limit: int, required: bool = False) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        raise InvalidInput(f"请填写{label}", {"field": key})
    if len(value) > limit:
        raise InvalidInput(f"{label}不能超过 {limit} 个字", {"field": key})
    return value


def _day(value: Any, label: str, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput(f"{label}格式应为 YYYY-MM-DD", {"field": field}) from exc


# ---------------------------------------------------------------- surveys
def create_survey(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """A survey project: roads (or segments) with lengths, method, contractor, dates, report file."""
    _can_write(actor)
    name = _text(data, "name", "项目名称", 200, required=True)
    method = _enum(SurveyMethod, data.get("method") or "vehicle_radar", "探测方法", "method")
    started = _day(data.get("started_on"), "开始日期", "started_on")
    if started is None:
        raise InvalidInput("请填写开始日期", {"field": "started_on"})
    ended = _day(data.get("ended_on"), "结束日期", "ended_on")
    if ended is not None and ended < started:
        raise InvalidInput("结束日期不能早于开始日期", {"field": "ended_on"})
    roads: list[dict[str, Any]] = []
    for i, r in enumerate(data.get("roads") or []):
        road = _text(r, "road", "道路名称", 100, required=True)
        km = _num(r, "length_km", "里程")
        if km is None or not 0 < km <= 500:
            raise InvalidInput("每条道路的探测里程须为 0–500 公里", {"field": f"roads.{i}.length_km"})
        roads.append({"road": road, "segment": _text(r, "segment", "路段", 200), "length_km": km})
    if not roads:
        raise InvalidInput("请至少填写一条道路及其里程", {"field": "roads"})
    unit_id = data.get("unit_id")
    with unit_of_work(rt) as uow:
        if unit_id is not None and uow.org.unit(int(unit_id)) is None:
            raise InvalidInput(f"单位 {unit_id} 不存在", {"field": "unit_id"})
        survey_id = uow.subsurface.add_survey({
            "name": name, "method": method.value, "contractor": _text(data, "contractor", "探测单位", 200),
            "unit_id": unit_id, "started_on": started, "ended_on": ended,
            "report_file": _text(data, "report_file", "报告文件", 300), "note": _text(data, "note", "备注", 2000),
            "created_at": rt.now(), "created_by": actor.name}, roads)
        uow.commit()
    return {"id": survey_id, "name": name, "roads": len(roads), "km": round(sum(r["length_km"] for r in roads), 3)}


def list_surveys(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    _can_read(actor)
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.subsurface.surveys()
    return [{**r, "method_label": SurveyMethod(r["method"]).label, "km": round(r["km"] or 0.0, 3),
             "roads": r["roads"] or 0} for r in rows]


# ---------------------------------------------------------------- defects
def _measure(data: Mapping[str, Any], r: SubsurfaceRules) -> Measure:
    measure = Measure(
        defect_type=_enum(DefectType, data.get("type"), "病害类型", "type"),
        grade=r.check_grade(str(data.get("grade") or "")),
        length_m=_num(data, "length_m", "长度"), width_m=_num(data, "width_m", "宽度"),
        area_m2=_num(data, "area_m2", "面积"), top_depth_m=_num(data, "top_depth_m", "顶板埋深"),
        height_m=_num(data, "height_m", "净高"))
    return check_measure(measure, r)


def _position(data: Mapping[str, Any]) -> tuple[float | None, float | None]:
    lon, lat = _num(data, "lon", "经度"), _num(data, "lat", "纬度")
    if lon is None and lat is None:
        return None, None
    if lon is None or lat is None:
        raise InvalidInput("位置需要同时填写经度和纬度", {"field": "lon"})
    try:
        return geo.to_wgs84(lon, lat, geo.CoordSys.parse(str(data.get("crs") or "wgs84")))
    except ValueError as exc:
        raise InvalidInput(f"坐标无效：{exc}", {"field": "lon"}) from exc


def _event(defect: Defect, action: str, before: DefectState | None, actor: Actor, at: datetime,
           note: str = "") -> dict[str, Any]:
    return {"defect_id": defect.id, "action": action, "from_state": before.value if before else None,
            "to_state": defect.state.value, "at": at, "actor_name": actor.name or actor.role.label,
            "role": actor.role.value, "note": note}


def record_defect(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """A surveyor records one defect found by a survey: 待核实, with its first observation."""
    _can_write(actor)
    r = rules(rt)
    measure = _measure(data, r)
    lon, lat = _position(data)
    chainage = _num(data, "chainage_m", "桩号")
    if chainage is not None and not 0 <= chainage <= 200_000:
        raise InvalidInput("桩号（米）须在 0–200000 之间", {"field": "chainage_m"})
    if lon is None and chainage is None:
        raise InvalidInput("请填写位置：经纬度或道路桩号至少一项", {"field": "lon"})
    method = _enum(SurveyMethod, data.get("detect_method") or "vehicle_radar", "探测方法", "detect_method")
    now = rt.now()
    with unit_of_work(rt) as uow:
        survey_id = int(data.get("survey_id") or 0)
        survey = uow.subsurface.survey(survey_id)
        if survey is None:
            raise InvalidInput(f"探测项目 {survey_id} 不存在", {"field": "survey_id"})
        road = _text(data, "road", "道路名称", 100, required=True)
        year = now.astimezone(rt.settings.tz).year
        code = f"{rt.settings.city_prefix}YH-{year}-{uow.subsurface.next_defect_number(year):05d}"
        defect = Defect(code=code, survey_id=survey_id, road=road, measure=measure, state=DefectState.PENDING,
                        found_at=now, detect_method=method, lon=lon, lat=lat, chainage_m=chainage,
                        note=_text(data, "note", "说明", 2000), updated_at=now)
        uow.subsurface.add_defect(defect)
        assert defect.id is not None
        uow.subsurface.add_observation(Observation(defect.id, now, method, measure, "initial", actor.name))
        uow.subsurface.add_event(_event(defect, "record", None, actor, now, f"{measure.defect_type.label} "
                                                                            f"风险等级 {measure.grade}"))
        uow.commit()
    return {"code": code, "state": defect.state.value, "state_label": defect.state.label}


def _load(uow: SubsurfaceUnitOfWork, code: str, lock: bool = False) -> Defect:
    defect = uow.subsurface.get_defect(code, lock=lock)
    if defect is None:
        raise NotFound(f"隐患 {code} 不存在", {"code": code})
    return defect


def _check_version(defect: Defect, version: int | None) -> None:
    if version is not None and version != defect.version:
        raise Conflict("隐患记录已被他人更新，请刷新后重试",
                       {"code": defect.code, "expected_version": version, "current_version": defect.version},
                       code="stale_version")


def _local_day(rt: Runtime, at: datetime) -> date:
    return at.astimezone(rt.settings.tz).date()


def defect_action(rt: Runtime, actor: Actor, code: str, action: str, note: str = "",
                  verify_method: str | None = None, version: int | None = None) -> dict[str, Any]:
    """Confirm (with the verification method), dismiss, observe or close. Treatment has its own calls."""
    act = _enum(DefectAction, action, "操作", "action")
    if act in (DefectAction.START_TREATMENT, DefectAction.COMPLETE_TREATMENT):
        raise InvalidInput("开始处置和治理完成请使用处置登记", {"field": "action"})
    now = rt.now()
    with unit_of_work(rt) as uow:
        defect = _load(uow, code, lock=True)
        _check_version(defect, version)
        expected, before = defect.version, defect.state
        defect.state = check_defect_action(defect.state, act, actor)
        if act is DefectAction.CONFIRM:
            defect.verify_method = _enum(SurveyMethod, verify_method or "handheld_radar", "核实方法", "verify_method")
            note = note or f"核实方法：{defect.verify_method.label}"
        if act is DefectAction.OBSERVE:
            defect.next_resurvey = rules(rt).resurvey_due(defect.measure.defect_type, _local_day(rt, now))
        if act is DefectAction.DISMISS and not note.strip():
            raise InvalidInput("核实排除需要填写说明", {"field": "note"})
        defect.updated_at = now
        uow.subsurface.save_defect(defect, expected)
        uow.subsurface.add_event(_event(defect, act.value, before, actor, now, note.strip()))
        uow.commit()
    return {"code": code, "state": defect.state.value, "state_label": defect.state.label, "version": defect.version}


def resurvey(rt: Runtime, actor: Actor, code: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """A re-survey (复测) of the same defect: a new observation; the defect takes the new type, size and
    grade, so "脱空 → 空洞" is visible in its history. Its next re-survey date follows the (new) type."""
    _can_write(actor)
    r = rules(rt)
    measure = _measure(data, r)
    method = _enum(SurveyMethod, data.get("method") or "handheld_radar", "复测方法", "method")
    now = rt.now()
    with unit_of_work(rt) as uow:
        defect = _load(uow, code, lock=True)
        if defect.state is DefectState.CLOSED:
            raise InvalidInput("隐患已闭环，不能再复测", {"code": code})
        expected, before = defect.version, defect.measure
        change = type_change(before, measure)
        defect.measure = measure
        defect.next_resurvey = r.resurvey_due(measure.defect_type, _local_day(rt, now))
        defect.updated_at = now
        uow.subsurface.save_defect(defect, expected)
        assert defect.id is not None
        note = _text(data, "note", "说明", 2000)
        uow.subsurface.add_observation(Observation(defect.id, now, method, measure, "resurvey", actor.name, note))
        summary = f"复测：{change or measure.defect_type.label}，风险等级 {before.grade} → {measure.grade}"
        uow.subsurface.add_event(_event(defect, "resurvey", defect.state, actor, now, summary))
        uow.commit()
    return {"code": code, "type": measure.defect_type.value, "type_label": measure.defect_type.label,
            "grade": measure.grade, "change": change, "next_resurvey": defect.next_resurvey}


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


# ---------------------------------------------------------------- reading
def _row_view(r: Mapping[str, Any], rl: SubsurfaceRules) -> dict[str, Any]:
    t, s = DefectType(r["defect_type"]), DefectState(r["state"])
    return {"code": r["code"], "road": r["road"], "chainage": chainage_label(r["chainage_m"]),
            "chainage_m": r["chainage_m"], "lon": r["lon"], "lat": r["lat"], "type": t.value, "type_label": t.label,
            "grade": r["grade"], "grade_colour": rl.colour(r["grade"]), "severity": rl.severity(r["grade"]),
            "state": s.value, "state_label": s.label, "state_colour": s.colour, "area_m2": r["area_m2"],
            "top_depth_m": r["top_depth_m"], "height_m": r["height_m"], "found_at": r["found_at"],
            "next_resurvey": r["next_resurvey"], "treated": bool(r["treated"]), "overdue": bool(r.get("overdue"))}


def _filters(rt: Runtime, f: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in f.items() if v not in (None, "", [])}
    if "type" in out:
        _enum(DefectType, out["type"], "病害类型", "type")
    if "state" in out:
        _enum(DefectState, out["state"], "状态", "state")
    if "grade" in out:
        rules(rt).check_grade(str(out["grade"]))
    out["now"] = rt.now()
    return out


def list_defects(rt: Runtime, actor: Actor, filters: Mapping[str, Any], page: int = 1,
                 page_size: int = 50) -> dict[str, Any]:
    _can_read(actor)
    if page < 1 or not 1 <= page_size <= 500:
        raise InvalidInput("分页参数错误：page ≥ 1，page_size 在 1–500 之间")
    f = _filters(rt, filters)
    rl = rules(rt)
    with unit_of_work(rt, readonly=True) as uow:
        rows, total = uow.subsurface.list_defects(f, page_size, (page - 1) * page_size)
    return {"items": [_row_view(r, rl) for r in rows], "total": total, "page": page, "page_size": page_size}


def map_features(rt: Runtime, actor: Actor, filters: Mapping[str, Any]) -> dict[str, Any]:
    """GeoJSON of located defects, each coloured by its grade's severity under the configured scale."""
    _can_read(actor)
    f = _filters(rt, filters)
    rl = rules(rt)
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.subsurface.map_points(f)
    types = {t.value: t.label for t in DefectType}
    states = {s.value: s.label for s in DefectState}
    colours = {g: rl.colour(g) for g in rl.grades}
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
              "properties": {"code": code, "road": road, "chainage": chainage_label(chainage),
                             "type_label": types.get(dtype, dtype), "grade": grade,
                             "grade_colour": colours.get(grade, "#6c757d"), "state_label": states.get(state, state)}}
             for code, road, chainage, lon, lat, dtype, grade, state in rows]
    legend = [{"grade": g, "colour": rl.colour(g)} for g in rl.grades_worst_first()]
    return {"type": "FeatureCollection", "features": feats, "legend": legend}


def defect_detail(rt: Runtime, actor: Actor, code: str) -> dict[str, Any]:
    _can_read(actor)
    rl = rules(rt)
    now = rt.now()
    with unit_of_work(rt, readonly=True) as uow:
        defect = _load(uow, code)
        assert defect.id is not None
        observations = uow.subsurface.observations(defect.id)
        events = uow.subsurface.events(defect.id)
        treatments = uow.subsurface.treatments(defect.id)
        photos = uow.subsurface.photos(defect.id)
        survey = uow.subsurface.survey(defect.survey_id)
    units = accounts.unit_names(rt)
    history = []
    previous: Measure | None = None
    for o in observations:
        history.append({"at": o.observed_at, "kind": o.kind,
                        "kind_label": {"initial": "首次探测", "resurvey": "复测", "verify": "验证"}.get(o.kind, o.kind),
                        "method_label": o.method.label, "type_label": o.measure.defect_type.label,
                        "grade": o.measure.grade, "grade_colour": rl.colour(o.measure.grade),
                        "area_m2": o.measure.plan_area, "top_depth_m": o.measure.top_depth_m,
                        "height_m": o.measure.height_m, "by": o.by, "note": o.note,
                        "change": type_change(previous, o.measure) if previous else ""})
        previous = o.measure
    m = defect.measure
    return {
        "code": defect.code, "version": defect.version, "road": defect.road, "chainage": chainage_label(defect.chainage_m),
        "chainage_m": defect.chainage_m, "lon": defect.lon, "lat": defect.lat,
        "survey": {"id": defect.survey_id, "name": survey["name"] if survey else ""},
        "type": m.defect_type.value, "type_label": m.defect_type.label, "grade": m.grade,
        "grade_colour": rl.colour(m.grade), "length_m": m.length_m, "width_m": m.width_m, "area_m2": m.plan_area,
        "top_depth_m": m.top_depth_m, "height_m": m.height_m, "state": defect.state.value,
        "state_label": defect.state.label, "state_colour": defect.state.colour,
        "detect_method_label": defect.detect_method.label,
        "verify_method_label": defect.verify_method.label if defect.verify_method else "",
        "found_at": defect.found_at, "next_resurvey": defect.next_resurvey, "note": defect.note,
        "observations": history,
        "timeline": [{**e, "action_label": (DefectAction(e["action"]).label if e["action"] in DefectAction._value2member_map_
                                            else {"record": "登记", "resurvey": "复测"}.get(e["action"], e["action"])),
                      "to_state_label": DefectState(e["to_state"]).label} for e in events],
        "treatments": [{**t, "method_label": TreatmentMethod(t["method"]).label, "unit_name": units.get(t["unit_id"], ""),
                        "overdue": treatment_overdue(t["deadline"], t["completed_at"], now)} for t in treatments],
        "photos": [{"id": p["id"], "filename": p["filename"], "url": f"/api/v1/subsurface/photos/{p['id']}"}
                   for p in photos],
        "allowed_actions": [{"action": a.value, "label": a.label} for a in allowed_defect_actions(defect.state, actor)
                            if a not in (DefectAction.START_TREATMENT, DefectAction.COMPLETE_TREATMENT)],
        "can_treat": DefectAction.START_TREATMENT in allowed_defect_actions(defect.state, actor),
        "can_complete": DefectAction.COMPLETE_TREATMENT in allowed_defect_actions(defect.state, actor),
    }


def dashboard(rt: Runtime, actor: Actor, survey_id: int | None = None) -> dict[str, Any]:
    """Per road: surveyed km, defects by type and by grade, treated, overdue; and the totals."""
    _can_read(actor)
    rl = rules(rt)
    f: dict[str, Any] = {"now": rt.now()}
    if survey_id is not None:
        f["survey_id"] = survey_id
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.subsurface.defect_counts(f)
        roads = uow.subsurface.survey_roads(survey_id)
    return summarise(rows, roads, rl)


def summarise(rows: list[dict[str, Any]], roads: list[dict[str, Any]], rl: SubsurfaceRules) -> dict[str, Any]:
    types = [t.value for t in DefectType]
    grades = rl.grades_worst_first()

    def blank(road: str) -> dict[str, Any]:
        return {"road": road, "km": 0.0, "total": 0, "by_type": dict.fromkeys(types, 0),
                "by_grade": dict.fromkeys(grades, 0), "treated": 0, "overdue": 0}

    per: dict[str, dict[str, Any]] = {}
    for r in roads:
        per.setdefault(r["road"], blank(r["road"]))["km"] += r["length_km"]
    for r in rows:  # grouped counts (`n`) or single defects
        row = per.setdefault(r["road"], blank(r["road"]))
        n = int(r.get("n", 1))
        row["total"] += n
        row["by_type"][r["defect_type"]] += n
        if r["grade"] in row["by_grade"]:
            row["by_grade"][r["grade"]] += n
        row["treated"] += n * int(bool(r["treated"]))
        row["overdue"] += n * int(bool(r.get("overdue")))
    total = blank("合计")
    for row in per.values():
        row["km"] = round(row["km"], 3)
        total["km"] += row["km"]
        for key in ("total", "treated", "overdue"):
            total[key] += row[key]
        for t in types:
            total["by_type"][t] += row["by_type"][t]
        for g in grades:
            total["by_grade"][g] += row["by_grade"][g]
    total["km"] = round(total["km"], 3)
    return {"roads": sorted(per.values(), key=lambda x: (-x["total"], x["road"])), "total": total,
            "road_count": len([r for r in per.values() if r["km"] > 0]),
            "types": [{"value": t.value, "label": t.label, "colour": t.colour} for t in DefectType],
            "grades": [{"grade": g, "colour": rl.colour(g)} for g in grades]}


def resurveys_due(rt: Runtime, actor: Actor, within_days: int = 30, limit: int = 50) -> list[dict[str, Any]]:
    """Defects whose next re-survey falls within `within_days` (or is past), soonest first."""
    _can_read(actor)
    today = _local_day(rt, rt.now())
    with unit_of_work(rt, readonly=True) as uow:
        rows = uow.subsurface.resurveys_due(date.fromordinal(today.toordinal() + within_days), limit)
    return [{**r, "type_label": DefectType(r["defect_type"]).label, "late": r["next_resurvey"] < today} for r in rows]


def parse_roads(text: str) -> list[dict[str, Any]]:
    """Form text, one road a line: "人民路 6.5" or "人民路 K0-K3 3.2" (name, optional segment, km)."""
    roads = []
    for n, line in enumerate(text.replace("，", " ").replace(",", " ").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            km = float(parts[-1])
        except ValueError as exc:
            raise InvalidInput(f"第 {n} 行应为“道路 里程（公里）”", {"field": "roads"}) from exc
        if len(parts) < 2:
            raise InvalidInput(f"第 {n} 行缺少道路名称", {"field": "roads"})
        roads.append({"road": parts[0], "segment": " ".join(parts[1:-1]), "length_km": km})
    return roads


def rules_view(rt: Runtime) -> dict[str, Any]:
    rl = rules(rt)
    return {**rl.to_dict(), "worst": rl.grades_worst_first()[0],
            "types": [{"value": t.value, "label": t.label} for t in DefectType]}
