"""The requests whose reads a replica may serve (docs/deploy.md): GET and HEAD under the configured
path prefixes run inside `replica_reads()` (the edge, platform/http/edge.py, enters it), so their
read-only units of work use the replica when one is configured. The endpoint runs in this context
(threads started by run_in_threadpool copy it)."""

from __future__ import annotations

from starlette.types import Scope


class ReplicaPaths:
    def __init__(self, paths: tuple[str, ...]) -> None:
        """`paths`: exact paths, or prefixes ending in `/` or `*` (the `*` is dropped)."""
        self.exact = frozenset(p for p in paths if not p.endswith(("/", "*")))
        self.prefixes = tuple(p.rstrip("*") for p in paths if p.endswith(("/", "*")))

    def covers(self, scope: Scope) -> bool:
        if scope["method"] not in ("GET", "HEAD"):
            return False
        path = scope["path"]
        return path in self.exact or path.startswith(self.prefixes)
