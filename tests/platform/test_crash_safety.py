"""Crash safety (issue 9, "Done when"): the real service (`citysteward serve`, one and two workers) is
killed with SIGKILL while several clients pour reports in; once restarted, every report it acknowledged
(201 with a case number) is there, once, with its report event, and case numbers stay unique. On a fresh
SQLite file and a fresh PostgreSQL database.

An acknowledgement is sent only after the group commit that wrote the report has committed, so a kill
may lose the reports in flight (never acknowledged) but no acknowledged one; the restart also checks
that the next case number follows the last acknowledged one rather than reusing it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest
from sqlalchemy import func, select

from citysteward.bootstrap import build_runtime, initialise
from citysteward.cases import tables as cases_tables
from citysteward.config import Settings
from citysteward.geography import services as area_service
from citysteward.kernel.actor import Actor
from citysteward.org.services import accounts, auth
from citysteward.platform.migrate import upgrade
from tests.builders.cases import GARBAGE
from tests.conftest import PASSWORD, grid_point, scratch_pg_database, synthetic_city

pytestmark = pytest.mark.slow

CLI = Path(sys.executable).parent / "citysteward"
CLIENTS = 8  # threads posting reports, each on its own keep-alive connection
KILL_AFTER = 300  # acknowledged reports before the kill …
KILL_AT_THE_LATEST = 20.0  # … or seconds of load, whichever comes first
MARK = "崩溃测试"


@dataclass
class Load:
    acknowledged: list[tuple[str, str]] = field(default_factory=list)  # (description, case number)
    refused: list[str] = field(default_factory=list)  # answers other than 201 before the kill
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Service:
    """`citysteward serve` in its own process group, so SIGKILL reaches the workers too."""

    def __init__(self, url: str, media: Path, workers: int, logs: Path) -> None:
        self.env = {**os.environ, "CITYSTEWARD_DATABASE_URL": url, "CITYSTEWARD_MEDIA_DIR": str(media),
                    "CITYSTEWARD_REDIS_URL": ""}
        self.workers, self.logs = workers, logs
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: IO[bytes] | None = None
        self.log_path = logs / "serve.log"
        self.base = ""

    def start(self) -> str:
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = self.logs / f"serve-{port}.log"
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(self.workers)],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the service exited:\n{self._tail()}"
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return self.base
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"the service did not answer within 60 s:\n{self._tail()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)
        self._wait_group_gone(self.proc.pid)
        self.proc = None
        if self.log:
            self.log.close()

    @staticmethod
    def _wait_group_gone(pgid: int) -> None:
        """The workers outlive the supervisor by a moment: wait until none is left."""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.killpg(pgid, signal.SIGKILL)

    def _tail(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(url: str, media: Path) -> str:
    """What a deployment does before serving (migrate, `citysteward init`, import the areas), plus an
    inspector's login; returns the bearer token."""
    upgrade(url)
    rt = build_runtime(Settings(database_url=url, media_dir=media))
    try:
        initialise(rt)
        system = Actor.system("测试")
        area_service.import_areas(rt, system, synthetic_city())
        accounts.create_user(rt, system, {"username": "crash_inspector", "password": PASSWORD, "role": "inspector",
                                          "display_name": "监督员压测"})
        return auth.login(rt, "crash_inspector", PASSWORD).token
    finally:
        rt.uow.engine.dispose()  # type: ignore[attr-defined]


def _post_reports(base: str, token: str, client_no: int, load: Load, stop: threading.Event) -> None:
    lon, lat = grid_point(1 + client_no % 2, 1 + client_no % 8)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        n = 0
        while not stop.is_set():
            description = f"{MARK} 客户端{client_no} 第{n}件"
            body = {"category_code": GARBAGE, "description": description, "lon": lon + n * 1e-6, "lat": lat,
                    "address": f"测试路 {client_no} 号"}
            with load.lock:
                load.sent += 1
            try:
                r = http.post("/api/v1/reports", json=body)
            except httpx.TransportError:
                return  # the service is gone: this report was never acknowledged
            with load.lock:
                if r.status_code == 201:
                    load.acknowledged.append((description, r.json()["case_no"]))
                elif not stop.is_set():
                    load.refused.append(f"{r.status_code} {r.text[:200]}")
            n += 1


