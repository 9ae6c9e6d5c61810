"""Where the current request comes from (the client's address), for the access log.

Set once per request by the HTTP edge (`platform/http/client.py`) and read by the services that record
who saw what, so the address need not be threaded through every service call. Outside a request (the
CLI, the workers, tests calling services) it is empty."""

from __future__ import annotations

from contextvars import ContextVar

_client_ip: ContextVar[str] = ContextVar("client_ip", default="")


def client_ip() -> str:
    return _client_ip.get()


def set_client_ip(address: str) -> None:
    _client_ip.set(address)
