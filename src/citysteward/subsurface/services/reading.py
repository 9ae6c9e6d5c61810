"""Reading: defect lists, the map, a defect's page, the survey dashboard, re-surveys due, the rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from citysteward.kernel.actor import Actor
from citysteward.kernel.errors import InvalidInput
from citysteward.org.services import accounts
from citysteward.platform.runtime import Runtime
from citysteward.subsurface.domain import (
    DefectAction,
    DefectState,
    DefectType,
    Measure,
    SubsurfaceRules,
    TreatmentMethod,
    allowed_defect_actions,
    chainage_label,
    treatment_overdue,
    type_change,
)
from citysteward.subsurface.ports import unit_of_work
from citysteward.subsurface.services.common import _can_read, _enum, rules
from citysteward.subsurface.services.defects import _load, _local_day


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
