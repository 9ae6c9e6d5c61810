"""Shared bench set-up: a database with the demo grids, the catalogue and N stored cases.

Stored cases are bulk-inserted rows (one case + one report event each), spread over the last year,
so the intake and list figures are taken with a realistically filled ledger."""

from __future__ import annotations

import json
import os
import platform
import random
import re
import resource
import shutil
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import Engine

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
# From this many stored cases (with their steps, on PostgreSQL) the cases are generated inside the
# database (bulk_cases_pg_server_side) instead of sent from Python; 0: always, a huge number: never.
PG_SERVER_SIDE_FROM = int(os.environ.get("CITYSTEWARD_BENCH_PG_SERVER_SIDE_FROM", "2000000"))


def machine() -> str:
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cpu, Python {platform.python_version()}"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Scratch copies carry the pid of the bench that made them: one killed mid-run (Ctrl-C twice, a timeout)
# leaves its PostgreSQL database and its SQLite folder behind, and a dozen forgotten 1 M copies slow the
# server for every later run. The next bench removes those whose process is gone (`sweep_leftovers`).
_SCRATCH = re.compile(r"^cs_bench_p(\d+)_[0-9a-f]{8}$")
_OWNER = ".cs_bench_pid"  # in a scratch folder: the pid of the bench using it
_swept = False


def admin_engine() -> Engine:
    """An autocommit engine on the PostgreSQL server's maintenance database (CREATE / DROP DATABASE)."""
    return create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")


def _scratch_name() -> str:
    return f"cs_bench_p{os.getpid()}_{uuid.uuid4().hex[:8]}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _own(tmpdir: str) -> None:
    (Path(tmpdir) / _OWNER).write_text(str(os.getpid()))


def sweep_leftovers() -> list[str]:
    """Drop the scratch databases and folders of benches that are no longer running; returns their names."""
    global _swept
    if _swept:
        return []
    _swept = True
    gone: list[str] = []
    for marker in Path(tempfile.gettempdir()).glob(f"*/{_OWNER}"):
        try:
            pid = int(marker.read_text().strip() or 0)
        except (OSError, ValueError):
            continue
        if pid and not _alive(pid):
            shutil.rmtree(marker.parent, ignore_errors=True)
            gone.append(str(marker.parent))
    try:
        admin = admin_engine()
        with admin.connect() as c:
            names = c.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'cs\\_bench\\_p%'")).scalars()
            for name in list(names):
                m = _SCRATCH.match(name)
                if m and not _alive(int(m.group(1))):
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    gone.append(name)
        admin.dispose()
    except Exception:  # noqa: BLE001 — no PostgreSQL here: nothing of it to sweep
        pass
    if gone:
        print(f"removed {len(gone)} leftovers of killed benchmarks: {', '.join(gone)}", flush=True)
    return gone


def database(kind: str, tmpdir: str) -> str:
    sweep_leftovers()
    if kind == "sqlite":
        _own(tmpdir)
        return f"sqlite:///{tmpdir}/bench.db"
    name = _scratch_name()
    admin = admin_engine()
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        name = url.rsplit("/", 1)[1]
        admin = admin_engine()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str, stored: int, media: str, steps: bool = False) -> tuple[Runtime, list[tuple[float, float]]]:
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
    if steps and stored >= PG_SERVER_SIDE_FROM and rt.uow().engine.dialect.name == "postgresql":  # type: ignore[attr-defined]
        bulk_cases_pg_server_side(rt, stored, points)
    else:
        bulk_cases(rt, stored, points, steps=steps)
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


# The steps a stored case of each state has been through after its report (minutes after it).
LIFECYCLE = {"registered": (("register", 5),), "dispatched": (("register", 5), ("dispatch", 10)),
             "in_progress": (("register", 5), ("dispatch", 10), ("accept_task", 30)),
             "handled": (("register", 5), ("dispatch", 10), ("handle", 240)),
             "checked": (("register", 5), ("dispatch", 10), ("handle", 240), ("check_pass", 600)),
             "closed": (("register", 5), ("dispatch", 10), ("handle", 240), ("check_pass", 600), ("close", 900))}


def bench_categories(rt: Runtime) -> list[str]:
    """The category codes stored cases take in turn."""
    return ["06010", "06011", "BJ01002", "BJ01003"] + [c.code for c in catalogue_services.catalogue(rt).by_code.values()][:56]


