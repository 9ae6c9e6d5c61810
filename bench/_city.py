"""Shared bench set-up: a database with the demo grids, the catalogue and N stored cases.

Stored cases are bulk-inserted rows (one case + one report event each), spread over the last year,
so the intake and list figures are taken with a realistically filled ledger."""

from __future__ import annotations

import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import create_engine, func, insert, select, text

from citysteward import schema
from citysteward.bootstrap import initialise
from citysteward.cases import tables as cases_tables
from citysteward.catalogue import services as catalogue_services
from citysteward.config import Settings
from citysteward.demo.areas import build_demo_areas
from citysteward.geography import services as areas
from citysteward.geography import services as geography_services
from citysteward.kernel.actor import Actor
from citysteward.kernel.cells import cell_of
from citysteward.platform.db import make_engine
from citysteward.platform.migrate import upgrade
from citysteward.platform.runtime import Runtime
from citysteward.unit_of_work import SqlUnitOfWorkFactory

PG_ADMIN = os.environ.get("CITYSTEWARD_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
STATES = ["closed"] * 14 + ["dispatched", "in_progress", "handled", "checked", "registered", "reported"]
SOURCES = ["inspector"] * 6 + ["citizen"] * 2 + ["hotline"] * 2
UNITS = 8


def machine() -> str:
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cpu, Python {platform.python_version()}"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def database(kind: str, tmpdir: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmpdir}/bench.db"
    name = f"cs_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        name = url.rsplit("/", 1)[1]
        admin = create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str, stored: int, media: str) -> tuple[Runtime, list[tuple[float, float]]]:
    upgrade(url)
    engine = make_engine(url)
    rt = Runtime(uow=SqlUnitOfWorkFactory(engine), settings=Settings(database_url=url, media_dir=media))  # type: ignore[arg-type]
    initialise(rt)
    demo = build_demo_areas()
    system = Actor.system("bench")
    for fc in (demo.districts, demo.streets, demo.communities, demo.grids):
        areas.import_areas(rt, system, fc)
    with rt.uow() as uow:
        for i in range(UNITS):
            uow.org.add_unit({"code": f"u{i}", "name": f"单位{i}", "kind": "other", "active": True})
        uow.commit()
    points = sample_points(demo.grids, 20000)
    bulk_cases(rt, stored, points)
    return rt, points


def sample_points(grids_fc: dict[str, Any], n: int) -> list[tuple[float, float]]:
    rnd = random.Random(7)
    feats = grids_fc["features"]
    out = []
    while len(out) < n:
        g = shapely.geometry.shape(rnd.choice(feats)["geometry"])
        c = g.representative_point()
        out.append((c.x, c.y))
    return out


def bulk_cases(rt: Runtime, n: int, points: list[tuple[float, float]], batch: int = 20000) -> None:
    if n <= 0:
        return
    index = geography_services.grid_index(rt)
    cats = ["06010", "06011", "BJ01002", "BJ01003"] + [c.code for c in catalogue_services.catalogue(rt).by_code.values()][:56]
    rnd = np.random.default_rng(3)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    with rt.uow() as uow:
        start = uow.conn.execute(select(func.count()).select_from(cases_tables.cases)).scalar_one()  # type: ignore[union-attr]
    done = 0
    # the points repeat: locate each one once (grid and H3 cell), not once per case
    located = [(lon, lat, index.locate(lon, lat), cell_of(lon, lat)) for lon, lat in points]
    while done < n:
        size = min(batch, n - done)
        cases, events = [], []
        for i in range(size):
            k = start + done + i
            lon, lat, code, cell = located[k % len(located)]
            # chronological, as a real ledger is: ids grow with the report time
            reported = now - timedelta(minutes=525600 * (1 - (k + 1) / max(n + start, 1)) + float(rnd.random()))
            state = STATES[k % len(STATES)]
            cases.append({
                "id": k + 1, "case_no": f"BN{reported:%Y%m%d}-{k:08d}", "version": 1, "state": state,
                "source": SOURCES[k % len(SOURCES)], "category_code": cats[k % len(cats)], "urgency": "normal",
                "description": "批量基准数据", "address": "", "lon": lon, "lat": lat,
                "cell": cell, "grid_code": code, "community_code": code[:12],
                "street_code": code[:9], "district_code": code[:6], "assisting_unit_ids": [],
                "main_unit_id": (k % UNITS) + 1 if state not in ("reported", "registered") else None,
                "reported_at": reported, "updated_at": reported,
                "light": ("green", "yellow", "red")[k % 3] if state in ("dispatched", "in_progress") else None,
                "overdue": False, "rework_count": 0, "extension_count": 0, "return_count": 0, "reopen_count": 0,
                "me_too_count": 0,
            })
            events.append({"case_id": k + 1, "action": "report", "from_state": None, "to_state": "reported",
                           "actor_id": None, "actor_name": "bench", "role": "inspector", "at": reported,
                           "note": "", "payload": {}, "photo_ids": []})
        with rt.uow() as uow:
            uow.conn.execute(insert(cases_tables.cases), cases)  # type: ignore[union-attr]
            uow.conn.execute(insert(cases_tables.case_events), events)  # type: ignore[union-attr]
            uow.commit()
        done += size
        print(f"  stored {start + done:,} cases ({time.perf_counter() - t0:.0f} s)", flush=True)
    if rt.uow().engine.dialect.name == "postgresql":  # type: ignore[attr-defined]
        with rt.uow() as uow:
            uow.conn.execute(text("SELECT setval(pg_get_serial_sequence('cases','id'), (SELECT max(id) FROM cases))"))  # type: ignore[union-attr]
            uow.conn.execute(text("SELECT setval(pg_get_serial_sequence('case_events','id'), (SELECT max(id) FROM case_events))"))  # type: ignore[union-attr]
            uow.conn.execute(text("ANALYZE"))  # type: ignore[union-attr]
            uow.commit()
    else:
        with rt.uow() as uow:
            uow.conn.execute(text("ANALYZE"))  # type: ignore[union-attr]
            uow.commit()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


