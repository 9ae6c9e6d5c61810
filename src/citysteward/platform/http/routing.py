"""Route matching that does not walk every route of the application on every request.

FastAPI keeps each included router as one entry of the application's route list and, for each request,
asks every entry in turn whether the path is one of its routes (each entry walks its own routes, and
the entry that matches walks them again to handle the request). With 40 routers and some 350 routes
that was about a third of an Open311 report's CPU time (py-spy, docs/performance.md).

`include_shared` includes a router as an entry built once per process. FastAPI derives each route's
dependencies, parameter models and response fields anew for every application that includes it (about
0.8 s for this application's 350 routes); a worker builds one application, but the tests build one per
test. The entry holds no state of the application it is in (the runtime is read from `request.app`), so
every application of the process shares it.

`guard_routers` gives each included router a prefix check in front: the literal beginnings of its
routes' paths (everything before the first `{`). A path that starts with none of them cannot match any
of that router's routes, so the router answers "no match" at the cost of one `str.startswith`; a path
that may match goes through FastAPI's own matching unchanged (so 405s, path parameters, the OpenAPI
document and `url_path_for` are exactly as before). Entries FastAPI does not describe this way (a
future version, a mounted application) are left unguarded: slower, never wrong.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

Matcher = Callable[[Scope], tuple[Match, Scope]]


def literal_prefixes(route: BaseRoute) -> tuple[str, ...] | None:
    """The literal beginnings of an included router's route paths; None when one cannot be told."""
    contexts = getattr(route, "effective_route_contexts", None)
    if contexts is None:
        return None
    prefixes: set[str] = set()
    for context in contexts():
        starlette_route = getattr(context, "starlette_route", None)
        path_format = getattr(starlette_route, "path_format", None) or getattr(context, "path_format", None)
        if not isinstance(path_format, str) or not path_format.startswith("/"):
            return None
        prefixes.add(path_format.split("{", 1)[0])
    return tuple(sorted(prefixes)) or None


def guarded(matches: Matcher, prefixes: tuple[str, ...]) -> Matcher:
    def matches_if_possible(scope: Scope) -> tuple[Match, Scope]:
        path = get_route_path(scope) if scope.get("root_path") else scope["path"]
        if not path.startswith(prefixes):
            return Match.NONE, {}
        return matches(scope)

    matches_if_possible.__wrapped__ = matches  # type: ignore[attr-defined]
    return matches_if_possible


_SHARED: dict[int, tuple[APIRouter, BaseRoute]] = {}  # by id: a router is not hashable; kept, so ids stay unique


def include_shared(app: FastAPI, router: APIRouter) -> None:
    """`app.include_router(router)`, with the entry (and the routes FastAPI derives from it) made once per
    process. Not for a router with start-up or shutdown handlers or its own lifespan, and dependency
    overrides (`app.dependency_overrides`) do not reach its routes: the application uses neither."""
    kept = _SHARED.get(id(router))
    if kept is not None:
        entry = kept[1]
    else:
        if router.on_startup or router.on_shutdown:
            raise TypeError("include_shared: a router with start-up or shutdown handlers")
        scratch = APIRouter()  # the application's router with FastAPI's defaults, as `FastAPI()` makes it
        scratch.include_router(router)
        (entry,) = scratch.routes  # its routes are derived on first use (guard_routers), then kept in it
        _SHARED[id(router)] = (router, entry)
    app.router.routes.append(entry)
    changed = getattr(app.router, "_mark_routes_changed", None)  # FastAPI ≥ 0.13x keeps a version of its routes
    if changed is not None:
        changed()


def guard_routers(app: FastAPI) -> int:
    """Call once, after every router is included; the number of routers guarded."""
    count = 0
    for route in app.router.routes:
        prefixes = literal_prefixes(route)
        if prefixes is None or hasattr(route.matches, "__wrapped__"):
            continue
        entry: Any = route  # an instance attribute shadows the class's method for this entry only
        entry.matches = guarded(route.matches, prefixes)
        count += 1
    return count


class RequestRoute(APIRoute):
    """A route whose endpoint takes the `Request` alone and returns its own `Response` (the Open311 calls).

    FastAPI would still solve the endpoint's dependencies (the request), look for a body, and pass the
    answer through its response handling on every call: a tenth of a GET of one Open311 request
    (docs/performance.md, "Fourth round"), with nothing to do. Here the endpoint is the handler. The
    OpenAPI document, the 405s and the exception handlers are FastAPI's as for any route, since only the
    per-call handler changes."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        parameters = list(inspect.signature(endpoint).parameters.values())
        if not inspect.iscoroutinefunction(endpoint) or len(parameters) != 1 or \
                parameters[0].annotation not in (Request, "Request"):
            raise TypeError(f"{path}: a RequestRoute endpoint is `async def endpoint(request: Request) -> Response`")
        if kwargs.get("dependencies"):
            raise TypeError(f"{path}: a RequestRoute takes no dependencies")
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Any]]:
        handler: Callable[[Request], Coroutine[Any, Any, Any]] = self.endpoint
        return handler
