"""Track ingestion benchmark (issue 11): 1,000 inspectors, each phone posting a point every 10 s in
batches of 6 (one POST a minute), into ONE uvicorn worker. The city needs 1,000 × 0.1 = 100 points/s
(≈ 16.7 batch posts/s); this prints the sustained rate the worker reaches with every phone posting in
turn, latency percentiles, the storage per point, and what summarising an 8-hour patrol costs.

    .venv/bin/python bench/tracks.py --db sqlite,postgresql --inspectors 1000 --rounds 6

Prints figures; it is not a pass/fail test."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _city import database, drop_database, machine, peak_mb, percentile, prepare  # noqa: E402

from citysteward.geography import services as geography_services
from citysteward.kernel.actor import Actor, Role
from citysteward.patrols.domain import tracks
from citysteward.patrols.services import field, setup

POINT_EVERY_S = 10
BATCH = 6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def inspectors(rt, n: int, points) -> list[dict]:  # type: ignore[no-untyped-def]
    """n inspectors, signed in (tokens written directly: argon2 at 150 ms a login is not what we measure),
    clocked in, each on an open patrol starting at one of the city's points."""
    now = datetime.now(UTC)
    people = []
    with rt.uow() as uow:
        for i in range(n):
            uid = uow.org.add_user({"username": f"bench_insp{i}", "password_hash": "x", "display_name": f"监督员{i}",
                                    "role": "inspector", "active": True, "created_at": now})
            token = secrets.token_urlsafe(24)
            uow.org.add_token(hashlib.sha256(token.encode()).hexdigest(), uid, now, now + timedelta(days=1))
            people.append({"id": uid, "token": token, "at": points[i % len(points)]})
        uow.commit()
    for p in people:
        actor = Actor(role=Role.INSPECTOR, user_id=p["id"], name="bench")
        field.clock(rt, actor, "in")
        p["patrol"] = field.start_patrol(rt, actor)["patrol_id"]
    return people


def batch_of(p: dict, round_no: int, t0: int) -> list[dict]:
    """Six points 10 s apart, walking east at ~1.3 m/s from the inspector's start."""
    lon, lat = p["at"]
    base = round_no * BATCH
    return [{"t": t0 + (base + k) * POINT_EVERY_S, "lon": lon + (base + k) * 0.00014, "lat": lat, "acc": 8}
            for k in range(BATCH)]


async def drive(base: str, people: list[dict], rounds: int, concurrency: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    t0 = int(time.time())
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:
        async def one(p: dict, r: int) -> None:
            nonlocal errors
            async with sem:
                s = time.perf_counter()
                resp = await client.post(f"/api/v1/patrols/{p['patrol']}/track", json={"seq": r, "points": batch_of(p, r, t0)},
                                         headers={"Authorization": f"Bearer {p['token']}"})
                latencies.append(time.perf_counter() - s)
                if resp.status_code != 200:
                    errors += 1
        await asyncio.gather(*(one(p, 0) for p in people[:50]))  # warm up (seq 0 of 50 phones)
        latencies.clear()
        start = time.perf_counter()
        for r in range(1, rounds + 1):  # every phone posts its minute, round after round
            await asyncio.gather(*(one(p, r) for p in people))
        wall = time.perf_counter() - start
    return wall, latencies, errors


def summarise_cost(rt, hours: float = 8.0) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    """Seconds to summarise one 8-hour patrol (a point every 10 s), its point count and stored bytes."""
    index = geography_services.grid_index(rt)
    x0, y0, x1, y1 = index.bounds
    n = int(hours * 3600 / POINT_EVERY_S)
    pts = [tracks.TrackPoint(1_800_000_000 + i * POINT_EVERY_S, x0 + (x1 - x0) * (0.3 + 0.4 * i / n),
                             y0 + (y1 - y0) * 0.5, 8) for i in range(n)]
    texts = [tracks.encode(pts[i:i + BATCH]) for i in range(0, n, BATCH)]
    cfg = setup.config(rt)
    s = time.perf_counter()
    field.summarise(rt, cfg, {"own_grids": []}, texts)
    return time.perf_counter() - s, n, sum(len(t) for t in texts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--inspectors", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=6, help="minutes of walking each phone posts")
    ap.add_argument("--concurrency", type=int, default=32, help="requests in flight (phones posting at once)")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    need = args.inspectors * BATCH / (BATCH * POINT_EVERY_S)
    print(f"required: {args.inspectors:,} inspectors × 1 point / {POINT_EVERY_S} s = {need:,.0f} points/s "
          f"({need / BATCH:,.1f} batch posts/s of {BATCH} points)")
    for kind in args.db.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            url = database(kind, tmp)
            try:
                rt, points = prepare(url, 0, f"{tmp}/media")
                people = inspectors(rt, args.inspectors, points)
                cost, n, size = summarise_cost(rt)
                print(f"[{kind}] storage: {size / n:.1f} bytes a point in batch rows of {BATCH}; "
                      f"summarising an 8-hour patrol ({n:,} points): {cost * 1000:.0f} ms")
                port = free_port()
                env = {**os.environ, "CITYSTEWARD_DATABASE_URL": url, "CITYSTEWARD_MEDIA_DIR": f"{tmp}/media"}
                proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "citysteward.asgi:app", "--host", "127.0.0.1",
                                         "--port", str(port), "--workers", "1", "--log-level", "warning",
                                         "--no-access-log"], env=env)
                try:
                    for _ in range(100):
                        try:
                            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                                break
                        except httpx.HTTPError:
                            time.sleep(0.2)
                    wall, lat, errors = asyncio.run(drive(f"http://127.0.0.1:{port}", people, args.rounds,
                                                          args.concurrency))
                finally:
                    proc.terminate()
                    proc.wait(10)
                posts = args.inspectors * args.rounds
                rate = posts * BATCH / wall
                print(f"[{kind}] 1 uvicorn worker, {posts:,} batch posts ({posts * BATCH:,} points) in {wall:.1f} s: "
                      f"{posts / wall:,.0f} posts/s = {rate:,.0f} points/s sustained "
                      f"({rate / need:.1f}× the city's need)  p50 {percentile(lat, 50) * 1000:.1f} ms  "
                      f"p95 {percentile(lat, 95) * 1000:.1f} ms  p99 {percentile(lat, 99) * 1000:.1f} ms  errors {errors}")
            finally:
                drop_database(url)
    print(f"\npeak memory (bench process): {peak_mb():.0f} MiB")


if __name__ == "__main__":
    main()
