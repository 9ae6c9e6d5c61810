"""What every demo stage is given: the demo city's areas, its units and the seed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from citysteward.demo.areas import DemoAreas
from citysteward.demo.units import UnitDef
from citysteward.platform.runtime import Runtime


@dataclass(frozen=True)
class DemoWorld:
    areas: DemoAreas
    unit_defs: Sequence[UnitDef]
    unit_ids: dict[str, int]  # unit code -> id
    seed: int
    console: Console | None = None


# A stage looks first and only adds what is missing, so `make demo` over a complete demo adds nothing.
Stage = Callable[[Runtime, DemoWorld, Callable[..., Any]], None]
