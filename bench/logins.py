"""Login and session costs: what checking a bearer token costs on every request (one primary-key
lookup, no per-worker cache), against a dictionary hit (what the old 20-second per-worker cache cost
when it hit); and the time a refused login takes for a known user name and for an unknown one (both
verify one argon2 hash, so the two must be alike).

    .venv/bin/python bench/logins.py --db sqlite,postgresql
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _city import database, drop_database, machine  # noqa: E402

from citysteward.config import Settings
from citysteward.kernel.errors import Unauthorized
from citysteward.org.services import auth
from citysteward.platform.db import make_engine
from citysteward.platform.migrate import upgrade
from citysteward.platform.runtime import Runtime, utcnow
from citysteward.unit_of_work import SqlUnitOfWorkFactory


def micro(samples: list[float]) -> str:
    ordered = sorted(samples)
    return (f"median {statistics.median(ordered) * 1e6:8.1f} µs   p95 {ordered[int(len(ordered) * 0.95)] * 1e6:8.1f} µs")


def milli(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1e3:6.1f} ms   min {min(samples) * 1e3:6.1f}   max {max(samples) * 1e3:6.1f}"


def run(kind: str, tmp: str, n: int) -> None:
    url = database(kind, tmp)
    try:
        upgrade(url)
        engine = make_engine(url)
        settings = replace(Settings(database_url=url, media_dir=Path(tmp)), login_failures_per_user=0,
                           login_failures_per_ip=0)  # measure the checks, not the lockout
        rt = Runtime(uow=SqlUnitOfWorkFactory(engine), settings=settings, clock=utcnow)
        with rt.uow() as uow:
            uow.org.add_user({"username": "bench", "password_hash": auth.hash_password("Passw0rd!"),
                              "display_name": "压测", "role": "dispatcher", "unit_id": None, "active": True,
                              "created_at": rt.now()})
            uow.commit()
        token = auth.login(rt, "bench", "Passw0rd!").token
        for _ in range(200):  # warm the pool and the statement cache
            auth.authenticate(rt, token)
        lookups = []
        for _ in range(n):
            t0 = time.perf_counter()
            auth.authenticate(rt, token)
            lookups.append(time.perf_counter() - t0)
        remembered = {auth._digest(token): object()}
        hits = []
        for _ in range(n):
            t0 = time.perf_counter()
            auth._digest(token) in remembered  # noqa: B015 - the old cache's hit: a digest and a dict lookup
            hits.append(time.perf_counter() - t0)
        refused: dict[str, list[float]] = {"known user, wrong password": [], "unknown user": []}
        for i in range(12):
            for label, name in (("known user, wrong password", "bench"), ("unknown user", f"nobody{i}")):
                t0 = time.perf_counter()
                try:
                    auth.login(rt, name, "wrong-password", f"198.51.100.{i}")
                except Unauthorized:
                    pass
                refused[label].append(time.perf_counter() - t0)
        print(f"\n{kind}")
        print(f"  authenticate (per request, now)      {micro(lookups)}")
        print(f"  old cache hit (dict, for reference)  {micro(hits)}")
        for label, samples in refused.items():
            print(f"  refused login, {label:<26} {milli(samples[2:])}")
        engine.dispose()
    finally:
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("-n", type=int, default=5000)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.db.split(","):
            run(kind, tmp, args.n)


if __name__ == "__main__":
    main()
