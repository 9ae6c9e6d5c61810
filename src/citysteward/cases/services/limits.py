"""What anyone may do without an account, and how often (docs/security.md "Throttling"): anonymous
reports (REST and the citizen page, which posts to the same endpoint) per client address per minute
and per day; "me too" per client address per minute and per day, and counted at most once per client
and case (the `case_me_too` record, keyed by a keyed hash of the address, never the address itself).
Staff reports are not limited here: they are signed in and their logins are throttled instead."""

from __future__ import annotations

import hashlib
import hmac

from citysteward.kernel.throttle import DAY, HOUR, MINUTE, Limit
from citysteward.platform.runtime import Runtime


def report_limits(rt: Runtime) -> tuple[Limit, Limit]:
    s = rt.settings
    return (Limit("report-minute", s.reports_per_minute, MINUTE, "提交过于频繁"),
            Limit("report-day", s.reports_per_day, DAY, "今日提交的问题已达上限"))


def me_too_limits(rt: Runtime) -> tuple[Limit, Limit]:
    s = rt.settings
    return (Limit("me-too-minute", s.me_too_per_minute, MINUTE, "操作过于频繁"),
            Limit("me-too-day", s.me_too_per_day, DAY, "今日“我也遇到”次数已达上限"))


def admit_anonymous_report(rt: Runtime, client_ip: str) -> None:
    """Count one anonymous report from `client_ip`; past a limit: TooManyRequests."""
    per_minute, per_day = report_limits(rt)
    rt.throttle.hit(rt.now(), (per_minute, client_ip), (per_day, client_ip))


# A request already counted for a phone number: its retries (the same Idempotency-Key) are not new reports.
_RETRY = Limit("report-phone-request", 1, DAY, "")


def admit_reporter_phone(rt: Runtime, phone: str | None, request_key: str | None = None) -> None:
    """Count one anonymous report giving this phone number, across all workers and addresses: a
    number cannot be used to flood the desk from many clients. No number given: nothing to count.
    A retry of a request already counted (same `request_key`, the Idempotency-Key) is not counted again."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())[-11:]
    if not digits:
        return
    now, s = rt.now(), rt.settings
    if request_key and not rt.throttle.first(now, _RETRY, f"{digits}:{request_key}"):
        return
    rt.throttle.hit(now, (Limit("report-phone-hour", s.reports_per_phone_hour, HOUR, "该手机号提交过于频繁"), digits),
                    (Limit("report-phone-day", s.reports_per_phone_day, DAY, "该手机号今日提交的问题已达上限"), digits))


def admit_me_too(rt: Runtime, client_ip: str) -> None:
    per_minute, per_day = me_too_limits(rt)
    rt.throttle.hit(rt.now(), (per_minute, client_ip), (per_day, client_ip))


def client_key(rt: Runtime, client_ip: str) -> str:
    """Who said "me too", as stored: a keyed hash of the address (no address in the database)."""
    return hmac.new(rt.settings.secret_key.encode(), f"me-too:{client_ip}".encode(), hashlib.sha256).hexdigest()[:32]
