"""Cached reference data: catalogue, calendar, grid index, unit names, rules, area names."""

from __future__ import annotations

from dataclasses import dataclass

import shapely

from citysteward.domain.calendar import DEFAULT_SCHEDULES, WorkCalendar
from citysteward.domain.catalogue import Category
from citysteward.domain.errors import InvalidInput, OutsideCity
from citysteward.domain.grids import GridIndex
from citysteward.domain.routing import ResponsibilityRule
from citysteward.services.runtime import Runtime

TTL = 15.0


@dataclass(frozen=True)
class Catalogue:
    by_code: dict[str, Category]
    class_names: dict[str, str]

    def get(self, code: str) -> Category:
        cat = self.by_code.get(code)
        if cat is None or not cat.active:
            raise InvalidInput(f"未知或已停用的问题类别：{code}", {"field": "category_code", "value": code})
        return cat

    def name(self, code: str) -> str:
        cat = self.by_code.get(code)
        return cat.name if cat else code


def catalogue(rt: Runtime) -> Catalogue:
    def load() -> Catalogue:
        with rt.uow(readonly=True) as uow:
            cats = uow.catalogue.all()
        return Catalogue({c.code: c for c in cats}, {c.class_code: c.class_name for c in cats})

    return rt.cache.get("catalogue", TTL, load)


def calendar(rt: Runtime) -> WorkCalendar:
    def load() -> WorkCalendar:
        with rt.uow(readonly=True) as uow:
            overrides = uow.calendar.overrides()
            years = uow.calendar.loaded_years()
            schedules = uow.calendar.schedules() or list(DEFAULT_SCHEDULES)
        return WorkCalendar.from_overrides(overrides, years, schedules, tz=rt.settings.tz)

    return rt.cache.get("calendar", TTL, load)


def grid_index(rt: Runtime) -> GridIndex:
    def load() -> GridIndex:
        with rt.uow(readonly=True) as uow:
            rows = uow.areas.grids(with_geometry=True)
        if not rows:
            raise OutsideCity("本市尚未导入网格数据，无法定位问题所在网格，请管理员先导入网格")
        return GridIndex((r["code"], shapely.geometry.shape(r["geometry"])) for r in rows)

    return rt.cache.get("grid_index", 60.0, load)


def unit_names(rt: Runtime) -> dict[int, str]:
    def load() -> dict[int, str]:
        with rt.uow(readonly=True) as uow:
            return {u["id"]: u["name"] for u in uow.org.units()}

    return rt.cache.get("unit_names", TTL, load)


def area_names(rt: Runtime) -> dict[str, str]:
    def load() -> dict[str, str]:
        with rt.uow(readonly=True) as uow:
            return uow.areas.names()

    return rt.cache.get("area_names", 60.0, load)


def rules(rt: Runtime) -> list[ResponsibilityRule]:
    def load() -> list[ResponsibilityRule]:
        with rt.uow(readonly=True) as uow:
            return uow.rules.all()

    return rt.cache.get("rules", TTL, load)
