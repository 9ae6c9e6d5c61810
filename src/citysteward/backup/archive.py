"""The archive: its format, manifest, entries and checks shared by backup and restore."""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO
from zoneinfo import ZoneInfo

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Table, inspect, text

from citysteward.kernel.errors import DomainError
from citysteward.platform.migrate import alembic_config
from citysteward.schema import metadata

FORMAT = "citysteward-backup"
FORMAT_VERSION = 1
# Logins are revoked by a restore, so they are never exported; throttling counters are short-lived.
EXCLUDED = frozenset({"auth_tokens", "throttle_counters"})
MEDIA_REFERENCES = {"photos": "path"}  # table → column holding a path under the media folder
READ_BATCH = 2000
_CONTENT_ADDRESSED = re.compile(r"^[0-9a-f]{64}$")
_CORRUPT = (tarfile.TarError, EOFError, zlib.error)  # what a damaged .tar.gz raises part-way through


class BackupError(DomainError):
    code = "backup_error"


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    revision: str
    rows: dict[str, int]
    media_files: int
    media_missing: int
    size: int
    seconds: float


@dataclass(frozen=True, slots=True)
class RestoreResult:
    revision: str
    rows: dict[str, int]
    media_written: int
    media_skipped: int
    seconds: float


def default_path(now: datetime, tz: ZoneInfo, folder: Path = Path("var/backups")) -> Path:
    return folder / f"citysteward-{now.astimezone(tz):%Y%m%d-%H%M%S}.tar.gz"


def tables() -> list[Table]:
    """The tables a backup holds, parents before children."""
    return [t for t in metadata.sorted_tables if t.name not in EXCLUDED]


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o644
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
    tar.addfile(info, io.BytesIO(data))


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return ",".join(sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))))


def _head() -> str:
    return ",".join(sorted(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()))


def _members(archive: Path) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    """The archive's entries after the manifest, in order. Read them inside `_intact(archive)`."""
    with tarfile.open(archive, "r:gz") as tar:
        tar.next()  # manifest.json, read already
        while (member := tar.next()) is not None:
            tar.members.clear()  # type: ignore[attr-defined]  # tarfile keeps every entry read: a million photos pile up
            if not member.isfile():
                raise BackupError(f"备份文件含有不允许的条目：{member.name}")
            f = tar.extractfile(member)
            assert f is not None
            yield member, f


@contextmanager
def _intact(archive: Path) -> Iterator[None]:
    """A damaged archive is a BackupError, wherever the damage shows while reading it."""
    try:
        yield
    except _CORRUPT as exc:
        raise BackupError(f"备份文件已损坏（{exc.__class__.__name__}）：{archive}") from exc


def _media_name(name: str) -> str | None:
    """`media/ab/<sha>.png` → `ab/<sha>.png`; None for anything else. Absolute paths and `..` are refused."""
    path = PurePosixPath(name)
    if path.parts[:1] != ("media",) or len(path.parts) < 2:
        return None
    rel = PurePosixPath(*path.parts[1:])
    if rel.is_absolute() or any(p in ("..", "", ".") for p in rel.parts) or "\\" in name:
        raise BackupError(f"备份文件含有不安全的路径：{name}")
    return rel.as_posix()


def _sha256(f: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: f.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()
