"""Throttling counters in Redis (`CITYSTEWARD_REDIS_URL`): INCR and EXPIRE in one MULTI per counted
attempt, so concurrent workers never lose a count; a window's key expires a minute after the window
could last. If Redis does not answer, the counters go to the fallback store (the database) instead of
letting everything through, and the error is logged."""

from __future__ import annotations

import logging

import redis

from citysteward.kernel.throttle import Window
from citysteward.platform.throttle import CounterStore

log = logging.getLogger(__name__)
PREFIX = "cs:throttle:"
TIMEOUT_S = 0.5


class RedisCounters:
    def __init__(self, url: str, fallback: CounterStore | None = None, prefix: str = PREFIX) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)
        self._fallback = fallback
        self._prefix = prefix

    def _key(self, key: str, window: Window) -> str:
        return f"{self._prefix}{key}:{window.start}"

    def hit(self, key: str, window: Window) -> int:
        name = self._key(key, window)
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.incr(name)
            # Relative TTL: the key outlives its window by a minute, whatever the callers' clock says.
            pipe.expire(name, window.seconds + 60)
            count, _ = pipe.execute()
            return int(count)
        except redis.RedisError as exc:
            return self._fall_back("hit", exc, key, window)

    def count(self, key: str, window: Window) -> int:
        try:
            value = self.client.get(self._key(key, window))
        except redis.RedisError as exc:
            return self._fall_back("count", exc, key, window)
        return int(value) if value is not None else 0

    def _fall_back(self, op: str, exc: Exception, key: str, window: Window) -> int:
        log.error("throttling: Redis did not answer (%s); counting in the database", exc)
        if self._fallback is None:
            return 0
        return self._fallback.hit(key, window) if op == "hit" else self._fallback.count(key, window)
