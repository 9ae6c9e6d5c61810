"""Backup and restore: the database and the photos in one archive (see docs/backup.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from citysteward.cli.app import app, console, fail, settings_from_env
from citysteward.kernel.errors import DomainError


@app.command()
def backup(
    out: Annotated[Path | None, typer.Option("--out", help="archive to write; default "
                                             "var/backups/citysteward-YYYYMMDD-HHMMSS.tar.gz")] = None,
) -> None:
    """Back up the database and the photos into one .tar.gz while the service keeps running."""
    from citysteward import backup as backups

    settings = settings_from_env()
    path = out or backups.default_path(datetime.now(UTC), settings.tz)
    try:
        result = backups.backup(settings, path)
    except DomainError as exc:
        fail(exc.message)
    console.print(f"备份完成：{result.path}（{sum(result.rows.values())} 行数据，照片文件 {result.media_files} 个，"
                  f"{result.size / 1024 / 1024:.1f} MB，用时 {result.seconds:.1f} 秒）", soft_wrap=True)
    if result.media_missing:
        console.print(f"[yellow]注意：数据库引用的照片有 {result.media_missing} 个在照片目录中不存在[/yellow]")


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="archive written by `citysteward backup`")],
    force: Annotated[bool, typer.Option("--force", help="replace a database that already holds data")] = False,
) -> None:
    """Restore a backup into this database and photo folder; every login token is revoked."""
    from citysteward import backup as backups

    if not path.is_file():
        fail(f"文件不存在：{path}")
    try:
        result = backups.restore(settings_from_env(), path, force=force)
    except DomainError as exc:
        fail(exc.message)
    console.print(f"恢复完成：{sum(result.rows.values())} 行数据（数据库版本 {result.revision}），"
                  f"照片写入 {result.media_written} 个、已存在 {result.media_skipped} 个，"
                  f"用时 {result.seconds:.1f} 秒；所有登录已失效，请重新登录", soft_wrap=True)
