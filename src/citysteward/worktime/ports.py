"""Ports: what services need from storage, as Protocols. `store/` implements them on SQLAlchemy;
tests may pass fakes."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any, Protocol

from citysteward.kernel.calendar import DayOverride, WorkSchedule
from citysteward.org.ports import OrgUnitOfWork
from citysteward.platform.runtime import Runtime


class CalendarRepository(Protocol):
    def overrides(self) -> list[DayOverride]: ...
    def loaded_years(self) -> set[int]: ...
    def year_rows(self) -> list[dict[str, Any]]: ...
    def replace_year(self, year: int, days: Sequence[DayOverride], source: str, at: datetime) -> None: ...
    def set_day(self, day: DayOverride) -> None: ...
    def delete_day(self, day: date) -> None: ...
    def schedules(self) -> list[WorkSchedule]: ...
    def replace_schedules(self, schedules: Sequence[WorkSchedule]) -> None: ...


class WorktimeUnitOfWork(OrgUnitOfWork, Protocol):
    @property
    def calendar(self) -> CalendarRepository: ...

def unit_of_work(rt: Runtime, *, readonly: bool = False) -> AbstractContextManager[WorktimeUnitOfWork]:
    """A unit of work seen through this context's port."""
    return rt.uow(readonly=readonly)