def _stored(url: str, media: Path) -> tuple[dict[str, list[str]], list[str], int]:
    """Descriptions → case numbers, all case numbers, and cases without their report event."""
    rt = build_runtime(Settings(database_url=url, media_dir=media))
    c, e = cases_tables.cases, cases_tables.case_events
    try:
        with rt.uow(readonly=True) as uow:
            conn = uow.conn  # type: ignore[attr-defined]
            rows = conn.execute(select(c.c.case_no, c.c.description)).all()
            reported = select(e.c.case_id).where(e.c.action == "report").scalar_subquery()
            orphans = conn.execute(select(func.count()).select_from(c).where(c.c.id.notin_(reported))).scalar_one()
    finally:
        rt.uow.engine.dispose()  # type: ignore[attr-defined]
    by_description: dict[str, list[str]] = {}
    for case_no, description in rows:
        by_description.setdefault(description, []).append(case_no)
    return by_description, [r[0] for r in rows], int(orphans)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/crash.db"
        return
    with scratch_pg_database("cs_crash") as url:
        yield url


@pytest.mark.parametrize("workers", [1, 2])
def test_kill_9_under_concurrent_intake_loses_no_acknowledged_report(fresh_database: str, workers: int,
                                                                      tmp_path: Path) -> None:
    url, media = fresh_database, tmp_path / "media"
    token = _prepare(url, media)
    service = Service(url, media, workers, tmp_path)
    base = service.start()
    load, stop = Load(), threading.Event()
    clients = [threading.Thread(target=_post_reports, args=(base, token, i, load, stop), daemon=True)
               for i in range(CLIENTS)]
    try:
        started = time.monotonic()
        for t in clients:
            t.start()
        while len(load.acknowledged) < KILL_AFTER and time.monotonic() - started < KILL_AT_THE_LATEST:
            time.sleep(0.02)
        service.kill(signal.SIGKILL)  # mid-load: every client has a request in flight or about to be
        killed_after = len(load.acknowledged)
        stop.set()
        for t in clients:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in clients)
        assert load.refused == [], load.refused[:5]
        assert killed_after > 0, "nothing was acknowledged before the kill"

        base = service.start()  # the restart recovers (SQLite: the WAL; PostgreSQL: its own log)
        by_description, case_nos, orphans = _stored(url, media)
        acknowledged = load.acknowledged
        lost = [(d, no) for d, no in acknowledged if no not in by_description.get(d, [])]
        doubled = {d: nos for d, nos in by_description.items() if d.startswith(MARK) and len(nos) > 1}
        in_flight = sum(1 for d in by_description if d.startswith(MARK)) - len(acknowledged)
        print(f"\n[{url.split(':')[0]}, {workers} worker(s)] sent {load.sent}, acknowledged {len(acknowledged)}, "
              f"lost {len(lost)}, stored unacknowledged {in_flight}, doubled {len(doubled)}")
        assert lost == [], f"{len(lost)} acknowledged reports lost: {lost[:5]}"
        assert doubled == {}
        assert len(acknowledged) == len({no for _, no in acknowledged})
        assert [no for no, n in Counter(case_nos).items() if n > 1] == []
        assert orphans == 0, "a stored case without its report event"

        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            lon, lat = grid_point(2, 8)
            after = http.post("/api/v1/reports", json={"category_code": GARBAGE, "description": "重启后上报",
                                                       "lon": lon, "lat": lat})
            assert after.status_code == 201, after.text
            assert after.json()["case_no"] not in case_nos  # numbering goes on, never reuses a number
            some = acknowledged[-1][1]
            assert http.get(f"/api/v1/cases/{some}").json()["case_no"] == some
    finally:
        stop.set()
        service.kill(signal.SIGTERM)
