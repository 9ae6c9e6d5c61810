"""Survey projects, defects and their re-surveys (复测) as observations of the same defect."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from citysteward.kernel import geo
from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import Conflict, InvalidInput, NotFound
from citysteward.platform.runtime import Runtime
from citysteward.subsurface.domain import (
    Defect,
    DefectAction,
    DefectState,
    DefectType,
    Measure,
    Observation,
    SubsurfaceRules,
    SurveyMethod,
    check_defect_action,
    check_measure,
    type_change,
)
from citysteward.subsurface.ports import SubsurfaceUnitOfWork, unit_of_work
from citysteward.subsurface.services.common import _can_read, _can_write, _day, _enum, _num, _text, rules


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