def bulk_cases(rt: Runtime, n: int, points: list[tuple[float, float]], batch: int = 20000,
               steps: bool = False) -> None:
    """n cases over the past year (one report step each; with `steps`, every step of their state too).
    On PostgreSQL the rollup triggers are held off during the load and the rollups rebuilt once."""
    if n <= 0:
        return
    pg = rt.uow().engine.dialect.name == "postgresql"  # type: ignore[attr-defined]
    index = geography_services.grid_index(rt)
    cats = bench_categories(rt)
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
                "me_too_count": 0, "handled_on_time": None,
            })
            events.append({"case_id": k + 1, "action": "report", "from_state": None, "to_state": "reported",
                           "actor_id": None, "actor_name": "bench", "role": "inspector", "at": reported,
                           "note": "", "payload": {}, "photo_ids": []})
            if steps:
                prev = "reported"
                for action, minutes in LIFECYCLE.get(state, ()):
                    at = reported + timedelta(minutes=minutes)
                    if at > now:
                        break
                    events.append({"case_id": k + 1, "action": action, "from_state": prev, "to_state": prev,
                                   "actor_id": None, "actor_name": "bench", "role": "dispatcher", "at": at,
                                   "note": "", "payload": {}, "photo_ids": []})
                if state in ("handled", "checked", "closed"):
                    cases[-1]["handled_on_time"] = k % 5 != 0
        with rt.uow() as uow:
            if pg:  # no triggers during the bulk load: the rollups are rebuilt once at the end
                uow.conn.execute(text("SET LOCAL session_replication_role = replica"))  # type: ignore[union-attr]
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
        from citysteward.evaluation.services import rollups

        t1 = time.perf_counter()
        rows = rollups.rebuild(rt)
        print(f"  rollups rebuilt: {rows:,} rows ({time.perf_counter() - t1:.0f} s)", flush=True)
        with rt.uow() as uow:
            uow.conn.execute(text("ANALYZE case_rollups"))  # type: ignore[union-attr]
            uow.commit()
    else:
        with rt.uow() as uow:
            uow.conn.execute(text("ANALYZE"))  # type: ignore[union-attr]
            uow.commit()


