"""The service as it runs in production: `citysteward serve --workers N` in its own process group on a
free loopback port, against a test database; and which worker process answered a connection (read from
/proc), so a test can send requests to each worker on purpose."""

from __future__ import annotations

import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLI = Path(sys.executable).parent / "citysteward"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path
    _by_pid: dict[int, list[http.client.HTTPConnection]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """The worker processes (uvicorn's children; with one worker, the server process itself)."""
        kids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                kids.append(int(stat.parent.name))
        return [k for k in kids if _listens(k, self.port)] or [self.proc.pid]

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def serving_pid(self, conn: http.client.HTTPConnection) -> int | None:
        """Which worker holds the other end of this (open) connection."""
        assert conn.sock is not None
        inode = _inode_of(self.port, conn.sock.getsockname()[1])
        for pid in self.workers():
            try:
                links = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
            except OSError:
                continue
            if f"socket:[{inode}]" in links:
                return pid
        return None

    def to_worker(self, pid: int, tries: int = 200) -> http.client.HTTPConnection:
        """An open connection held by worker `pid`: one kept from before, unless the server has closed it
        meanwhile (after CITYSTEWARD_KEEP_ALIVE_SECONDS idle, or when it restarts a worker); else new
        connections until one lands on that worker."""
        kept = []
        for conn in self._by_pid.get(pid, []):
            if _still_open(conn):
                kept.append(conn)
            else:
                conn.close()
        self._by_pid[pid] = kept
        if kept:
            return kept[0]
        for _ in range(tries):
            time.sleep(0.02)
            conn = self.connection()
            status, _ = request(conn, "GET", "/healthz")
            assert status == 200
            held_by = self.serving_pid(conn)
            if held_by is not None:
                self._by_pid.setdefault(held_by, []).append(conn)
            if held_by == pid:
                return conn
        raise AssertionError(f"no connection reached worker {pid} (reached {sorted(self._by_pid)})")

    def close(self) -> None:
        for conns in self._by_pid.values():
            for conn in conns:
                conn.close()


def _listens(pid: int, port: int) -> bool:
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:") for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def _inode_of(server_port: int, client_port: int) -> str:
    """The server side of a loopback TCP connection, from /proc/net/tcp (ports in hex)."""
    want_local, want_remote = f"{server_port:04X}", f"{client_port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if cols[1].rsplit(":", 1)[1] == want_local and cols[2].rsplit(":", 1)[1] == want_remote:
                return cols[9]
    raise AssertionError(f"no server socket for the connection from port {client_port}")


def _still_open(conn: http.client.HTTPConnection) -> bool:
    """Whether the server still holds this idle keep-alive connection: a closed one reads as ready (EOF)."""
    return conn.sock is not None and not select.select([conn.sock], [], [], 0)[0]


def request(conn: http.client.HTTPConnection, method: str, path: str, body: Any = None,
            headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    raw = response.read()
    try:
        payload: Any = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode(errors="replace")
    return response.status, (payload, dict(response.getheaders()))


@contextmanager
def served(database_url: str, tmp_path: Path, workers: int = 1, **settings: str) -> Iterator[Server]:
    """`citysteward serve` on `database_url`; CITYSTEWARD_* settings by keyword (reports_per_day="5")."""
    port = free_port()
    env = {**os.environ, "CITYSTEWARD_DATABASE_URL": database_url, "CITYSTEWARD_MEDIA_DIR": str(tmp_path / "media"),
           **{f"CITYSTEWARD_{k.upper()}": str(v) for k, v in settings.items()}}
    log = tmp_path / f"serve-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--workers", str(workers)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = Server(port, proc, log)
    try:
        _wait_ready(server, workers)
        yield server
    finally:
        server.close()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _wait_ready(server: Server, workers: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise AssertionError(f"citysteward serve exited: {server.log.read_text(errors='replace')[-3000:]}")
        ready = [pid for pid in server.workers() if pid != server.proc.pid] if workers > 1 else [server.proc.pid]
        if len(ready) >= (workers if workers > 1 else 1):
            try:
                conn = server.connection()
                status, _ = request(conn, "GET", "/healthz")
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"citysteward serve did not start: {server.log.read_text(errors='replace')[-3000:]}")
