"""The API keeps its OpenAPI contract: schemathesis over the WHOLE document, on SQLite and PostgreSQL,
signed in as the administrator (bearer token), two of three generated path parameters pointed at real
cases, tickets, units and users. No request may get a server error; every response must match its
documented schema and status. Errors are documented once, as `ErrorBody` (platform/http/openapi.py).

Bounded to about a minute per database (max_examples per operation, derandomized, no deadline);
`bench/api_fuzz.py` runs the same longer and prints the figures."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from citysteward.bootstrap import create_app
from citysteward.platform.runtime import Runtime
from citysteward.supervision.services import tickets as ticket_service
from tests.builders.api_fuzz import Targets, fuzz_api
from tests.builders.cases import GARBAGE, dispatched, report
from tests.builders.open311 import new_key
from tests.conftest import City

MAX_EXAMPLES = 12
GRID = "410802001001003"


def real_targets(rt: Runtime, city: City) -> Targets:
    """A reported case, a dispatched one, a ticket on it, an Open311 client: the objects paths name."""
    reported, handled = report(city), report(city, category=GARBAGE)
    dispatched(city, handled)
    ticket = ticket_service.issue_ticket(rt, city.actor("supervisor"), ticket_service.TicketInput(
        level="yellow", title="井盖整改", content="限期整改", unit_ids=(city.units["sanitation"],), case_nos=(handled,)))
    client = new_key(rt, city)
    admin = city.users["admin"]["id"]
    return Targets({
        "case_no": [reported, handled], "service_request_id": [reported, handled], "ticket_no": [ticket["ticket_no"]],
        "user_id": [u["id"] for u in city.users.values() if u["id"] != admin], "unit_id": list(city.units.values()),
        "rule_id": [1, 2, 3], "client_id": [client["id"]], "year": [2026], "key": ["evaluation", "hotspots", "supervision"],
        "service_code": ["01002", "06042"], "/api/v1/categories/{code}:code": ["01002", "06042"],
        "/api/v1/grids/{code}:code": [GRID], "/api/v1/grids/{code}/team:code": [GRID],
    }, avoid={"user_id": {admin}})  # the fuzzer must not disable or demote the account it signs in with


def test_the_whole_api_keeps_its_contract(rt: Runtime, city: City, client: TestClient,
                                          token: Any) -> None:
    app = create_app(runtime=rt)
    result = fuzz_api(app, token("admin"), max_examples=MAX_EXAMPLES, prepare=real_targets(rt, city))
    print(f"\n[{rt.settings.database_url.split(':')[0]}] {result.summary()}")
    assert result.operations >= 100, "the whole OpenAPI, not a part of it"
    assert not result.server_errors, "\n".join(result.server_errors)
    assert not result.violations, "\n".join(result.violations)
    assert {200, 201, 404, 409, 422} <= set(result.statuses), result.statuses  # it reached past validation


def test_every_error_response_is_documented_with_the_one_error_body(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    body = doc["components"]["schemas"]["ErrorBody"]
    assert body["required"] == ["error", "message", "detail"]
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert responses["4XX"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}, (method, path)
            if "422" in responses and not path.startswith("/open311/"):
                assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody"), (method, path)
