"""The SMS gateway interface: one-time codes and messages to citizens go through it. Configured by
CITYSTEWARD_SMS_GATEWAY: `log` (default, development: the text, code included, is written to the
log) or an http(s) URL that receives `{"phone", "text"}` as JSON (a bureau's SMS platform or a
small adapter in front of a carrier's API)."""

from __future__ import annotations

import logging
import os
from typing import Protocol

import httpx

log = logging.getLogger("citysteward.sms")
ENV = "CITYSTEWARD_SMS_GATEWAY"


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LogGateway:
    """Development backend: writes the message to the log (and keeps the last ones for tests)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))
        del self.sent[:-200]
        log.warning("SMS to %s: %s", phone, text)


class HttpGateway:
    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url, self.timeout = url, timeout

    def send(self, phone: str, text: str) -> None:
        httpx.post(self.url, json={"phone": phone, "text": text}, timeout=self.timeout).raise_for_status()


def from_environment() -> SmsGateway:
    target = os.environ.get(ENV, "log").strip()
    if target.startswith(("http://", "https://")):
        return HttpGateway(target)
    return LogGateway()
