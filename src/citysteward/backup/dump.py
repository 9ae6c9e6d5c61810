"""Taking a backup: one snapshot of every table streamed to JSON lines, then the photos."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from citysteward.backup.archive import (
    FORMAT,
    FORMAT_VERSION,
    MEDIA_REFERENCES,
    READ_BATCH,
    BackupError,
    BackupResult,
    _add_bytes,
    _head,
    _plain,
    _revision,
    tables,
)
from citysteward.config import Settings
from citysteward.platform.db import make_engine

# ---------------------------------------------------------------------------------------------- backup

def backup(settings: Settings, out: Path, progress: Callable[[str, int], None] | None = None) -> BackupResult:
    """Write the archive to `out` (through a temporary name, so a failed run leaves no file there).
    `progress(table, rows)` is called after each table is read."""
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    partial = out.with_name(f".{out.name}.partial")
    try:
        with tempfile.TemporaryDirectory(prefix=".citysteward-backup-", dir=out.parent) as tmp:
            revision, stats, missing = _dump(engine, settings.media_dir, Path(tmp), progress)
            media = sorted(_media_files(settings.media_dir))  # after the snapshot: see the module docstring
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": datetime.now(UTC).isoformat(),
                "revision": revision, "dialect": engine.dialect.name,
                "tables": {name: {"rows": rows, "sha256": sha} for name, (rows, sha) in stats.items()},
                "media_files": len(media), "media_missing": missing,
            }
            # personal data and password hashes: readable by the owner only
            with (open(partial, "wb", opener=lambda p, flags: os.open(p, flags, 0o600)) as raw,
                  tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar):
                _add_bytes(tar, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
                for name in stats:
                    tar.add(Path(tmp) / f"{name}.jsonl", arcname=f"data/{name}.jsonl", recursive=False, filter=_plain)
                for rel in media:
                    tar.add(settings.media_dir / rel, arcname=f"media/{rel}", recursive=False, filter=_plain)
        with partial.open("rb") as written:
            os.fsync(written.fileno())  # on disk before it takes the final name
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
        engine.dispose()
    return BackupResult(out, revision, {n: r for n, (r, _) in stats.items()}, len(media), missing,
                        out.stat().st_size, time.perf_counter() - started)


def _dump(engine: Engine, media_dir: Path, folder: Path,
          progress: Callable[[str, int], None] | None) -> tuple[str, dict[str, tuple[int, str]], int]:
    stats: dict[str, tuple[int, str]] = {}
    missing = 0
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        else:
            conn.execution_options(readonly=True)  # a deferred BEGIN: readers never wait for writers
        with conn.begin():
            revision = _revision(conn)  # the first read fixes the snapshot every later read sees
            if revision is None:
                raise BackupError("数据库尚未初始化（没有迁移版本），请先运行 citysteward init")
            head = _head()
            if revision != head:
                raise BackupError(f"数据库版本 {revision} 与程序版本 {head} 不一致，请先运行 citysteward init 升级")
            for table in tables():
                keys = [c.name for c in table.columns]
                media_col = MEDIA_REFERENCES.get(table.name)
                digest, rows = hashlib.sha256(), 0
                stmt = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=READ_BATCH)
                with (folder / f"{table.name}.jsonl").open("wb") as f:
                    for row in conn.execute(stmt):
                        record = dict(zip(keys, row, strict=True))
                        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=_encode)
                        data = line.encode() + b"\n"
                        f.write(data)
                        digest.update(data)
                        rows += 1
                        if media_col and record[media_col] and not (media_dir / record[media_col]).is_file():
                            missing += 1
                stats[table.name] = (rows, digest.hexdigest())
                if progress:
                    progress(table.name, rows)
    return revision, stats, missing


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | dtime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot store {type(value).__name__} in a backup")


def _media_files(root: Path) -> Iterator[str]:
    if not root.is_dir():
        return
    for path in root.rglob("*"):
        # *.tmp: a photo being written right now; its final name appears when the write completes
        if path.is_file() and not path.is_symlink() and path.suffix != ".tmp":
            yield path.relative_to(root).as_posix()
