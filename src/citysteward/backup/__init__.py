"""Backup and restore (备份与恢复): the whole database and the photo folder in one `.tar.gz`.

The archive is logical, so a SQLite backup restores into PostgreSQL and back:

    manifest.json        format, format_version, created_at (UTC), revision (Alembic), dialect,
                         tables {name: {rows, sha256}} in dependency order, media_files, media_missing
    data/<table>.jsonl   one JSON object per row, ordered by primary key; datetimes ISO 8601 with
                         offset, dates ISO, JSON columns as JSON
    media/<path>         the files under `Settings.media_dir` (content-addressed photos)

Online and consistent: every table is read inside one read transaction (PostgreSQL REPEATABLE READ
READ ONLY, SQLite in WAL mode a deferred read transaction), which sees one snapshot while the service
keeps writing. Photos are written to the media folder before the row that references them commits,
so copying the folder after the snapshot finds every photo the snapshot refers to.

Login tokens are never exported: after a restore nobody's old token works.
"""

from __future__ import annotations

from citysteward.backup.archive import BackupError, BackupResult, RestoreResult, default_path, tables
from citysteward.backup.dump import backup
from citysteward.backup.load import read_manifest, restore

__all__ = ["BackupError", "BackupResult", "RestoreResult", "backup", "default_path", "read_manifest", "restore", "tables"]
