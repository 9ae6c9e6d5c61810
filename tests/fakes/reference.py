"""Fake repositories of the reference data services cache: areas and grids, the catalogue, the
working calendar."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from citysteward.catalogue.domain.categories import Category
from citysteward.kernel.calendar import DayOverride, WorkSchedule
from tests.fakes.tables import FakeRepository, Row, new_row, ordered


class FakeAreaRepository(FakeRepository):
    def upsert_areas(self, rows: Iterable[Row]) -> int:
        self._w.next_id("area_change_stamp")  # as the database's triggers raise it (migration 0019)
        return self._upsert(self._w.areas, rows, {"parent_code": None, "geometry": None})

    def upsert_grids(self, rows: Iterable[Row]) -> int:
        self._w.next_id("area_change_stamp")
        return self._upsert(self._w.grids, rows, {"area_m2": None})

    def change_stamp(self) -> tuple[int, str] | None:
        return self._r.seq.get("area_change_stamp", 0), "fake"

    @staticmethod
    def _upsert(table: dict[str, Row], rows: Iterable[Row], defaults: Row) -> int:
        n = 0
        for row in rows:
            table[row["code"]] = {**table.get(row["code"], defaults), **new_row(row)}
            n += 1
        return n

    def areas(self, level: str | None = None, parent: str | None = None) -> list[Row]:
        return copy.deepcopy([a for a in ordered(self._r.areas) if (not level or a["level"] == level)
                              and (not parent or a["parent_code"] == parent)])

    def area(self, code: str) -> Row | None:
        return copy.deepcopy(self._r.areas.get(code))

    def grids(self, parent: str | None = None, with_geometry: bool = True) -> list[Row]:
        rows = [g for g in ordered(self._r.grids)
                if not parent or parent in (g["community_code"], g["street_code"], g["district_code"])]
        return copy.deepcopy(rows if with_geometry else [{k: v for k, v in g.items() if k != "geometry"} for g in rows])

    def grid(self, code: str) -> Row | None:
        return copy.deepcopy(self._r.grids.get(code))

    def grid_members(self, grid_code: str) -> list[Row]:
        return copy.deepcopy([m for m in ordered(self._r.grid_members) if m["grid_code"] == grid_code])

    def set_grid_members(self, grid_code: str, members: Sequence[Row]) -> None:
        d = self._w
        d.grid_members = {k: m for k, m in d.grid_members.items() if m["grid_code"] != grid_code}
        for m in members:
            new = d.next_id("grid_members")
            d.grid_members[new] = new_row(m, {"phone": None, "unit_id": None, "user_id": None}) | {
                "id": new, "grid_code": grid_code}

    def names(self) -> dict[str, str]:
        return {**{c: a["name"] for c, a in self._r.areas.items()}, **{c: g["name"] for c, g in self._r.grids.items()}}

    def grid_count(self) -> int:
        return len(self._r.grids)


class FakeCatalogueRepository(FakeRepository):  # categories are frozen: shared, not copied
    def all(self) -> list[Category]:
        return ordered(self._r.categories)

    def get(self, code: str) -> Category | None:
        return self._r.categories.get(code)

    def upsert(self, category: Category) -> None:
        self._w.categories[category.code] = category


class FakeCalendarRepository(FakeRepository):
    def overrides(self) -> list[DayOverride]:
        return ordered(self._r.days)

    def loaded_years(self) -> set[int]:
        return set(self._r.years)

    def year_rows(self) -> list[Row]:
        return copy.deepcopy(ordered(self._r.years))

    def replace_year(self, year: int, days: Sequence[DayOverride], source: str, at: datetime) -> None:
        d = self._w
        d.days = {k: v for k, v in d.days.items() if k.year != year} | {x.day: x for x in days}
        d.years[year] = {"year": year, "source": source, "loaded_at": at}

    def set_day(self, day: DayOverride) -> None:
        self._w.days[day.day] = day

    def delete_day(self, day: date) -> None:
        self._w.days.pop(day, None)

    def schedules(self) -> list[WorkSchedule]:
        return ordered(self._r.schedules)

    def replace_schedules(self, schedules: Sequence[WorkSchedule]) -> None:
        d = self._w
        d.schedules = {}
        for s in schedules:
            d.schedules[d.next_id("schedules")] = s

