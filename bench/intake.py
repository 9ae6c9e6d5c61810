"""Intake benchmark: cases created per second through the service layer and through the HTTP API,
with p50/p95/p99 latency, on SQLite and PostgreSQL, with N cases already stored.

    .venv/bin/python bench/intake.py --db sqlite,postgresql --stored 100000 --requests 4000

Prints figures; it is not a pass/fail test."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _city import database, drop_database, machine, peak_mb, percentile, prepare  # noqa: E402

from citysteward.cases.domain.idempotency import IdempotencyKey, fingerprint
from citysteward.cases.services import intake
from citysteward.kernel.actor import Actor, Role
from citysteward.org.services import auth

CATEGORY = "06010"  # 暴露垃圾


def report_input(point: tuple[float, float]) -> intake.ReportInput:
    return intake.ReportInput(category_code=CATEGORY, description="人行道暴露垃圾（基准测试）", lon=point[0],
                              lat=point[1], address="人民路", reporter_phone="13800001234")


def bench_service(rt, points, n: int, concurrency: int, keys: bool = False) -> dict[str, float]:  # type: ignore[no-untyped-def]
    actor = Actor(role=Role.HOTLINE, user_id=1, name="坐席")
    latencies: list[float] = []

    def one(i: int) -> None:
        t0 = time.perf_counter()
        key = IdempotencyKey(str(uuid.uuid4()), "user:1", fingerprint(i), 201) if keys else None  # as clients send
        intake.report_case(rt, report_input(points[i % len(points)]), actor, key)
        latencies.append(time.perf_counter() - t0)

    intake.report_case(rt, report_input(points[0]), actor)  # warm caches (grid index, catalogue)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(n)))
    wall = time.perf_counter() - t0
    return {"rate": n / wall, "p50": percentile(latencies, 50) * 1000, "p95": percentile(latencies, 95) * 1000,
            "p99": percentile(latencies, 99) * 1000}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _drive(base: str, token: str, points, n: int, concurrency: int) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        async def one(i: int) -> None:
            p = points[i % len(points)]
            body = {"category_code": CATEGORY, "description": "人行道暴露垃圾（基准测试）", "lon": p[0], "lat": p[1],
                    "address": "人民路", "reporter_phone": "13800001234"}
            async with sem:
                t0 = time.perf_counter()
                r = await client.post("/api/v1/reports", json=body)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 201:
                    raise RuntimeError(f"{r.status_code} {r.text[:200]}")

        await one(0)
        latencies.clear()
        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return time.perf_counter() - t0, latencies


WRK_SCRIPT = """
local points = {%s}
local token = "%s"
local i = 0
request = function()
  i = i + 1
  local p = points[(i %% #points) + 1]
  local body = string.format('{"category_code":"%s","description":"人行道暴露垃圾（基准测试）","lon":%%f,"lat":%%f,"address":"人民路"}', p[1], p[2])
  return wrk.format("POST", "/api/v1/reports", {["Content-Type"]="application/json", ["Authorization"]="Bearer " .. token}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("WRK %%d %%d %%f %%f %%f %%f\\n", summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def _wrk(base: str, token: str, points, seconds: int, concurrency: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    lua = WRK_SCRIPT % (",".join(f"{{{x:.6f},{y:.6f}}}" for x, y in points[:2000]), token, CATEGORY)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
    out = subprocess.run(["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "-s", f.name, base],
                         capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    reqs, errors, dur, p50, p95, p99 = (float(v) for v in line.split()[1:])
    return {"rate": reqs / dur, "p50": p50, "p95": p95, "p99": p99, "errors": errors, "n": reqs}


def bench_http(rt, url: str, points, n: int, concurrency: int, workers: int, media: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    with rt.uow() as uow:
        uow.org.add_user({"username": "bench_hotline", "password_hash": auth.hash_password("bench-pass-1"),
                                "display_name": "坐席", "role": "hotline", "active": True,
                                "created_at": rt.now()})
        uow.commit()
    token = auth.login(rt, "bench_hotline", "bench-pass-1").token
    port = free_port()
    env = {**os.environ, "CITYSTEWARD_DATABASE_URL": url, "CITYSTEWARD_MEDIA_DIR": media}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "citysteward.asgi:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--log-level", "warning", "--no-access-log"], env=env)
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        if shutil.which("wrk"):  # a C load generator leaves the 2 cores to the server
            asyncio.run(_drive(f"http://127.0.0.1:{port}", token, points, 50, concurrency))  # warm up
            return _wrk(f"http://127.0.0.1:{port}", token, points, max(5, n // 400), concurrency)
        wall, lat = asyncio.run(_drive(f"http://127.0.0.1:{port}", token, points, n, concurrency))
    finally:
        proc.terminate()
        proc.wait(10)
    return {"rate": n / wall, "p50": percentile(lat, 50) * 1000, "p95": percentile(lat, 95) * 1000,
            "p99": percentile(lat, 99) * 1000, "errors": 0, "n": n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--stored", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes for the HTTP run")
    ap.add_argument("--mode", default="service,http")
    ap.add_argument("--keys", action="store_true", help="service layer: every report with its own Idempotency-Key")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    for kind in args.db.split(","):
        with tempfile.TemporaryDirectory() as tmp:


            url = database(kind, tmp)
            try:
                print(f"\n[{kind}] preparing {args.stored:,} stored cases …", flush=True)
                t0 = time.perf_counter()
                rt, points = prepare(url, args.stored, f"{tmp}/media")
                print(f"[{kind}] ready in {time.perf_counter() - t0:.0f} s")
                if "service" in args.mode:
                    r = bench_service(rt, points, args.requests, args.concurrency, args.keys)
                    print(f"[{kind}] service layer{' with Idempotency-Keys' if args.keys else ''}, "
                          f"concurrency {args.concurrency}, {args.requests:,} cases: "
                          f"{r['rate']:,.0f} cases/s  p50 {r['p50']:.1f} ms  p95 {r['p95']:.1f} ms  p99 {r['p99']:.1f} ms")
                if "http" in args.mode:
                    workers = 1 if kind == "sqlite" else args.workers  # SQLite: one writer process
                    r = bench_http(rt, url, points, args.requests, args.concurrency, workers, f"{tmp}/media")
                    print(f"[{kind}] HTTP API ({workers} uvicorn worker(s), {'wrk' if shutil.which('wrk') else 'httpx'}), "
                          f"concurrency {args.concurrency}, {r['n']:,.0f} cases: {r['rate']:,.0f} cases/s  "
                          f"p50 {r['p50']:.1f} ms  p95 {r['p95']:.1f} ms  p99 {r['p99']:.1f} ms  errors {r['errors']:.0f}")
            finally:
                drop_database(url)
    print(f"\npeak memory (bench process): {peak_mb():.0f} MiB")


if __name__ == "__main__":
    main()
