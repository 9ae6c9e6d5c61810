"""Domain errors: each carries a stable machine code and a Chinese message for people.

They carry no HTTP status: entry points map them (platform/http/errors.py: `status_of`) to a status
or a CLI exit; services raise them, never framework exceptions.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base: `code` is for programs, `message` (Chinese) for people, `detail` for context."""

    code = "domain_error"

    def __init__(self, message: str, detail: Any = None, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        if code:
            self.code = code


class InvalidInput(DomainError):
    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class IllegalTransition(DomainError):
    code = "illegal_transition"


class StaleCase(DomainError):
    """Optimistic concurrency: the caller's version is older than the stored one."""

    code = "stale_version"


class Conflict(DomainError):
    code = "conflict"


class OutsideCity(DomainError):
    """A point that lies in no grid: never guess the nearest one."""

    code = "outside_city"


class CalendarMissing(DomainError):
    """Working time was asked for a year whose holidays and make-up days are not loaded."""

    code = "calendar_missing"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class UnsupportedMedia(DomainError):
    code = "unsupported_media"


class TooManyRequests(DomainError):
    """A throttling limit was reached: the caller may try again after `retry_after` seconds."""

    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int, detail: Any = None) -> None:
        super().__init__(message, detail)
        self.retry_after = max(1, int(retry_after))
