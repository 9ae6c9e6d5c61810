"""Repositories on SQLAlchemy Core: explicit row <-> domain mapping, one class per aggregate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from citysteward.kernel.calendar import DayOverride, WorkPeriod, WorkSchedule
from citysteward.worktime import tables as worktime_tables


# ---------------------------------------------------------------- calendar
class SqlCalendarRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def overrides(self) -> list[DayOverride]:
        rows = self.conn.execute(select(worktime_tables.calendar_days).order_by(worktime_tables.calendar_days.c.day))
        return [DayOverride(r.day, r.kind, r.name) for r in rows]

    def loaded_years(self) -> set[int]:
        return {r.year for r in self.conn.execute(select(worktime_tables.calendar_years.c.year))}

    def year_rows(self) -> list[dict[str, Any]]:
        return [dict(r._mapping) for r in self.conn.execute(select(worktime_tables.calendar_years).order_by(worktime_tables.calendar_years.c.year))]

    def replace_year(self, year: int, days: Sequence[DayOverride], source: str, at: datetime) -> None:
        self.conn.execute(delete(worktime_tables.calendar_days).where(
            worktime_tables.calendar_days.c.day >= date(year, 1, 1), worktime_tables.calendar_days.c.day <= date(year, 12, 31)))
        if days:
            self.conn.execute(insert(worktime_tables.calendar_days), [{"day": d.day, "kind": d.kind, "name": d.name} for d in days])
        self.conn.execute(delete(worktime_tables.calendar_years).where(worktime_tables.calendar_years.c.year == year))
        self.conn.execute(insert(worktime_tables.calendar_years).values(year=year, source=source, loaded_at=at))

    def set_day(self, day: DayOverride) -> None:
        self.delete_day(day.day)
        self.conn.execute(insert(worktime_tables.calendar_days).values(day=day.day, kind=day.kind, name=day.name))

    def delete_day(self, day: date) -> None:
        self.conn.execute(delete(worktime_tables.calendar_days).where(worktime_tables.calendar_days.c.day == day))

    def schedules(self) -> list[WorkSchedule]:
        rows = self.conn.execute(select(worktime_tables.work_schedules).order_by(worktime_tables.work_schedules.c.id))
        return [
            WorkSchedule(
                name=r.name, start_md=r.start_md, end_md=r.end_md,
                periods=tuple(WorkPeriod(p.start, p.end) for p in parse_periods_text(r.periods)),
                weekdays=frozenset(r.weekdays),
            )
            for r in rows
        ]

    def replace_schedules(self, schedules: Sequence[WorkSchedule]) -> None:
        self.conn.execute(delete(worktime_tables.work_schedules))
        for s in schedules:
            self.conn.execute(insert(worktime_tables.work_schedules).values(
                name=s.name, start_md=s.start_md, end_md=s.end_md, weekdays=sorted(s.weekdays),
                periods=",".join(f"{p.start:%H:%M}-{p.end:%H:%M}" for p in s.periods)))


def parse_periods_text(text: str) -> tuple[WorkPeriod, ...]:
    from citysteward.kernel.calendar import parse_periods

    return tuple(parse_periods(text))
