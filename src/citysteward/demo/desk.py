"""Demo stage: supervision tickets, 挂牌 hot spots and published rankings (issue 10)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from citysteward.demo.world import DemoWorld
from citysteward.platform.runtime import Runtime


def seed(rt: Runtime, world: DemoWorld, say: Callable[..., Any]) -> None:
    """Adds what is missing of this stage to the demo city."""
