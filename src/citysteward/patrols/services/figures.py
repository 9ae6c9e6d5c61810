"""Patrol figures for a period and a cut (domain/figures.py defines each one), and the coverage map of
a day: every patrol's track and the grids nobody walked."""

from __future__ import annotations

from datetime import date
from typing import Any

from citysteward.geography import services as geography_services
from citysteward.kernel import periods
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden
from citysteward.kernel.periods import Period
from citysteward.patrols.domain import figures as f
from citysteward.patrols.domain import tracks
from citysteward.patrols.ports import unit_of_work
from citysteward.patrols.services.field import summarise
from citysteward.patrols.services.setup import MANAGERS, config
from citysteward.platform.runtime import Runtime

PUBLIC_SOURCES = ("citizen", "hotline", "open311")


def _viewer(actor: Actor) -> int | None:
    """Managers see everyone; an inspector only himself."""
    if actor.role in MANAGERS:
        return None
    if actor.role is Role.INSPECTOR and actor.user_id is not None:
        return actor.user_id
    raise Forbidden("需要值班长、督查员、领导或系统管理员权限")


def load(rt: Runtime, period: Period) -> f.FigureInput:
    cfg = config(rt)
    local = rt.settings.tz
    with unit_of_work(rt, readonly=True) as uow:
        patrols = uow.patrols.patrols_on(period.first, period.last)
        visits = uow.patrols.visits_on(period.first, period.last)
        reports = uow.patrols.inspector_reports(period.start, period.end)
        verifications = uow.patrols.steps(period.start, period.end, ["verify", "refute"], "pending_verify")
        checks = uow.patrols.steps(period.start, period.end, ["check_pass", "check_fail"], "handled")
        public = uow.patrols.public_verified(period.start, period.end, PUBLIC_SOURCES)
    ended = {p["id"] for p in patrols if p["state"] == "ended"}
    return f.FigureInput(
        patrols=[f.PatrolRow(p["id"], p["user_id"], p["local_day"], bool(p["effective"]), p["minutes"],
                             p["own_minutes"], p["distance_m"]) for p in patrols if p["id"] in ended],
        visits=[f.VisitRow(v["patrol_id"], v["user_id"], v["local_day"], v["grid_code"], v["passes"])
                for v in visits if v["patrol_id"] in ended],
        reports=[f.ReportRow(r["reporter_user_id"], r["grid_code"], r["registered_at"] is not None,
                             bool(r["self_handled"])) for r in reports],
        verifications=[f.StepRow(s["actor_id"], s["grid_code"], s["since"], s["at"]) for s in verifications],
        checks=[f.StepRow(s["actor_id"], s["grid_code"], s["since"], s["at"]) for s in checks],
        public=[f.PublicRow(c["id"], c["grid_code"], c["reported_at"].astimezone(local).date()) for c in public],
        verify_minutes=cfg.verify_minutes, check_minutes=cfg.check_minutes,
    )


def figures(rt: Runtime, actor: Actor, period: Period, cut: str = "inspector") -> dict[str, Any]:
    """A table of the cut's rows and the total; an inspector gets his own row only."""
    only = _viewer(actor)
    if only is not None:
        cut = "inspector"
    data = load(rt, period)
    counts = f.count(data, cut)
    if only is not None:
        counts = {k: v for k, v in counts.items() if k == only}
    with unit_of_work(rt, readonly=True) as uow:
        people = {p["id"]: p["display_name"] for p in uow.patrols.inspectors()}
    areas = geography_services.area_names(rt)

    def name(key: Any) -> str:
        if cut == "inspector":
            return str(people.get(key, f"用户 {key}"))
        return "合计" if cut == "total" else str(areas.get(key, key or "（未定位）"))

    rows = [{"key": k, "name": name(k), "counts": f.rounded(c), "rates": f.rates(c)}
            for k, c in sorted(counts.items(), key=lambda kv: str(kv[0]))]
    total_counts = f.count(data, "total").get("", {}) if only is None else f.total_of(counts.values())
    return {
        "period": {"label": period.label, "from": period.first.isoformat(), "to": period.last.isoformat()},
        "cut": cut, "cut_label": f.CUTS[cut],
        "rows": rows if cut != "total" else [],
        "total": {"counts": f.rounded(total_counts or f.total_of([])), "rates": f.rates(total_counts or {})},
        "labels": {**dict(f.COUNTS), **dict(f.AMOUNTS), **{c: label for c, label, _n, _d in f.RATES}},
        "effective_rule": config(rt).effective.explain(),
    }


