"""The grid teams of the demo city (网格团队): one row per member, ready for bulk insert."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from citysteward.demo.areas import DemoAreas
from citysteward.demo.generator.words import chinese_name, masked_phone


def grid_teams(areas: DemoAreas, street_units: Mapping[str, int], facility_unit: int,
               sanitation_units: Mapping[str, int], seed: int) -> list[dict[str, Any]]:
    """党员先锋岗 + 专业维护团队 (设施所 and 环卫) + 网格巡查员 for every grid, ready for bulk insert."""
    rng = random.Random(seed * 7 + 11)
    rows: list[dict[str, Any]] = []
    for feat in areas.grids["features"]:
        code = feat["properties"]["code"]
        district, street = code[:6], code[:9]
        team = (("party_pioneer", street_units.get(street)), ("maintenance", facility_unit),
                ("maintenance", sanitation_units.get(district)), ("inspector", street_units.get(street)))
        for role, unit_id in team:
            rows.append({"grid_code": code, "name": chinese_name(rng), "team_role": role,
                         "phone": masked_phone(rng), "unit_id": unit_id, "user_id": None})
    return rows
