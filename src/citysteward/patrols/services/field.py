"""The inspector's day in the field (城管通): clock in and out with place (考勤), start and end a patrol,
post the track in batches. A batch is numbered by the phone; a resend after a lost connection is stored
once. The summary of a patrol (grids, minutes, distance, passes, 有效巡查) is computed when it ends —
and again if a late batch arrives afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from citysteward.geography import services as geography_services
from citysteward.kernel import geo
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from citysteward.patrols.domain import tracks
from citysteward.patrols.domain.config import PatrolConfig
from citysteward.patrols.domain.duty import Duty
from citysteward.patrols.ports import PatrolsUnitOfWork, unit_of_work
from citysteward.patrols.services.setup import config
from citysteward.platform.runtime import Runtime


def _inspector_only(actor: Actor) -> int:
    if actor.role is not Role.INSPECTOR or actor.user_id is None:
        raise Forbidden("只有监督员可以打卡、巡查和上传轨迹")
    return actor.user_id


def _place(rt: Runtime, lon: float | None, lat: float | None) -> tuple[float | None, float | None, str | None]:
    if lon is None or lat is None:
        return None, None, None
    try:
        wlon, wlat = geo.validate_lonlat(float(lon), float(lat))
    except (TypeError, ValueError) as exc:
        raise InvalidInput("位置坐标无效", {"field": "lon"}) from exc
    return wlon, wlat, geography_services.grid_index(rt).locate_or_none(wlon, wlat)


def _local_day(rt: Runtime, at: datetime) -> Any:
    return at.astimezone(rt.settings.tz).date()


def clock(rt: Runtime, actor: Actor, kind: str, lon: float | None = None, lat: float | None = None) -> dict[str, Any]:
    """上班 / 下班打卡. Clocking out ends an open patrol."""
    user_id = _inspector_only(actor)
    if kind not in ("in", "out"):
        raise InvalidInput("打卡类型只能是 in（上班）或 out（下班）", {"field": "kind"})
    wlon, wlat, grid = _place(rt, lon, lat)
    now = rt.now()
    ended = None
    with unit_of_work(rt) as uow:
        last = uow.patrols.last_attendance(user_id)
        if kind == "in" and last is not None and last["kind"] == "in" and _local_day(rt, last["at"]) == _local_day(rt, now):
            raise Conflict("今天已经上班打卡，请勿重复打卡")
        if kind == "out" and (last is None or last["kind"] != "in"):
            raise Conflict("还没有上班打卡，不能下班打卡")
        if kind == "out":
            open_ = uow.patrols.open_patrol(user_id)
            if open_ is not None:
                ended = close(rt, uow, open_, now)
        uow.patrols.add_attendance({"user_id": user_id, "kind": kind, "at": now, "lon": wlon, "lat": wlat,
                                    "grid_code": grid})
        uow.commit()
    return {"kind": kind, "at": now, "grid_code": grid, "ended_patrol": ended}


def start_patrol(rt: Runtime, actor: Actor) -> dict[str, Any]:
    user_id = _inspector_only(actor)
    now = rt.now()
    with unit_of_work(rt) as uow:
        last = uow.patrols.last_attendance(user_id)
        if last is None or last["kind"] != "in":
            raise Conflict("请先上班打卡，再开始巡查")
        if uow.patrols.open_patrol(user_id) is not None:
            raise Conflict("已有进行中的巡查，请先结束")
        duty = Duty(uow.patrols.bindings(user_id=user_id), uow.patrols.roster_at(now))
        own = sorted(duty.own_grids(user_id, now))
        pid = uow.patrols.add_patrol({"user_id": user_id, "state": "open", "local_day": _local_day(rt, now),
                                      "started_at": now, "own_grids": own, "points": 0, "distance_m": 0.0,
                                      "minutes": 0.0, "own_minutes": 0.0, "grids_visited": 0, "effective": False})
        uow.commit()
    return {"patrol_id": pid, "started_at": now, "own_grids": own}


def end_patrol(rt: Runtime, actor: Actor, patrol_id: int) -> dict[str, Any]:
    user_id = _inspector_only(actor)
    with unit_of_work(rt) as uow:
        patrol = _own_patrol(uow, patrol_id, user_id)
        if patrol["state"] != "open":
            raise Conflict("这次巡查已经结束")
        result = close(rt, uow, patrol, rt.now())
        uow.commit()
    return result


def _own_patrol(uow: PatrolsUnitOfWork, patrol_id: int, user_id: int) -> dict[str, Any]:
    patrol = uow.patrols.patrol(patrol_id, lock=True)
    if patrol is None or patrol["user_id"] != user_id:
        raise NotFound(f"巡查 {patrol_id} 不存在", {"field": "patrol_id"})
    return patrol


def summarise(rt: Runtime, cfg: PatrolConfig, patrol: dict[str, Any], texts: Sequence[str]) -> tracks.TrackSummary:
    points = tracks.merged(tracks.decode(t) for t in texts)
    index = geography_services.grid_index(rt)
    return tracks.summarise(points, lambda xs, ys: list(index.locate_many(xs, ys)), set(patrol["own_grids"]), cfg.track)


def close(rt: Runtime, uow: PatrolsUnitOfWork, patrol: dict[str, Any], at: datetime | None) -> dict[str, Any]:
    """Summarise a patrol from its stored points inside the caller's transaction; with `at`, end it."""
    cfg = config(rt)
    texts = uow.patrols.batch_points([patrol["id"]])[patrol["id"]]
    s = summarise(rt, cfg, patrol, texts)
    own = patrol["own_grids"]
    changes: dict[str, Any] = {"points": s.points, "distance_m": round(s.distance_m, 1), "minutes": round(s.minutes, 2),
               "own_minutes": round(s.own_minutes, 2), "grids_visited": len(s.grids),
               "effective": s.effective(cfg.effective, own)}
    if at is not None:
        changes |= {"state": "ended", "ended_at": at}
    visits = [{"grid_code": g, "user_id": patrol["user_id"], "local_day": patrol["local_day"],
               "minutes": round(v.minutes, 2), "passes": v.passes, "points": v.points, "distance_m": round(v.distance_m, 1)}
              for g, v in sorted(s.grids.items())]
    uow.patrols.save_summary(patrol["id"], changes, visits)
    return {"patrol_id": patrol["id"], **changes, "grids": [v["grid_code"] for v in visits]}


