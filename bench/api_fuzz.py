"""The API contract, fuzzed long: schemathesis over the whole OpenAPI (the runner of
tests/platform/test_api_contract.py), on the demo city's grids with N stored cases, on SQLite and
PostgreSQL, signed in as the administrator. Checks: no server error, every response body and status as
documented.

    .venv/bin/python bench/api_fuzz.py --db sqlite,postgresql --examples 200 --stored 10000

Prints the figures (operations, examples, time, statuses, failures); exits 1 if anything failed."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT))
from _city import database, drop_database, machine, peak_mb, prepare  # noqa: E402
from tests.builders.api_fuzz import Targets, fuzz_api  # noqa: E402

from citysteward.bootstrap import create_app  # noqa: E402
from citysteward.cases.services import intake  # noqa: E402
from citysteward.kernel.actor import Actor, Role  # noqa: E402
from citysteward.open311.services import GeoReport  # noqa: E402
from citysteward.org.services import auth  # noqa: E402
from citysteward.platform.runtime import Runtime  # noqa: E402
from citysteward.supervision.services import tickets  # noqa: E402

PASSWORD = "Bench-Passw0rd!"
ROLES = ("admin", "hotline", "acceptor", "dispatcher", "supervisor", "unit")


def people(rt: Runtime) -> dict[str, int]:
    """One user per role (the unit user in the first unit); their ids by role."""
    hashed = auth.hash_password(PASSWORD)
    ids: dict[str, int] = {}
    with rt.uow() as uow:
        unit_id = uow.org.units()[0]["id"]  # type: ignore[attr-defined]
        for role in ROLES:
            ids[role] = uow.org.add_user({  # type: ignore[attr-defined]
                "username": f"bench-{role}", "password_hash": hashed, "display_name": role, "phone": "13800000000",
                "role": role, "unit_id": unit_id if role == "unit" else None, "active": True, "created_at": rt.now()})
        uow.commit()
    return ids


def targets(rt: Runtime, points: list[tuple[float, float]], users: dict[str, int]) -> Targets:
    hotline = Actor(role=Role.HOTLINE, user_id=users["hotline"], name="坐席")
    cases = [intake.report_case(rt, intake.ReportInput(category_code=code, description="接口模糊测试", lon=lon,
                                                       lat=lat, reporter_phone="13800001234"), hotline).case_no
             for code, (lon, lat) in zip(("01002", "06042", "06010"), points, strict=False)]
    with rt.uow(readonly=True) as uow:
        units = [u["id"] for u in uow.org.units()]  # type: ignore[attr-defined]
        grid = uow.conn.exec_driver_sql("SELECT code FROM grids ORDER BY code LIMIT 1").scalar_one()  # type: ignore[attr-defined]
    supervisor = Actor(role=Role.SUPERVISOR, user_id=users["supervisor"], name="督查")
    ticket = tickets.issue_ticket(rt, supervisor, tickets.TicketInput(
        level="yellow", title="接口模糊测试", content="限期整改", unit_ids=(units[0],), case_nos=(cases[0],)))
    client = GeoReport(rt).issue_key(Actor(role=Role.ADMIN, user_id=users["admin"], name="管理员"), "bench")
    return Targets({
        "case_no": cases, "service_request_id": cases, "ticket_no": [ticket["ticket_no"]],
        "user_id": [i for r, i in users.items() if r != "admin"], "unit_id": units, "rule_id": [1, 2, 3],
        "client_id": [client["id"]], "year": [2026], "key": ["evaluation", "hotspots", "supervision"],
        "service_code": ["01002", "06042"], "/api/v1/categories/{code}:code": ["01002", "06042"],
        "/api/v1/grids/{code}:code": [grid], "/api/v1/grids/{code}/team:code": [grid],
    }, avoid={"user_id": {users["admin"]}})


def run(kind: str, args: Any) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        url = database(kind, tmp)
        try:
            t0 = time.perf_counter()
            rt, points = prepare(url, args.stored, f"{tmp}/media")
            rt = replace(rt, settings=replace(rt.settings, media_dir=Path(tmp) / "media"))  # prepare() passes a str
            users = people(rt)
            prepared = targets(rt, points, users)
            app = create_app(runtime=rt)
            token = TestClient(app).post("/api/v1/auth/login", json={"username": "bench-admin", "password": PASSWORD})
            headers = {"Authorization": f"Bearer {token.json()['token']}"}
            print(f"[{kind}] {args.stored:,} stored cases, ready in {time.perf_counter() - t0:.0f} s", flush=True)
            result = fuzz_api(app, headers, max_examples=args.examples, prepare=prepared)
            print(f"[{kind}] {result.summary()}")
            print(f"[{kind}] {result.examples / result.seconds:.0f} examples/s; fewest examples per operation: "
                  f"{min(result.per_operation.values())}")
            for line in result.server_errors[:20] + result.violations[:20]:
                print(f"[{kind}]   {line[:400]}")
            return not result.server_errors and not result.violations
        finally:
            drop_database(url)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--examples", type=int, default=200, help="generated requests per operation")
    ap.add_argument("--stored", type=int, default=10_000)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    ok = all([run(kind, args) for kind in args.db.split(",")])
    print(f"\npeak memory (bench process): {peak_mb():.0f} MiB")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
