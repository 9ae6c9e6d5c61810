"""Cached reference data: catalogue, calendar, grid index, unit names, rules, area names."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from citysteward.kernel.actor import Actor
from citysteward.kernel.calendar import DEFAULT_SCHEDULES, DayOverride, WorkCalendar, WorkSchedule, parse_periods
from citysteward.kernel.calendar_seed import SUPPORTED_YEARS, holidays_from_chinesecalendar, parse_calendar_csv
from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.text import clean_text
from citysteward.org.services.audit import record_change
from citysteward.platform.runtime import Runtime
from citysteward.worktime.ports import unit_of_work

TTL = 15.0


def calendar(rt: Runtime) -> WorkCalendar:
    def load() -> WorkCalendar:
        with unit_of_work(rt, readonly=True) as uow:
            overrides = uow.calendar.overrides()
            years = uow.calendar.loaded_years()
            schedules = uow.calendar.schedules() or list(DEFAULT_SCHEDULES)
        return WorkCalendar.from_overrides(overrides, years, schedules, tz=rt.settings.tz)

    return rt.cache.get("calendar", TTL, load)


def import_year(rt: Runtime, actor: Actor, year: int, csv_text: str | None = None) -> dict[str, Any]:
    if csv_text is not None:
        csv_text = clean_text(csv_text, multiline=True, field="csv", label="日历文件")
        days = [d for d in parse_calendar_csv(csv_text) if d.day.year == year]
        if not days and csv_text.strip():
            raise InvalidInput(f"导入的文件中没有 {year} 年的日期")
        source = "csv"
    else:
        days = holidays_from_chinesecalendar(year)
        source = "chinesecalendar"
    with unit_of_work(rt) as uow:
        before = [d.day.isoformat() for d in uow.calendar.overrides() if d.day.year == year]
        uow.calendar.replace_year(year, days, source, rt.now())
        record_change(rt, uow, actor, "calendar", str(year), "import", {"days": before},
               {"source": source, "days": [f"{d.day.isoformat()} {d.kind} {d.name}" for d in days]})
        uow.commit()
    rt.cache.drop("calendar")
    return {"year": year, "source": source, "holidays": sum(d.kind == "holiday" for d in days),
            "workdays": sum(d.kind == "workday" for d in days)}


def seed_default_years(rt: Runtime, actor: Actor) -> list[int]:
    with unit_of_work(rt, readonly=True) as uow:
        loaded = uow.calendar.loaded_years()
    years = [y for y in SUPPORTED_YEARS if y not in loaded]
    for y in years:
        import_year(rt, actor, y)
    return years


def set_day(rt: Runtime, actor: Actor, day: date, kind: str | None, name: str = "") -> None:
    """kind holiday | workday sets an override; None removes it (the day follows the weekly rule)."""
    with unit_of_work(rt) as uow:
        if day.year not in uow.calendar.loaded_years():
            raise InvalidInput(f"{day.year} 年的日历尚未导入，请先导入该年")
        before = next((d for d in uow.calendar.overrides() if d.day == day), None)
        if kind is None:
            uow.calendar.delete_day(day)
            after = None
        else:
            after = DayOverride(day, kind, name or ("节假日" if kind == "holiday" else "调休上班"))  # type: ignore[arg-type]
            uow.calendar.set_day(after)
        record_change(rt, uow, actor, "calendar_day", day.isoformat(), "update",
               before and {"kind": before.kind, "name": before.name}, after and {"kind": after.kind, "name": after.name})
        uow.commit()
    rt.cache.drop("calendar")


def set_schedules(rt: Runtime, actor: Actor, items: list[dict[str, Any]]) -> list[WorkSchedule]:
    schedules = [
        WorkSchedule(name=i.get("name") or "作息时间", start_md=i.get("start_md", "01-01"), end_md=i.get("end_md", "12-31"),
                     periods=parse_periods(i.get("periods", "")), weekdays=frozenset(i.get("weekdays", range(5))))
        for i in items
    ]
    WorkCalendar(schedules)  # refuses gaps and overlaps between seasons
    with unit_of_work(rt) as uow:
        before = uow.calendar.schedules()
        uow.calendar.replace_schedules(schedules)
        record_change(rt, uow, actor, "work_schedule", "*", "update", [schedule_dict(s) for s in before],
               [schedule_dict(s) for s in schedules])
        uow.commit()
    rt.cache.drop("calendar")
    return schedules


def schedule_dict(s: WorkSchedule) -> dict[str, Any]:
    return {"name": s.name, "start_md": s.start_md, "end_md": s.end_md,
            "periods": ",".join(f"{p.start:%H:%M}-{p.end:%H:%M}" for p in s.periods), "weekdays": sorted(s.weekdays)}


def calendar_view(rt: Runtime, year: int) -> dict[str, Any]:
    with unit_of_work(rt, readonly=True) as uow:
        years = uow.calendar.year_rows()
        days = [d for d in uow.calendar.overrides() if d.day.year == year]
        schedules = uow.calendar.schedules() or list(DEFAULT_SCHEDULES)
    return {
        "year": year,
        "loaded": any(y["year"] == year for y in years),
        "loaded_years": [y["year"] for y in years],
        "days": [{"day": d.day.isoformat(), "kind": d.kind, "name": d.name} for d in days],
        "schedules": [schedule_dict(s) for s in schedules],
    }


def readiness(rt: Runtime, horizon_days: int = 60) -> list[str]:
    """Warnings an administrator must act on: deadlines soon run into a year with no holiday data."""
    today = rt.now().astimezone(rt.settings.tz).date()
    with unit_of_work(rt, readonly=True) as uow:
        loaded = uow.calendar.loaded_years()
    needed = {today.year, (today + timedelta(days=horizon_days)).year}
    return [f"{y} 年的节假日与调休尚未导入：处置时限跨入该年的案件将无法计算期限，请管理员尽快导入"
            f"（citysteward import-calendar {y} --csv 文件）" for y in sorted(needed - loaded)]