def bulk_cases_pg_server_side(rt: Runtime, n: int, points: list[tuple[float, float]],
                              chunk: int = 1_000_000) -> None:
    """What bulk_cases(rt, n, points, steps=True) stores, generated inside PostgreSQL with INSERT … SELECT
    … FROM generate_series, `chunk` cases (and their steps) a statement: the same columns, the same
    k-th case (state, source, category, unit, point with its grid and H3 cell, light, on-time mark,
    case number), report times spread over the past year the same way (the random minute fraction
    from random() instead of numpy) and the same steps per state (LIFECYCLE), none after now.

    Like bulk_cases, the triggers are held off during the load (session_replication_role = replica) and
    the rollups rebuilt once at the end with rollups.rebuild. The plain indexes of cases and case_events
    are dropped for the load and created again afterwards from their own definitions (pg_get_indexdef);
    the primary keys and unique constraints stay. ANALYZE at the end."""
    if n <= 0:
        return
    from citysteward.evaluation.services import rollups

    engine = rt.uow().engine  # type: ignore[attr-defined]
    index = geography_services.grid_index(rt)
    located = [(lon, lat, index.locate(lon, lat), cell_of(lon, lat)) for lon, lat in points]
    cats = bench_categories(rt)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    with engine.connect() as conn:
        start = int(conn.execute(select(func.count()).select_from(cases_tables.cases)).scalar_one())
        events0 = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM case_events")).scalar_one())
        found = dict(conn.execute(text("SELECT code, id FROM units WHERE code = ANY(:codes)"),
                                  {"codes": [f"u{i}" for i in range(UNITS)]}).all())
        units = [int(found[f"u{i}"]) for i in range(UNITS)]
        if units != list(range(1, UNITS + 1)):
            print(f"  note: the bench units have ids {units}, not 1..{UNITS}", flush=True)
        conn.execute(text("CREATE TEMPORARY TABLE bench_points (i integer PRIMARY KEY, lon float8, lat float8, "
                          "grid_code text, cell text) ON COMMIT PRESERVE ROWS"))
        conn.execute(text("INSERT INTO bench_points VALUES (:i, :lon, :lat, :grid, :cell)"),
                     [{"i": i, "lon": lon, "lat": lat, "grid": code, "cell": cell}
                      for i, (lon, lat, code, cell) in enumerate(located)])
        conn.execute(text("CREATE TEMPORARY TABLE bench_steps (state text, ord integer, action text, minutes integer, "
                          "from_state text, to_state text, role text) ON COMMIT PRESERVE ROWS"))
        steps = [{"state": state, "ord": 0, "action": "report", "minutes": 0, "from_state": None,
                  "to_state": "reported", "role": "inspector"} for state in sorted(set(STATES))]
        steps += [{"state": state, "ord": i, "action": action, "minutes": minutes, "from_state": "reported",
                   "to_state": "reported", "role": "dispatcher"}
                  for state, lifecycle in LIFECYCLE.items() for i, (action, minutes) in enumerate(lifecycle, 1)]
        conn.execute(text("INSERT INTO bench_steps VALUES (:state, :ord, :action, :minutes, :from_state, "
                          ":to_state, :role)"), steps)
        conn.execute(text("ANALYZE bench_points"))
        conn.execute(text("ANALYZE bench_steps"))
        # the plain indexes: dropped for the load, created again from their definitions afterwards
        indexes = conn.execute(text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname IN ('cases', 'case_events') "
            "AND t.relnamespace = 'public'::regnamespace "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY 1")).all()
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.commit()
        print(f"  {len(indexes)} plain indexes of cases and case_events held off for the load", flush=True)
        statement = text(f"""
            WITH c AS (
              INSERT INTO cases (id, case_no, version, state, source, category_code, urgency, description, address,
                                 lon, lat, cell, grid_code, community_code, street_code, district_code,
                                 assisting_unit_ids, main_unit_id, reported_at, updated_at, light, overdue,
                                 rework_count, extension_count, return_count, reopen_count, me_too_count,
                                 handled_on_time)
              SELECT r.k + 1,
                     'BN' || to_char(r.reported AT TIME ZONE 'UTC', 'YYYYMMDD') || '-'
                       || lpad(r.k::text, greatest(8, length(r.k::text)), '0'),
                     1, r.state, (CAST(:sources AS text[]))[r.k % {len(SOURCES)} + 1],
                     (CAST(:cats AS text[]))[r.k % {len(cats)} + 1], 'normal', '批量基准数据', '',
                     p.lon, p.lat, p.cell, p.grid_code, left(p.grid_code, 12), left(p.grid_code, 9),
                     left(p.grid_code, 6), CAST('[]' AS json),
                     CASE WHEN r.state NOT IN ('reported', 'registered')
                          THEN (CAST(:units AS bigint[]))[r.k % {UNITS} + 1] END,
                     r.reported, r.reported,
                     CASE WHEN r.state IN ('dispatched', 'in_progress')
                          THEN (ARRAY['green', 'yellow', 'red'])[r.k % 3 + 1] END,
                     false, 0, 0, 0, 0, 0,
                     CASE WHEN r.state IN ('handled', 'checked', 'closed') THEN r.k % 5 <> 0 END
              FROM (SELECT k, (CAST(:states AS text[]))[k % {len(STATES)} + 1] AS state,
                           CAST(:now AS timestamptz)
                             - make_interval(secs => 60 * (525600 * (1 - (k + 1)::float8 / CAST(:total AS float8)) + random()))
                             AS reported
                    FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS k) r
              JOIN bench_points p ON p.i = r.k % {len(located)}
              RETURNING id, state, reported_at)
            INSERT INTO case_events (id, case_id, action, from_state, to_state, actor_id, actor_name, role, at,
                                     note, payload, photo_ids)
            SELECT CAST(:events AS bigint) + row_number() OVER (ORDER BY c.id, s.ord), c.id, s.action,
                   s.from_state, s.to_state, NULL, 'bench', s.role,
                   c.reported_at + make_interval(mins => s.minutes), '', CAST('{{}}' AS json), CAST('[]' AS json)
            FROM c JOIN bench_steps s ON s.state = c.state
            WHERE c.reported_at + make_interval(mins => s.minutes) <= CAST(:now AS timestamptz)""")
        done, events = 0, events0
        while done < n:
            size = min(chunk, n - done)
            conn.execute(text("SET LOCAL session_replication_role = replica"))  # no triggers: rebuilt at the end
            conn.execute(text("SET LOCAL work_mem = '256MB'"))
            added = conn.execute(statement, {
                "sources": SOURCES, "cats": cats, "units": units, "states": STATES, "now": now,
                "total": max(n + start, 1), "lo": start + done, "hi": start + done + size - 1, "events": events,
            }).rowcount
            conn.commit()
            done += size
            events += added
            print(f"  stored {start + done:,} cases, {events:,} steps ({time.perf_counter() - t0:.0f} s)", flush=True)
        conn.execute(text("SET maintenance_work_mem = '1GB'"))
        for name, definition in indexes:
            t1 = time.perf_counter()
            conn.execute(text(definition))
            conn.commit()
            print(f"  index {name} ({time.perf_counter() - t1:.0f} s)", flush=True)
        conn.execute(text("RESET maintenance_work_mem"))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('cases','id'), (SELECT max(id) FROM cases))"))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('case_events','id'), (SELECT max(id) FROM case_events))"))
        conn.commit()
        conn.execute(text("ANALYZE"))
        conn.commit()
    print(f"  loaded in {time.perf_counter() - t0:.0f} s", flush=True)
    t1 = time.perf_counter()
    # the same rebuild as bulk_cases, through a runtime whose sessions may sort and hash in memory
    big = make_engine(rt.settings.database_url, connect_args={"options": "-c work_mem=256MB"})
    try:
        rows = rollups.rebuild(Runtime(uow=SqlUnitOfWorkFactory(big), settings=rt.settings))  # type: ignore[arg-type]
    finally:
        big.dispose()
    rt.cache.drop("rollup_offset", "dashboard")
    print(f"  rollups rebuilt: {rows:,} rows ({time.perf_counter() - t1:.0f} s)", flush=True)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