def coverage(rt: Runtime, actor: Actor, day: date, street_code: str | None = None) -> dict[str, Any]:
    """The day's tracks (every patrol, open ones live) and which grids were walked and which not."""
    only = _viewer(actor)
    cfg = config(rt)
    with unit_of_work(rt, readonly=True) as uow:
        patrols = uow.patrols.patrols_on(day, day, only)
        texts = uow.patrols.batch_points([p["id"] for p in patrols])
        visits = [v for v in uow.patrols.visits_on(day, day) if only is None or v["user_id"] == only]
        people = {p["id"]: p["display_name"] for p in uow.patrols.inspectors()}
        grid_rows = uow.areas.grids(street_code or None, with_geometry=True)
    visited: dict[str, set[int]] = {}
    for v in visits:
        visited.setdefault(v["grid_code"], set()).add(v["user_id"])
    lines: list[dict[str, Any]] = []
    for p in patrols:
        points = tracks.merged(tracks.decode(t) for t in texts[p["id"]])
        if p["state"] == "open":
            for code in summarise(rt, cfg, p, texts[p["id"]]).grids:
                visited.setdefault(code, set()).add(p["user_id"])
        if points:
            lines.append({"type": "Feature", "geometry": {"type": "LineString",
                                                          "coordinates": [[q.lon, q.lat] for q in points]},
                          "properties": {"patrol_id": p["id"], "user_id": p["user_id"],
                                         "name": people.get(p["user_id"], ""), "state": p["state"]}})
    grids: list[dict[str, Any]] = []
    for g in grid_rows:
        if street_code and g["street_code"] != street_code:
            continue
        who = visited.get(g["code"], set())
        grids.append({"type": "Feature", "geometry": g["geometry"],
                      "properties": {"code": g["code"], "name": g["name"], "visited": bool(who),
                                     "inspectors": sorted(people.get(u, str(u)) for u in who)}})
    shown = [g["properties"]["code"] for g in grids]
    return {"day": day.isoformat(), "patrols": len(patrols),
            "grids": {"type": "FeatureCollection", "features": grids},
            "tracks": {"type": "FeatureCollection", "features": lines},
            "visited": [c for c in shown if c in visited], "not_visited": [c for c in shown if c not in visited]}


def period_of(rt: Runtime, period: str | None = None, date_from: date | None = None,
              date_to: date | None = None) -> Period:
    """`period` = YYYY-MM or YYYY-MM-DD; or `date_from`..`date_to`; by default today."""
    tz = rt.settings.tz
    if period:
        text = period.strip()
        if len(text) == 10:
            return Period.day(periods.parse_day(text), tz)
        return Period.month(*periods.parse_month(text), tz)
    if date_from or date_to:
        return Period.days(date_from or date_to or date.today(), date_to or date_from or date.today(), tz)
    return Period.day(rt.now().astimezone(tz).date(), tz)


PAPER_COLUMNS = (("patrols", "巡查人次"), ("effective", "有效巡查人次"), ("km", "巡查里程（公里）"),
                 ("grids_visited", "走到网格数"), ("reports", "上报数"), ("self_handled", "自处理数"),
                 ("verified", "核实数"), ("checked", "核查数"), ("missed", "漏报数"))
PAPER_RATES = (("on_time_verify_rate", "按时核实率"), ("on_time_check_rate", "按时核查率"), ("missed_rate", "漏报率"))


def paper_section(rt: Runtime, period: Period) -> dict[str, Any]:
    """The patrol section of the daily sheet and the monthly bulletin: one row per inspector and the
    total; rates as numbers (None: nothing to count). For the city's edition only (no viewer check:
    the papers module decides who reads what)."""
    data = load(rt, period)
    counts = f.count(data, "inspector")
    total = f.count(data, "total").get("", f.total_of([]))
    with unit_of_work(rt, readonly=True) as uow:
        people = {p["id"]: p["display_name"] for p in uow.patrols.inspectors()}

    def line(name: str, c: dict[str, float]) -> list[Any]:
        shown = f.rounded(c)
        rates = f.rates(c)
        return [name, *[shown.get(k, 0) for k, _l in PAPER_COLUMNS], *[rates[k] for k, _l in PAPER_RATES]]

    rows = [line(people.get(k, f"用户 {k}"), c) for k, c in sorted(counts.items(), key=lambda kv: str(kv[0]))]
    t = f.rounded(total)
    return {
        "title": "日常巡查情况", "columns": ["监督员", *[label for _k, label in PAPER_COLUMNS], *[label for _k, label in PAPER_RATES]],
        "rows": [*rows, line("合计", total)] if rows else [], "rate_columns": len(PAPER_RATES),
        "lead": (f"{period.label}，监督员巡查 {t['patrols']} 人次（有效 {t['effective']} 人次），里程 {t['km']} 公里，"
                 f"上报问题 {t['reports']} 件（自处理 {t['self_handled']} 件），核实 {t['verified']} 件、核查 {t['checked']} 件，"
                 f"漏报 {t['missed']} 件。"),
        "note": f"有效巡查：{config(rt).effective.explain()}；漏报：市民、热线反映并核实属实、当日有人巡查过该网格的问题。",
    }
