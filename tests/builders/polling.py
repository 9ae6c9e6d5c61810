"""Waiting in tests for something another thread or process does (a broker's message, a checkpoint)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], object], timeout: float = 30.0, every: float = 0.05) -> bool:
    """Poll `predicate` until it holds or `timeout` seconds pass; whether it held (asked once more at the end)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(every)
    return bool(predicate())
