"""Throttling rules (限流): fixed-window counters, pure.

A limit allows `max` attempts per window of `seconds` for one subject (a client address, a user
name). Windows are aligned to the city's local clock, so a one-day window starts at local midnight.
Every attempt adds one to its window's counter; the attempt that takes the counter past `max` is
refused, and so is every later one until the window ends (`retry_after`). Counting failures instead
(password guesses) locks the subject once `max` failures are in the window: the lockout lasts until
the window ends. A limit whose `max` is 0 is off. The counters live in a store shared by every app
worker (platform/throttle.py), so a limit holds across workers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from citysteward.kernel.errors import TooManyRequests

MINUTE = 60
HOUR = 3600
DAY = 86400


@dataclass(frozen=True, slots=True)
class Limit:
    name: str  # short and stable: part of the counter's key
    max: int  # attempts (or failures) allowed per window; 0 = no limit
    seconds: int  # window length
    message: str  # what the refused client is told (Chinese), before "please retry in …"

    @property
    def off(self) -> bool:
        return self.max <= 0


@dataclass(frozen=True, slots=True)
class Window:
    start: int  # epoch seconds
    seconds: int

    @property
    def end(self) -> int:
        return self.start + self.seconds


def window_at(moment: datetime, seconds: int) -> Window:
    """The window holding `moment`, aligned to the local clock of `moment`'s time zone."""
    if seconds <= 0:
        raise ValueError("a window lasts at least one second")
    offset = moment.utcoffset()
    shift = int(offset.total_seconds()) if offset is not None else 0
    ts = math.floor(moment.timestamp())
    return Window(((ts + shift) // seconds) * seconds - shift, seconds)


def over(count: int, limit: Limit) -> bool:
    """After counting an attempt: did it go past the limit?"""
    return not limit.off and count > limit.max


def locked(failures: int, limit: Limit) -> bool:
    """Before an attempt: are there already as many failures in the window as the limit allows?"""
    return not limit.off and failures >= limit.max


def retry_after(window: Window, moment: datetime) -> int:
    """Whole seconds until the window ends (at least one)."""
    return max(1, math.ceil(window.end - moment.timestamp()))


def wait_text(seconds: int) -> str:
    if seconds < MINUTE:
        return f"{seconds} 秒"
    if seconds < HOUR:
        return f"{math.ceil(seconds / MINUTE)} 分钟"
    return f"{math.ceil(seconds / HOUR)} 小时"


def refusal(limit: Limit, window: Window, moment: datetime) -> TooManyRequests:
    wait = retry_after(window, moment)
    return TooManyRequests(f"{limit.message}，请 {wait_text(wait)}后再试", wait,
                           {"limit": limit.name, "max": limit.max, "window_seconds": limit.seconds,
                            "retry_after": wait})
