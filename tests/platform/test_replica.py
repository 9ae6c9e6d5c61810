"""A real PostgreSQL streaming replica on loopback (issue 16, docs/deploy.md): this test makes its own
primary (initdb, a free port) and a standby of it (pg_basebackup -R, a second port), points the app's
CITYSTEWARD_REPLICA_URL at the standby, and shows that list reads are served there (with the standby's
replay paused, a case written on the primary is not in the list until replay resumes), that token
checks stay on the primary (a logout is refused at once), and that writes are refused there."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, text
from sqlalchemy.exc import InternalError, OperationalError

from citysteward.bootstrap import create_app, initialise
from citysteward.cases import tables as cases_tables
from citysteward.config import Settings
from citysteward.org.services import auth
from citysteward.platform.db import make_engine
from citysteward.platform.migrate import upgrade
from citysteward.platform.replica import replica_reads
from citysteward.platform.runtime import Runtime
from citysteward.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.conftest import require

BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*argv: str) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its tools as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else list(argv)


class Cluster:
    def __init__(self, bindir: Path, root: Path, name: str, port: int) -> None:
        self.bindir, self.data, self.port = bindir, root / name, port
        self.log = root / f"{name}.log"
        self.root = root

    def run(self, tool: str, *args: str) -> None:
        subprocess.run(_as_postgres(str(self.bindir / tool), *args), check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                 "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        subprocess.run(_as_postgres(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"),
                       capture_output=True, timeout=60)

    def url(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"


@pytest.fixture(scope="module")
def primary_and_replica() -> Iterator[tuple[str, str]]:
    require(bool(BIN), "PostgreSQL server binaries (initdb, pg_basebackup) are not installed")
    bindir = Path(BIN[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="cs-replica-", dir="/tmp"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary = Cluster(bindir, root, "primary", _free_port())
    replica = Cluster(bindir, root, "replica", _free_port())
    started: list[Cluster] = []
    try:
        primary.run("initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync",
                    "--locale=C")
        with open(primary.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\nfsync = off\n")
        primary.start()
        started.append(primary)
        primary.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                    "-D", str(replica.data), "-R", "-X", "stream", "--no-sync")
        replica.start()
        started.append(replica)
        admin = make_engine(primary.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("CREATE DATABASE cs"))
        admin.dispose()
        yield primary.url("cs"), replica.url("cs")
    finally:
        for cluster in reversed(started):
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def _caught_up(primary: Engine, replica: Engine, timeout: float = 30.0) -> None:
    with primary.connect() as p:
        target = p.execute(text("SELECT pg_current_wal_insert_lsn()::text")).scalar_one()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with replica.connect() as r:
            if r.execute(text("SELECT pg_last_wal_replay_lsn() >= CAST(:t AS pg_lsn)"), {"t": target}).scalar_one():
                return
        time.sleep(0.1)
    raise AssertionError("the replica did not catch up")


def _case_row(case_id: int, category: str, unit_id: int, at: datetime) -> dict[str, object]:
    code = "410802001001001"
    return {"id": case_id, "case_no": f"JZ{at:%Y%m%d}-{case_id:05d}", "version": 1, "state": "dispatched",
            "source": "inspector", "category_code": category, "urgency": "normal", "description": "副本测试",
            "address": "人民路", "lon": 113.24, "lat": 35.21, "cell": "8931aa4b5dbffff", "grid_code": code,
            "community_code": code[:12], "street_code": code[:9], "district_code": code[:6],
            "assisting_unit_ids": [], "main_unit_id": unit_id, "reported_at": at, "updated_at": at,
            "overdue": False, "rework_count": 0, "extension_count": 0, "return_count": 0, "reopen_count": 0,
            "me_too_count": 0}


def test_reads_go_to_the_replica_and_writes_and_token_checks_to_the_primary(
        primary_and_replica: tuple[str, str], tmp_path: Path) -> None:
    primary_url, replica_url = primary_and_replica
    upgrade(primary_url)
    settings = Settings(database_url=primary_url, replica_url=replica_url, media_dir=tmp_path / "media")
    primary, replica = make_engine(primary_url), make_engine(replica_url)
    rt = Runtime(uow=SqlUnitOfWorkFactory(primary), settings=settings)
    initialise(rt)
    now = datetime.now(UTC)
    with rt.uow() as uow:
        unit = uow.org.add_unit({"code": "u1", "name": "市政设施所", "kind": "facility", "active": True})
        uow.org.add_user({"username": "leader", "password_hash": auth.hash_password("Passw0rd!"),
                          "display_name": "领导", "role": "leader", "active": True, "created_at": now})
        category = uow.catalogue.all()[0].code
        uow.conn.execute(insert(cases_tables.cases), [_case_row(1, category, unit, now)])
        uow.commit()
    token = auth.login(rt, "leader", "Passw0rd!").token
    headers = {"Authorization": f"Bearer {token}"}
    _caught_up(primary, replica)

    app = create_app(settings)
    client = TestClient(app)
    served = app.state.runtime.uow
    assert served.replica is not None
    with replica_reads(), served(readonly=True) as uow:  # what a list request's reads run on
        assert uow.conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one() is True
    with replica_reads(), served() as uow:  # a write inside the same block still goes to the primary
        assert uow.conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one() is False
    assert client.get("/api/v1/cases", headers=headers).json()["total"] == 1

    with replica.connect() as r:  # hold the standby still: what it serves stops moving
        r.execute(text("SELECT pg_wal_replay_pause()"))
        r.commit()
    try:
        with rt.uow() as uow:
            uow.conn.execute(insert(cases_tables.cases), [_case_row(2, category, unit, now)])
            uow.commit()
        listed = client.get("/api/v1/cases", headers=headers).json()
        assert listed["total"] == 1, "the list was read from the paused replica"
        with rt.uow(readonly=True) as uow:
            assert uow.conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 2
        detail = client.get(f"/api/v1/cases/JZ{now:%Y%m%d}-00002", headers=headers)
        assert detail.status_code == 200, "a detail page reads the primary"
    finally:
        with replica.connect() as r:
            r.execute(text("SELECT pg_wal_replay_resume()"))
            r.commit()
    _caught_up(primary, replica)
    assert client.get("/api/v1/cases", headers=headers).json()["total"] == 2

    # the token is checked on the primary: a logout is refused at once, however far the replica lags
    with replica.connect() as r:
        r.execute(text("SELECT pg_wal_replay_pause()"))
        r.commit()
    try:
        auth.logout(rt, token)
        r401 = client.get("/api/v1/cases", headers=headers)
        assert r401.status_code == 401 and "登录" in r401.json()["message"]
    finally:
        with replica.connect() as r:
            r.execute(text("SELECT pg_wal_replay_resume()"))
            r.commit()

    # the replica refuses writes, even through a writing unit of work pointed at it
    with pytest.raises((InternalError, OperationalError)) as refused:
        with SqlUnitOfWork(replica) as uow:
            uow.conn.execute(insert(cases_tables.cases), [_case_row(3, category, unit, now)])
            uow.commit()
    assert "read-only" in str(refused.value)
    primary.dispose()
    replica.dispose()
    served.engine.dispose()
    served.replica.dispose()
