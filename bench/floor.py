"""The floor: the least a web app on this stack can do per request, to compare CitySteward against.

A bare FastAPI app (no validation, no routing rules, no auth) that inserts one row per POST
(form-encoded, like an Open311 report), lists the newest 100 rows and returns one row by id. It runs
under uvicorn exactly as CitySteward does (`bench/http.py` starts both with the same workers and
drives both with the same wrk scripts), on SQLite (WAL, one connection per worker process) or
PostgreSQL (psycopg 3, one connection per worker process).

    FLOOR_DATABASE_URL=sqlite:///var/bench/floor.db uvicorn bench.floor:app --workers 2
    .venv/bin/python bench/floor.py fill sqlite:///var/bench/floor.db 1000000   # create + fill
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response

COLUMNS = "id, service_code, description, lat, lon, address, status, created_at"
SCHEMA = ("CREATE TABLE IF NOT EXISTS floor_rows (id {pk}, service_code TEXT NOT NULL, description TEXT NOT NULL,"
          " lat DOUBLE PRECISION NOT NULL, lon DOUBLE PRECISION NOT NULL, address TEXT NOT NULL,"
          " status TEXT NOT NULL, created_at TEXT NOT NULL)")


class Db:
    """One connection per worker process; the event loop is one thread, calls are short."""

    def __init__(self, url: str) -> None:
        self.sqlite = url.startswith("sqlite")
        self._lock = threading.Lock()
        if self.sqlite:
            self.conn: Any = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None,
                                             check_same_thread=False, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA busy_timeout=30000")
            self.mark = "?"
        else:
            import psycopg

            self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
            self.mark = "%s"

    def create(self) -> None:
        self.conn.execute(SCHEMA.format(pk="INTEGER PRIMARY KEY" if self.sqlite else "BIGSERIAL PRIMARY KEY"))

    def insert(self, values: tuple[Any, ...]) -> int:
        m = self.mark
        sql = (f"INSERT INTO floor_rows (service_code, description, lat, lon, address, status, created_at) "
               f"VALUES ({m}, {m}, {m}, {m}, {m}, {m}, {m}) RETURNING id")
        with self._lock:
            return int(self.conn.execute(sql, values).fetchone()[0])

    def many(self, rows: list[tuple[Any, ...]]) -> None:
        m = self.mark
        sql = (f"INSERT INTO floor_rows (service_code, description, lat, lon, address, status, created_at) "
               f"VALUES ({m}, {m}, {m}, {m}, {m}, {m}, {m})")
        if self.sqlite:
            self.conn.execute("BEGIN")
            self.conn.executemany(sql, rows)
            self.conn.execute("COMMIT")
        else:
            with self.conn.cursor() as cur, cur.copy(
                    "COPY floor_rows (service_code, description, lat, lon, address, status, created_at) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cur = self.conn.execute(sql.replace("?", self.mark), args)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


app = FastAPI()
_db: Db | None = None


def db() -> Db:
    global _db
    if _db is None:
        _db = Db(os.environ["FLOOR_DATABASE_URL"])
    return _db


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


@app.post("/requests")
async def create(request: Request) -> Response:
    form = await request.form()
    row = (str(form.get("service_code", "")), str(form.get("description", "")), float(form.get("lat") or 0),  # type: ignore[arg-type]
           float(form.get("long") or 0), str(form.get("address_string", "")), "open",  # type: ignore[arg-type]
           datetime.now(UTC).isoformat())
    return _json([{"service_request_id": db().insert(row)}], 201)


@app.get("/rows")
async def rows() -> Response:
    return _json(db().query(f"SELECT {COLUMNS} FROM floor_rows ORDER BY id DESC LIMIT 100"))


@app.get("/requests/{row_id}")
async def one(row_id: int) -> Response:
    found = db().query(f"SELECT {COLUMNS} FROM floor_rows WHERE id = ?", (row_id,))
    return _json(found) if found else _json([{"code": 404, "description": "not found"}], 404)


@app.get("/healthz")
async def healthz() -> Response:
    return _json({"status": "ok"})


def fill(url: str, n: int) -> None:
    """Create the table and store n rows (bulk)."""
    target = Db(url)
    target.create()
    have = target.query("SELECT count(*) AS n FROM floor_rows")[0]["n"]
    t0 = time.perf_counter()
    now = datetime.now(UTC).isoformat()
    while have < n:
        size = min(50_000, n - have)
        target.many([("06010", "人行道暴露垃圾（基准测试）", 35.2 + (i % 100) / 1000, 113.2 + (i % 97) / 1000,
                      "人民路", "open", now) for i in range(have, have + size)])
        have += size
    if not target.sqlite:  # settled like CitySteward's cached database (bench/_city.py)
        target.conn.execute("VACUUM (FREEZE, ANALYZE) floor_rows")
    print(f"floor: {n:,} rows stored ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "fill":
        fill(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: floor.py fill DATABASE_URL ROWS")