# ------------------------------------------------------------------ a cached, filled database
CACHE = Path(os.environ.get("CITYSTEWARD_BENCH_CACHE", "var/bench"))


def open_runtime(url: str, media: str) -> Runtime:
    engine = make_engine(url)
    return Runtime(uow=SqlUnitOfWorkFactory(engine), settings=Settings(database_url=url, media_dir=Path(media)))


def _cache_name(stored: int) -> str:
    return f"cs_bench_cache_{stored}"


def cached_points() -> list[tuple[float, float]]:
    path = CACHE / "points.json"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(sample_points(build_demo_areas().grids, 20000)))
    return [(float(x), float(y)) for x, y in json.loads(path.read_text())]


def build_cache(kind: str, stored: int) -> str:
    """The filled database, built once (var/bench/sqlite-N.db, or the PostgreSQL database
    cs_bench_cache_N) and reused by every later run as a template."""
    CACHE.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        path = CACHE / f"sqlite-{stored}.db"
        if path.exists():
            return f"sqlite:///{path}"
        tmp = CACHE / f"sqlite-{stored}.building.db"
        for leftover in CACHE.glob(f"{tmp.name}*"):
            leftover.unlink()
        url = f"sqlite:///{tmp}"
    else:
        name = _cache_name(stored)
        admin = create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            exists = c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists and c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                    {"n": name + "_ok"}).first():
                admin.dispose()
                return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    t0 = time.perf_counter()
    print(f"[{kind}] building the cached database with {stored:,} cases (once) …", flush=True)
    rt, _ = prepare(url, stored, str(CACHE / "media"))
    rt.uow().engine.dispose()  # type: ignore[attr-defined]
    print(f"[{kind}] cached in {time.perf_counter() - t0:.0f} s", flush=True)
    if kind == "sqlite":
        con = sqlite3.connect(tmp)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
        con.close()
        tmp.rename(path)
        return f"sqlite:///{path}"
    admin = create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:  # an empty marker database: the cache is complete
        c.execute(text(f'CREATE DATABASE "{_cache_name(stored)}_ok"'))
    admin.dispose()
    return url


def copy_of_cache(kind: str, stored: int, tmpdir: str) -> str:
    """A scratch copy of the cached database for one run (runs add cases), migrated to head."""
    source = build_cache(kind, stored)
    if kind == "sqlite":
        target = Path(tmpdir) / "bench.db"
        shutil.copyfile(source.removeprefix("sqlite:///"), target)
        url = f"sqlite:///{target}"
    else:
        name = f"cs_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_cache_name(stored)}"'))
        admin.dispose()
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    engine = make_engine(url)  # tables a context declares before its migration is written (work in progress)
    schema.metadata.create_all(engine, checkfirst=True)
    engine.dispose()
    return url
