"""Throttling holds across app workers: `citysteward serve --workers 2` on one database (SQLite file or
PostgreSQL) — counters in the database, or in Redis — and anonymous reports sent alternately to each
worker process (told apart through /proc). Per-worker counting would let each worker take its own
allowance; the shared counters stop the client at the limit whichever worker it reaches."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.builders.live import request, served
from tests.conftest import database_url, grid_point, require
from tests.platform.test_throttle import REDIS_URL, redis_available

PER_DAY = 5
SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORT = {"category_code": "01002", "description": "井盖破损，行人容易踩空", "lon": grid_point(1, 3)[0],
          "lat": grid_point(1, 3)[1], "address": "人民路与塔南路交叉口"}


def away_from_midnight() -> None:
    """The day's window ends at local midnight: never start a few seconds before it."""
    now = datetime.now(SHANGHAI)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if (midnight - now).total_seconds() < 30:
        time.sleep((midnight - now).total_seconds() + 1)


@pytest.mark.parametrize(("backend", "store"), [("sqlite", "database"), ("postgresql", "database"),
                                                ("sqlite", "redis")])
def test_the_anonymous_report_limit_holds_across_two_workers(backend: str, store: str, tmp_path: Path,
                                                             request_: pytest.FixtureRequest) -> None:
    url = database_url(request_, tmp_path, backend)
    settings = {"reports_per_minute": "0", "reports_per_day": str(PER_DAY),
                "secret_key": uuid.uuid4().hex}  # a fresh key: counters of earlier runs never match
    if store == "redis":
        require(redis_available(), f"Redis is not reachable at {REDIS_URL}")
        settings["redis_url"] = REDIS_URL
    away_from_midnight()
    with served(url, tmp_path, workers=2, **settings) as server:
        pids = sorted(server.workers())  # to_worker fails when no connection reaches one of them
        assert len(pids) == 2 and all(server.serving_pid(server.to_worker(pid)) == pid for pid in pids)
        # each report on a connection held by the next worker in turn (reopened if the server let it go idle)
        answers = [request(server.to_worker(pids[i % 2]), "POST", "/api/v1/reports", REPORT)
                   for i in range(PER_DAY + 3)]
    statuses = [status for status, _ in answers]
    assert statuses == [201] * PER_DAY + [429] * 3, [a[1][0] for a in answers]
    for _, (body, headers) in answers[PER_DAY:]:
        assert set(body) == {"error", "message", "detail"} and body["error"] == "too_many_requests"
        assert body["message"].startswith("今日提交的问题已达上限")
        assert 0 < int(headers["retry-after"]) <= 86400


@pytest.fixture
def request_(request: pytest.FixtureRequest) -> pytest.FixtureRequest:
    return request
