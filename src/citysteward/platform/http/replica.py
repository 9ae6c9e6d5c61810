"""The requests whose reads a replica may serve (docs/deploy.md): GET and HEAD under the configured
path prefixes run inside `replica_reads()`, so their read-only units of work use the replica (when one
is configured). The endpoint runs in this context (threads started by run_in_threadpool copy it)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from citysteward.platform.replica import replica_reads


class ReplicaReads:
    def __init__(self, app: ASGIApp, paths: tuple[str, ...]) -> None:
        """`paths`: exact paths, or prefixes ending in `/` or `*` (the `*` is dropped)."""
        self.app = app
        self.exact = frozenset(p for p in paths if not p.endswith(("/", "*")))
        self.prefixes = tuple(p.rstrip("*") for p in paths if p.endswith(("/", "*")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path = scope["path"]
            if path in self.exact or path.startswith(self.prefixes):
                with replica_reads():
                    await self.app(scope, receive, send)
                return
        await self.app(scope, receive, send)
