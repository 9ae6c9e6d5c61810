"""The throttling rules, pure: fixed windows aligned to the local clock, when an attempt is refused,
how long the client is told to wait, and what a limit of 0 means."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citysteward.kernel.errors import TooManyRequests
from citysteward.kernel.throttle import DAY, MINUTE, Limit, locked, over, refusal, retry_after, wait_text, window_at

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIVE_A_MINUTE = Limit("t", 5, MINUTE, "提交过于频繁")


def test_a_day_window_starts_at_local_midnight() -> None:
    moment = datetime(2026, 11, 17, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC
    w = window_at(moment, DAY)
    assert datetime.fromtimestamp(w.start, SHANGHAI) == datetime(2026, 11, 17, 0, 0, tzinfo=SHANGHAI)
    assert datetime.fromtimestamp(w.end, SHANGHAI) == datetime(2026, 11, 18, 0, 0, tzinfo=SHANGHAI)
    # the same instant seen in UTC falls in the UTC day
    assert datetime.fromtimestamp(window_at(moment.astimezone(UTC), DAY).start, UTC).hour == 0


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
       st.sampled_from([1, 60, 900, 3600, DAY]))
def test_the_window_holds_the_moment_and_is_aligned(naive: datetime, seconds: int) -> None:
    moment = naive.replace(tzinfo=SHANGHAI)
    w = window_at(moment, seconds)
    assert w.start <= moment.timestamp() < w.end
    assert (w.start + 8 * 3600) % seconds == 0  # aligned to Beijing time


@pytest.mark.parametrize(("count", "refused"), [(1, False), (5, False), (6, True), (60, True)])
def test_the_attempt_past_the_limit_is_refused(count: int, refused: bool) -> None:
    assert over(count, FIVE_A_MINUTE) is refused


@pytest.mark.parametrize(("failures", "is_locked"), [(0, False), (4, False), (5, True), (9, True)])
def test_a_subject_is_locked_once_it_has_had_its_failures(failures: int, is_locked: bool) -> None:
    assert locked(failures, FIVE_A_MINUTE) is is_locked


def test_a_limit_of_zero_is_off() -> None:
    off = Limit("t", 0, MINUTE, "x")
    assert off.off and not over(10**9, off) and not locked(10**9, off)


def test_the_client_is_told_to_come_back_when_the_window_ends() -> None:
    moment = datetime(2026, 11, 17, 10, 0, 15, 500000, tzinfo=SHANGHAI)
    w = window_at(moment, MINUTE)
    assert retry_after(w, moment) == 45  # 44.5 s, rounded up
    assert retry_after(w, moment + timedelta(seconds=44.9)) == 1
    err = refusal(FIVE_A_MINUTE, w, moment)
    assert isinstance(err, TooManyRequests) and err.retry_after == 45
    assert err.message == "提交过于频繁，请 45 秒后再试"
    assert err.detail == {"limit": "t", "max": 5, "window_seconds": 60, "retry_after": 45}


@pytest.mark.parametrize(("seconds", "text"), [(1, "1 秒"), (59, "59 秒"), (60, "1 分钟"), (61, "2 分钟"),
                                               (3600, "1 小时"), (7201, "3 小时")])
def test_waits_are_said_in_words(seconds: int, text: str) -> None:
    assert wait_text(seconds) == text
