"""The assets context as the case-lifecycle services see it in the fake: a city with no roads and no
components (the assets tests run on SQLite and PostgreSQL)."""

from __future__ import annotations

from citysteward.assets.domain.roads import Road


class FakeAssetsRepository:
    def roads(self, road_class: str | None = None, handed_over: bool | None = None) -> list[Road]:
        return []

    def components_of_case(self, case_id: int) -> list[int]:
        return []
