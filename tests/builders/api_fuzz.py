"""Schemathesis over the whole OpenAPI, in process against the ASGI app, signed in as a staff user.

One runner for the bounded contract test (tests/platform/test_api_contract.py) and the longer run
(bench/api_fuzz.py): every operation gets `max_examples` generated requests (derandomized, no deadline);
each response is checked for a server error, for its body against the documented schema and for its
status against the documented ones. Failures are collected, not raised, so one run counts them all.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

# Operations that would end the fuzzing session itself (the bearer token is revoked).
SKIPPED = {("POST", "/api/v1/auth/logout")}


@dataclass
class FuzzResult:
    operations: int = 0
    examples: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    per_operation: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        return (f"{self.operations} operations, {self.examples} examples in {self.seconds:.1f} s; "
                f"{len(self.server_errors)} server errors, {len(self.violations)} schema violations; "
                f"statuses {codes}")


Prepare = Callable[[Any], None]


def fuzz_api(app: FastAPI, headers: dict[str, str], *, max_examples: int, prepare: Prepare | None = None,
             checks: tuple[str, ...] = ("not_a_server_error", "response_schema_conformance",
                                        "status_code_conformance")) -> FuzzResult:
    """Run every operation of `app`'s OpenAPI; `prepare(case)` may point a case at real objects."""
    import schemathesis
    from schemathesis import checks as st_checks

    chosen = [getattr(st_checks, name) for name in checks]
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    result = FuzzResult()
    started = time.perf_counter()
    capture = _LastError()
    logging.getLogger("citysteward").addHandler(capture)
    for maybe in schema.get_all_operations():
        operation = maybe.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        result.operations += 1
        _run_operation(operation, f"{operation.method.upper()} {operation.path}", headers, max_examples,
                       prepare, chosen, result, capture)
    logging.getLogger("citysteward").removeHandler(capture)
    result.seconds = time.perf_counter() - started
    return result


class _LastError(logging.Handler):
    """Keeps the traceback of the last logged error, to say where a 500 came from."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            frames = traceback.extract_tb(record.exc_info[2])[-3:]
            where = " <- ".join(f"{f.filename.rsplit('/src/', 1)[-1]}:{f.lineno}" for f in reversed(frames))
            self.last = f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]} at {where}"


def _run_operation(operation: Any, label: str, headers: dict[str, str], max_examples: int,
                   prepare: Prepare | None, chosen: list[Any], result: FuzzResult, capture: _LastError) -> None:
    from hypothesis import HealthCheck, Phase, given, settings

    @given(case=operation.as_strategy())
    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case: Any) -> None:
        if prepare:
            prepare(case)
        try:
            response = case.call(headers=headers, timeout=60)  # a loaded CI machine is slow, not wrong
        except Exception as exc:  # the app raised through the transport: a server error
            result.server_errors.append(f"{label}: {type(exc).__name__}: {exc}")
            return
        result.examples += 1
        result.per_operation[label] += 1
        result.statuses[response.status_code] += 1
        if response.status_code >= 500:
            body = f"{case.path_parameters or ''} {case.query or ''} {str(case.body)[:200]}"
            result.server_errors.append(f"{label} -> {response.status_code} [{body}]: {capture.last}")
            return
        try:
            case.validate_response(response, checks=chosen, headers=headers)
        except BaseExceptionGroup as exc:  # schemathesis' FailureGroup
            result.violations.append(f"{label} -> {response.status_code}: {str(exc)[:600]}")

    run()


@dataclass
class Targets:
    """Points generated requests at objects that exist: two of three cases with a path parameter get a
    real value (`values[name]`, or `values["{path}:{name}"]` where a name means different things), the
    third keeps its generated one (the 404 paths). `avoid` keeps the fuzzer off values that would end the
    session (the signed-in user's own account)."""

    values: dict[str, list[Any]]
    avoid: dict[str, set[Any]] = field(default_factory=dict)
    _count: int = 0

    def __call__(self, case: Any) -> None:
        params = case.path_parameters
        if not params:
            return
        self._count += 1
        for name, value in list(params.items()):
            choices = self.values.get(f"{case.path}:{name}") or self.values.get(name)
            if not choices:
                continue
            if value in self.avoid.get(name, set()) or self._count % 3:
                params[name] = choices[self._count % len(choices)]