def post_track(rt: Runtime, actor: Actor, patrol_id: int, seq: int, raw: Sequence[object]) -> dict[str, Any]:
    """Store one batch of points; the same (patrol, seq) again is acknowledged and not stored twice."""
    user_id = _inspector_only(actor)
    if not 0 <= seq <= 10_000_000:
        raise InvalidInput("批次序号应为非负整数", {"field": "seq"})
    cfg = config(rt)
    points = sorted(tracks.parse_points(raw, cfg.track.max_points_per_batch), key=lambda p: p.t)
    with unit_of_work(rt) as uow:
        patrol = uow.patrols.patrol(patrol_id)
        if patrol is None or patrol["user_id"] != user_id:
            raise NotFound(f"巡查 {patrol_id} 不存在", {"field": "patrol_id"})
        stored = uow.patrols.add_batch(patrol_id, seq, rt.now(), len(points), points[0].t, points[-1].t,
                                       tracks.encode(points))
        if stored and patrol["state"] != "open":  # a late batch of an ended patrol: its summary again
            close(rt, uow, patrol, None)
        uow.commit()
    return {"patrol_id": patrol_id, "seq": seq, "stored": stored, "points": len(points)}


def my_day(rt: Runtime, actor: Actor) -> dict[str, Any]:
    """What the phone's home shows: clocked in or not, the open patrol and its live summary, today's plan."""
    user_id = _inspector_only(actor)
    now = rt.now()
    cfg = config(rt)
    with unit_of_work(rt, readonly=True) as uow:
        last = uow.patrols.last_attendance(user_id)
        patrol = uow.patrols.open_patrol(user_id)
        texts = uow.patrols.batch_points([patrol["id"]])[patrol["id"]] if patrol else []
        today = _local_day(rt, now)
        done = [p for p in uow.patrols.patrols_on(today, today, user_id) if p["state"] == "ended"]
        duty = Duty(uow.patrols.bindings(user_id=user_id), uow.patrols.roster_at(now))
    live = summarise(rt, cfg, patrol, texts) if patrol else None
    on = last is not None and last["kind"] == "in" and _local_day(rt, last["at"]) == today
    return {
        "clocked_in": on, "clocked_at": last["at"] if last else None,
        "patrol": None if patrol is None else {
            "id": patrol["id"], "started_at": patrol["started_at"], "points": live.points if live else 0,
            "distance_m": round(live.distance_m, 1) if live else 0.0,
            "grids": sorted(live.grids) if live else [], "own_grids": patrol["own_grids"]},
        "own_grids": sorted(duty.own_grids(user_id, now)),
        "today": {"patrols": len(done), "effective": sum(1 for p in done if p["effective"]),
                  "distance_m": round(sum(p["distance_m"] for p in done), 1)},
    }


def purge_tracks(rt: Runtime) -> int:
    """Delete raw points past the retention (the `citysteward worker` or a cron runs this)."""
    cfg = config(rt)
    with unit_of_work(rt) as uow:
        n = uow.patrols.purge_batches(rt.now() - timedelta(days=cfg.track.retention_days))
        uow.commit()
    return n
