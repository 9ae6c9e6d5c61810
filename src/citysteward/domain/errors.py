"""Domain errors: each carries a stable machine code and a Chinese message for people.

Entry points map them to HTTP statuses (api/errors.py) or CLI exits; services raise them, never
framework exceptions.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base: `code` is for programs, `message` (Chinese) for people, `detail` for context."""

    code = "domain_error"
    status = 400

    def __init__(self, message: str, detail: Any = None, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        if code:
            self.code = code


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class IllegalTransition(DomainError):
    code = "illegal_transition"
    status = 409


class StaleCase(DomainError):
    """Optimistic concurrency: the caller's version is older than the stored one."""

    code = "stale_version"
    status = 409


class Conflict(DomainError):
    code = "conflict"
    status = 409


class OutsideCity(DomainError):
    """A point that lies in no grid: never guess the nearest one."""

    code = "outside_city"
    status = 422


class CalendarMissing(DomainError):
    """Working time was asked for a year whose holidays and make-up days are not loaded."""

    code = "calendar_missing"
    status = 422


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status = 413


class UnsupportedMedia(DomainError):
    code = "unsupported_media"
    status = 415