# ------------------------------------------------------------------ a cached, filled database
CACHE = Path(os.environ.get("CITYSTEWARD_BENCH_CACHE", "var/bench"))


def open_runtime(url: str, media: str) -> Runtime:
    engine = make_engine(url)
    return Runtime(uow=SqlUnitOfWorkFactory(engine), settings=Settings(database_url=url, media_dir=Path(media)))


def _cache_name(stored: int, steps: bool = False) -> str:
    return f"cs_bench_cache_{stored}{'_steps' if steps else ''}"


def cached_points() -> list[tuple[float, float]]:
    path = CACHE / "points.json"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(sample_points(build_demo_areas().grids, 20000)))
    return [(float(x), float(y)) for x, y in json.loads(path.read_text())]


def build_cache(kind: str, stored: int, steps: bool = False) -> str:
    """The filled database, built once (var/bench/sqlite-N.db, or the PostgreSQL database
    cs_bench_cache_N) and reused by every later run as a template."""
    CACHE.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        path = CACHE / f"sqlite-{stored}{'-steps' if steps else ''}.db"
        if path.exists():
            return f"sqlite:///{path}"
        tmp = CACHE / f"sqlite-{stored}{'-steps' if steps else ''}.building.db"
        for leftover in CACHE.glob(f"{tmp.name}*"):
            leftover.unlink()
        url = f"sqlite:///{tmp}"
    else:
        name = _cache_name(stored, steps)
        admin = admin_engine()
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
    rt, _ = prepare(url, stored, str(CACHE / "media"), steps)
    rt.uow().engine.dispose()  # type: ignore[attr-defined]
    print(f"[{kind}] cached in {time.perf_counter() - t0:.0f} s", flush=True)
    if kind == "sqlite":
        con = sqlite3.connect(tmp)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
        con.close()
        tmp.rename(path)
        return f"sqlite:///{path}"
    # Settled as autovacuum leaves a live database (hint bits set, visibility map built), so that each
    # run's copy does not first rewrite every page it reads.
    cache = create_engine(url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with cache.connect() as c:
        c.execute(text("VACUUM (FREEZE, ANALYZE)"))
    cache.dispose()
    admin = admin_engine()
    with admin.connect() as c:  # an empty marker database: the cache is complete
        c.execute(text(f'CREATE DATABASE "{_cache_name(stored, steps)}_ok"'))
    admin.dispose()
    return url


def copy_of_cache(kind: str, stored: int, tmpdir: str, steps: bool = False) -> str:
    """A scratch copy of the cached database for one run (runs add cases), migrated to head."""
    sweep_leftovers()
    source = build_cache(kind, stored, steps)
    upgrade(source)  # new migrations (the rollups' backfill) run once on the cache, not on every copy
    if kind == "sqlite":
        target = Path(tmpdir) / "bench.db"
        _own(tmpdir)
        shutil.copyfile(source.removeprefix("sqlite:///"), target)
        url = f"sqlite:///{target}"
    else:
        name = _scratch_name()
        admin = admin_engine()
        with admin.connect() as c:
            # FILE_COPY (PostgreSQL 15+) copies the files instead of writing every block through the WAL: a
            # WAL_LOG copy of a 1 M database wrote GBs of WAL, whose forced checkpoints then ran during
            # the measured runs (p99 spikes of 70–100 ms that were the benchmark's own doing).
            file_copy = " STRATEGY = FILE_COPY" if c.dialect.server_version_info >= (15,) else ""
            c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_cache_name(stored, steps)}"{file_copy}'))
        admin.dispose()
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    engine = make_engine(url)  # tables a context declares before its migration is written (work in progress)
    schema.metadata.create_all(engine, checkfirst=True)
    engine.dispose()
    return url


def settle(kind: str) -> None:
    """Before a measured server starts: on PostgreSQL a CHECKPOINT, so that no phase inherits the dirty
    buffers (and the checkpoint they force) of the phase before it; the floor's phases and ours alike."""
    if kind != "postgresql":
        return
    admin = admin_engine()
    try:
        with admin.connect() as c:
            c.execute(text("CHECKPOINT"))
    finally:
        admin.dispose()
