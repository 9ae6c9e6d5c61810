"""Read-only replica routing (docs/deploy.md): which read-only units of work may go to a PostgreSQL
streaming replica named in `CITYSTEWARD_REPLICA_URL`.

A replica lags the primary by a little, so only reads that can be a moment old go there: the entry
point opens a `replica_reads()` block around requests that only read (lists, dashboards, papers,
Open311 GETs; platform/http/replica.py), and inside it `uow(readonly=True)` is served by the replica.
Everything else — every write, and every read outside such a block — uses the primary. Checks that
must see the latest state (a staff token's revocation, docs/security.md) open `primary_reads()`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_replica_ok: ContextVar[bool] = ContextVar("citysteward_replica_reads", default=False)


def replica_allowed() -> bool:
    return _replica_ok.get()


@contextmanager
def replica_reads() -> Iterator[None]:
    token = _replica_ok.set(True)
    try:
        yield
    finally:
        _replica_ok.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    token = _replica_ok.set(False)
    try:
        yield
    finally:
        _replica_ok.reset(token)
