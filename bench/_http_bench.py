"""HTTP benchmark: CitySteward against the floor (bench/floor.py), back to back in one run, same load
generator, same workers, same stored rows; prints each path's rate and latency and the ratios.

    .venv/bin/python bench/http.py --db sqlite,postgresql --stored 1000000 --seconds 10
    .venv/bin/python bench/http.py --db sqlite --stored 1000000 --cs-workers 1,2 --paths post   # 1 vs 2 workers
    .venv/bin/python bench/http.py --db sqlite --paths list --profile var/bench/prof   # cProfile per worker
    .venv/bin/python bench/http.py --rounds 3 --cs-workers 1,2   # medians of 3 back-to-back rounds (noisy machine)

Paths (concurrency 8 by default, wrk with 2 threads: a C load generator, so Python load generation
does not take the 2 cores from the servers):
  post  Open311 POST /open311/v2/requests.json, form-encoded with api_key  | floor: POST /requests
  list  REST GET /api/v1/cases?page_size=100 with a bearer token (a leader) | floor: GET /rows (100 rows)
  one   Open311 GET /open311/v2/requests/{case_no}.json, 2,000 cases in turn | floor: GET /requests/{id}

The filled databases are built once and cached (var/bench/, and PostgreSQL databases
cs_bench_cache_N / cs_bench_floor_N); every run works on a fresh copy of CitySteward's. Without wrk
on the PATH an asyncio/httpx generator in this process is used (it shares the CPU with the servers;
the ratio stays fair, the absolute figures drop). Prints figures; it is not a pass/fail test.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # `bench._city`, `bench.floor` as a namespace package

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import quote  # noqa: E402

import httpx  # noqa: E402
from bench._city import (  # noqa: E402
    CACHE,
    PG_ADMIN,
    admin_engine,
    cached_points,
    copy_of_cache,
    drop_database,
    machine,
    open_runtime,
    percentile,
    settle,
)
from sqlalchemy import text  # noqa: E402

from citysteward.kernel.actor import Actor  # noqa: E402
from citysteward.open311.services import GeoReport  # noqa: E402
from citysteward.org.services import auth  # noqa: E402

ROOT = BENCH.parent
CATEGORY = "06010"  # 暴露垃圾
TARGETS = {"post": (0.5, "p99", 50.0), "list": (0.7, "p95", 50.0), "one": (0.7, None, None)}


@dataclass
class Result:
    rate: float
    p50: float
    p95: float
    p99: float
    n: int
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ------------------------------------------------------------------ servers
class Server:
    def __init__(self, app: str, env: dict[str, str], workers: int, profile: str | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full = {**os.environ, **env, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}  # never bench/ itself
        if profile:
            full["CITYSTEWARD_BENCH_PROFILE"] = profile
        argv = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
        if profile:  # cProfile in every worker, written at shutdown (bench/_profiled.py)
            argv[3] = "bench._profiled:app"
            full["CITYSTEWARD_BENCH_APP"] = app
        self.proc = subprocess.Popen(argv, env=full, cwd=ROOT)
        for _ in range(300):
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"{app} did not start")
            time.sleep(0.2)
        raise RuntimeError(f"{app} did not answer /healthz")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ------------------------------------------------------------------ load
LUA = """
local bodies = {%(bodies)s}
local paths = {%(paths)s}
local method = "%(method)s"
local headers = {%(headers)s}
local i = 0
request = function()
  i = i + 1
  if method == "POST" then
    return wrk.format("POST", paths[1], headers, bodies[(i %% #bodies) + 1])
  end
  return wrk.format("GET", paths[(i %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %%d %%d %%d %%f %%f %%f %%f\\n", summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def _lua_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Load:
    method: str
    paths: list[str]
    headers: dict[str, str]
    bodies: list[str]


def run_wrk(base: str, load: Load, seconds: int, concurrency: int) -> Result:
    script = LUA % {
        "bodies": ",".join(_lua_str(b) for b in load.bodies) or '""',
        "paths": ",".join(_lua_str(p) for p in load.paths),
        "method": load.method,
        "headers": ",".join(f"[{_lua_str(k)}]={_lua_str(v)}" for k, v in load.headers.items()),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "10s", "-s", f.name,
                              base], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(f.name)
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    reqs, sock_errors, status_errors, dur, p50, p95, p99 = (float(v) for v in line.split()[1:])
    return Result(reqs / dur, p50, p95, p99, int(reqs), int(sock_errors + status_errors))


async def _httpx_load(base: str, load: Load, seconds: int, concurrency: int) -> Result:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30, headers=load.headers) as client:
        async def worker(w: int) -> None:
            nonlocal errors
            i = w
            while time.perf_counter() < stop:
                i += concurrency
                t0 = time.perf_counter()
                if load.method == "POST":
                    r = await client.post(load.paths[0], content=load.bodies[i % len(load.bodies)])
                else:
                    r = await client.get(load.paths[i % len(load.paths)])
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += r.status_code >= 400
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        wall = time.perf_counter() - t0
    return Result(len(latencies) / wall, percentile(latencies, 50), percentile(latencies, 95),
                  percentile(latencies, 99), len(latencies), errors)


def drive(base: str, load: Load, seconds: int, concurrency: int) -> Result:
    """One run of the load; warming up is `warm_up`'s job."""
    if shutil.which("wrk"):
        return run_wrk(base, load, seconds, concurrency)
    return asyncio.run(_httpx_load(base, load, seconds, concurrency))


def warm_up(base: str, load: Load, seconds: int, concurrency: int, most: int = 12) -> list[float]:
    """Passes of `seconds` until three in a row give rates within 10 % of their highest (a plateau: each
    worker's caches hold what the load asks for, however long filling them takes), at most `most`
    passes; returns each pass's rate. A fixed 3 s was too short on PostgreSQL, where each of two
    workers builds 2,000 Open311 documents at about 2.5 ms of CPU each before it serves them kept; and
    two passes in a row were fooled by a dip while the rate still rose (`1,152 → 1,546 → 1,426`, then
    2,123 measured: docs/performance.md, "Ninth round")."""
    rates: list[float] = []
    while len(rates) < most:
        rates.append(drive(base, load, seconds, concurrency).rate)
        last = rates[-3:]
        if len(last) == 3 and min(last) >= 0.9 * max(last):
            break
    return rates


def _rates(rates: list[float]) -> str:
    return " → ".join(f"{r:,.0f}" for r in rates)


# ------------------------------------------------------------------ the two apps' loads
def form_bodies(points: list[tuple[float, float]], api_key: str | None) -> list[str]:
    out = []
    for lon, lat in points[:500]:
        fields = [("service_code", CATEGORY), ("lat", f"{lat:.6f}"), ("long", f"{lon:.6f}"),
                  ("description", "人行道暴露垃圾（基准测试）"), ("address_string", "人民路")]
        if api_key:
            fields.insert(0, ("api_key", api_key))
        out.append("&".join(f"{k}={quote(v)}" for k, v in fields))
    return out


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def floor_loads(stored: int, points: list[tuple[float, float]]) -> dict[str, Load]:
    ids = [1 + (i * 7919) % max(stored, 1) for i in range(2000)]
    return {"post": Load("POST", ["/requests"], FORM, form_bodies(points, None)),
            "list": Load("GET", ["/rows"], {}, []),
            "one": Load("GET", [f"/requests/{i}" for i in ids], {}, [])}


def citysteward_loads(url: str, media: str, points: list[tuple[float, float]]) -> dict[str, Load]:
    rt = open_runtime(url, media)
    with rt.uow() as uow:
        if uow.org.user_by_name("bench_leader") is None:
            uow.org.add_user({"username": "bench_leader", "password_hash": auth.hash_password("bench-pass-1"),
                              "display_name": "领导", "role": "leader", "active": True, "created_at": rt.now()})
        uow.commit()
    token = auth.login(rt, "bench_leader", "bench-pass-1").token
    key = GeoReport(rt).issue_key(Actor.system("bench"), "基准测试")["api_key"]
    with rt.uow(readonly=True) as uow:
        n = uow.conn.execute(text("SELECT max(id) FROM cases")).scalar_one() or 1
        ids = [1 + (i * 7919) % n for i in range(2000)]
        wanted = ",".join(map(str, ids))
        nos = [r[0] for r in uow.conn.execute(text(f"SELECT case_no FROM cases WHERE id IN ({wanted})"))]
    rt.uow().engine.dispose()  # type: ignore[attr-defined]
    return {"post": Load("POST", ["/open311/v2/requests.json"], FORM, form_bodies(points, key)),
            "list": Load("GET", ["/api/v1/cases?page_size=100"], {"Authorization": f"Bearer {token}"}, []),
            "one": Load("GET", [f"/open311/v2/requests/{no}.json" for no in nos], {}, [])}


def floor_database(kind: str, stored: int) -> str:
    if kind == "sqlite":
        CACHE.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{CACHE / f'floor-{stored}.db'}"
    else:
        name = f"cs_bench_floor_{stored}"
        admin = admin_engine()
        with admin.connect() as c:
            if not c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                c.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    subprocess.run([sys.executable, "-m", "bench.floor", "fill", url, str(stored)], check=True, cwd=ROOT)
    return url


# ------------------------------------------------------------------ report
def verdict(path: str, ratio: float, r: Result) -> str:
    need, pct, limit = TARGETS[path]
    ok = ratio >= need
    text_ = f"≥{need:.1f}× {'ok' if ok else 'MISSED'}"
    if pct and limit is not None:
        value = getattr(r, pct)
        text_ += f", {pct} ≤{limit:.0f} ms {'ok' if value <= limit else 'MISSED'}"
    return text_


def line(name: str, r: Result) -> str:
    return (f"{name:<26} {r.rate:8,.0f} req/s  p50 {r.p50:7.1f}  p95 {r.p95:7.1f}  p99 {r.p99:7.1f} ms"
            f"  n {r.n:,}  errors {r.errors}")


def run_round(args: argparse.Namespace, kind: str, tag: str, paths: list[str], floor_url: str, cs_url: str,
              media: str, cs: dict[str, Any], fl: dict[str, Any]) -> dict[tuple[str, str], Result]:
    """The floor, then CitySteward with each worker count, on every path: one set of back-to-back ratios."""
    results: dict[tuple[str, str], Result] = {}
    settle(kind)
    server = Server("bench.floor:app", {"FLOOR_DATABASE_URL": floor_url}, args.workers)
    try:
        for path in paths:
            if args.warmup:
                rates = warm_up(server.base, fl[path], args.warmup, args.concurrency)
                print(f"{tag}   warm-up floor {path}: {_rates(rates)} req/s", flush=True)
            results[("floor", path)] = r = drive(server.base, fl[path], args.seconds, args.concurrency)
            print(f"{tag} {line(f'floor {path} ({args.workers}w)', r)}", flush=True)
    finally:
        server.stop()
    for workers in (int(w) for w in args.cs_workers.split(",")):
        for path in paths:  # a fresh server per path: a profile per path
            profile = f"{args.profile}/{kind}-{path}-{workers}w" if args.profile else None
            env = {"CITYSTEWARD_DATABASE_URL": cs_url, "CITYSTEWARD_MEDIA_DIR": media}
            settle(kind)
            server = Server("citysteward.asgi:app", env, workers, profile)
            if args.warmup:  # steady state: each worker's caches hold what the load asks for
                rates = warm_up(server.base, cs[path], args.warmup, args.concurrency)
                print(f"{tag}   warm-up citysteward {path} ({workers}w): {_rates(rates)} req/s", flush=True)
            spy = None
            if args.pyspy:  # sampled stacks of every worker, threads included (root: ptrace)
                Path(args.pyspy).mkdir(parents=True, exist_ok=True)
                out = Path(args.pyspy) / f"{kind}-{path}-{workers}w.{'txt' if args.pyspy_format == 'raw' else 'svg'}"
                spy = subprocess.Popen(["py-spy", "record", *(["--idle"] if args.pyspy_idle else []), "--pid", str(server.proc.pid), "--subprocesses",
                                        "--rate", "250", "--format", args.pyspy_format, "--output", str(out),
                                        "--duration", str(args.seconds + 2)], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
                time.sleep(1)
            try:
                r = drive(server.base, cs[path], args.seconds, args.concurrency)
            finally:
                if spy is not None:
                    spy.wait(60)
                server.stop()
            results[(f"cs{workers}", path)] = r
            ratio = r.rate / results[("floor", path)].rate
            print(f"{tag} {line(f'citysteward {path} ({workers}w)', r)}  "
                  f"ratio {ratio:.2f}  {verdict(path, ratio, r)}", flush=True)
    return results


def summarise(kind: str, paths: list[str], cs_workers: str, rounds: list[dict[tuple[str, str], Result]]) -> None:
    """Medians over the rounds: each round's ratio is taken against that round's floor (the machine's
    speed drifts between rounds; back-to-back pairs share the drift)."""
    print(f"[{kind}] medians over {len(rounds)} rounds")
    for path in paths:
        floor = [r[("floor", path)] for r in rounds]
        print(f"[{kind}]   {line(f'floor {path}', median_result(floor))}")
        for workers in (int(w) for w in cs_workers.split(",")):
            ours = [r[(f"cs{workers}", path)] for r in rounds]
            ratio = statistics.median(o.rate / f.rate for o, f in zip(ours, floor, strict=True))
            mid = median_result(ours)
            print(f"[{kind}]   {line(f'citysteward {path} ({workers}w)', mid)}  ratio {ratio:.2f}  "
                  f"{verdict(path, ratio, mid)}", flush=True)


def median_result(results: list[Result]) -> Result:
    def mid(name: str) -> float:
        return float(statistics.median(getattr(r, name) for r in results))

    return Result(rate=mid("rate"), p50=mid("p50"), p95=mid("p95"), p99=mid("p99"), n=int(mid("n")),
                  errors=sum(r.errors for r in results))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--stored", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=3,
                    help="seconds of each warm-up pass on each fresh server before the measured run (not counted); "
                         "passes repeat until three in a row lie within 10 %% of their highest (at most 12)")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn workers of the floor")
    ap.add_argument("--cs-workers", default="2", help="CitySteward's uvicorn workers, e.g. 1,2 to compare")
    ap.add_argument("--paths", default="post,list,one")
    ap.add_argument("--rounds", type=int, default=1,
                    help="repeat floor + CitySteward this many times and print the medians (a noisy machine)")
    ap.add_argument("--profile", default="", help="folder: cProfile each CitySteward worker, one .prof per path")
    ap.add_argument("--pyspy", default="", help="folder: py-spy (pip install py-spy) samples every worker, per path")
    ap.add_argument("--pyspy-idle", action="store_true",
                    help="sample waiting threads too (a writer waiting for the SQLite write lock shows)")
    ap.add_argument("--pyspy-format", default="raw", choices=["raw", "flamegraph", "speedscope"],
                    help="raw: collapsed stacks (bench/stacks.py summarises them); flamegraph: an SVG")
    args = ap.parse_args()
    paths = args.paths.split(",")
    print(f"machine: {machine()}; load generator: {'wrk ' + subprocess.run(['wrk', '-v'], capture_output=True, text=True).stdout.split()[1] if shutil.which('wrk') else 'httpx (in process)'}")
    print(f"concurrency {args.concurrency}, {args.seconds} s per path after warm-up passes of {args.warmup} s until steady, "
          f"{args.stored:,} cases stored")
    points = cached_points()
    for kind in args.db.split(","):
        floor_url = floor_database(kind, args.stored)
        with tempfile.TemporaryDirectory() as tmp:
            cs_url = copy_of_cache(kind, args.stored, tmp)
            try:
                media = f"{tmp}/media"
                cs = citysteward_loads(cs_url, media, points)
                fl = floor_loads(args.stored, points)
                rounds: list[dict[tuple[str, str], Result]] = []
                print(f"\n[{kind}] load average before: {load_average()}")
                for round_no in range(1, args.rounds + 1):
                    tag = f"[{kind}]" if args.rounds == 1 else f"[{kind} {round_no}/{args.rounds}]"
                    rounds.append(run_round(args, kind, tag, paths, floor_url, cs_url, media, cs, fl))
                if args.rounds > 1:
                    summarise(kind, paths, args.cs_workers, rounds)
                print(f"[{kind}] load average after: {load_average()}")
            finally:
                drop_database(cs_url)


if __name__ == "__main__":
    main()
