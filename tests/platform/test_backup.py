"""Backup and restore (备份与恢复): the same data and the same photos come back on either database, old
logins do not, a backup taken while reports keep coming is one snapshot, and a restore refuses what it
should (a target with data, a damaged or foreign archive) without changing anything."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from citysteward import backup as backups
from citysteward.cases.ports import glances
from citysteward.cases.services.photos import prepare_photo
from citysteward.cli import app
from citysteward.config import Settings
from citysteward.kernel.errors import Unauthorized
from citysteward.org.services import auth
from citysteward.platform.db import make_engine
from citysteward.platform.runtime import Runtime
from citysteward.schema import metadata
from citysteward.supervision.services import tickets as sv
from citysteward.unit_of_work import SqlUnitOfWorkFactory
from tests.builders.cases import GARBAGE, report
from tests.builders.http import png
from tests.conftest import PASSWORD, City, scratch_pg_database, synthetic_city

OTHER = {"sqlite": "postgresql", "postgresql": "sqlite"}


def seed(city: City) -> str:
    """Cases with photos (one photo shared by two cases), a supervision ticket, audit rows; a login."""
    rt = city.rt
    red, blue = prepare_photo(rt, png((200, 30, 30)), "before"), prepare_photo(rt, png((30, 30, 200)), "before")
    first = report(city, photos=(red, blue))
    report(city, GARBAGE, seq=5, description="垃圾箱满溢", photos=(red,))
    report(city, description="路灯不亮，夜间\U0001f319无照明；含引号\"和反斜杠\\")
    sv.issue_ticket(rt, city.actor("supervisor"), sv.TicketInput(
        level="yellow", title="人民路井盖督办", content="请立即整改", unit_ids=(city.units["facility"],),
        case_nos=(first,)))
    sv.set_rules(rt, city.actor("admin"), {})  # an audit row with JSON before/after
    token = auth.login(rt, "admin", PASSWORD).token
    assert auth.authenticate(rt, token).username == "admin"  # and this worker now remembers it
    return token


def tables(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every table but the logins and the change stamps (a restore writes new ones), sorted in
    Python (collations differ between the databases)."""
    engine = make_engine(url)
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in ("auth_tokens", "case_change_stamp", "area_change_stamp"):
                continue
            keys = [c.name for c in table.primary_key.columns]
            rows = [dict(r._mapping) for r in conn.execute(select(table))]
            out[table.name] = sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))
    engine.dispose()
    return out


def photo_bytes(settings: Settings, url: str) -> dict[str, bytes]:
    engine = make_engine(url)
    with engine.connect() as conn:
        paths = [r[0] for r in conn.execute(text("SELECT path FROM photos"))]
    engine.dispose()
    return {p: (settings.media_dir / p).read_bytes() for p in paths}


@contextmanager
def fresh_settings(kind: str, tmp_path: Path, name: str) -> Iterator[Settings]:
    """An empty database of the given kind and an empty media folder."""
    media = tmp_path / f"{name}-media"
    if kind == "sqlite":
        yield Settings(database_url=f"sqlite:///{tmp_path / f'{name}.db'}", media_dir=media)
        return
    with scratch_pg_database(f"cs_{name}") as url:
        yield Settings(database_url=url, media_dir=media)


def archive_rows(path: Path, table: str) -> list[dict[str, Any]]:
    with tarfile.open(path, "r:gz") as tar:
        f = tar.extractfile(f"data/{table}.jsonl")
        assert f is not None
        return [json.loads(line) for line in f]


@pytest.mark.parametrize("target", ["same", "other"])
def test_a_restore_brings_back_the_same_data_and_photos_and_no_old_login(
        rt: Runtime, city: City, clock, tmp_path: Path, target: str) -> None:
    token = seed(city)
    source = rt.settings
    archive = tmp_path / "city.tar.gz"
    made = backups.backup(source, archive)
    assert made.rows["cases"] == 3 and made.rows["photos"] == 3 and made.media_files == 2
    assert made.media_missing == 0 and "auth_tokens" not in made.rows
    dialect = "sqlite" if source.database_url.startswith("sqlite") else "postgresql"
    kind = dialect if target == "same" else OTHER[dialect]
    with fresh_settings(kind, tmp_path, "restored") as dest:
        done = backups.restore(dest, archive)
        assert done.rows == made.rows and done.media_written == 2 and done.media_skipped == 0

        assert tables(dest.database_url) == tables(source.database_url)
        before = photo_bytes(source, source.database_url)
        assert photo_bytes(dest, dest.database_url) == before and len(set(before.values())) == 2

        engine = make_engine(dest.database_url)
        restored = Runtime(uow=SqlUnitOfWorkFactory(engine), settings=dest, clock=clock)
        with pytest.raises(Unauthorized):
            auth.authenticate(restored, token)
        assert auth.authenticate(restored, auth.login(restored, "admin", PASSWORD).token).username == "admin"
        # the identity sequences and the case-number counter go on after the restored rows
        again = City(restored, units=city.units, users=city.users)
        assert report(again).endswith("-00004")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT max(id) FROM cases")).scalar() == max(
                r["id"] for r in tables(source.database_url)["cases"]) + 1
        engine.dispose()

        # a second restore over the same media folder rewrites nothing that is already there
        again_done = backups.restore(dest, archive, force=True)
        assert again_done.media_written == 0 and again_done.media_skipped == 2
        assert tables(dest.database_url) == tables(source.database_url)


def test_a_backup_taken_while_reports_keep_coming_is_one_snapshot(rt: Runtime, city: City, tmp_path: Path) -> None:
    seed(city)
    stop = threading.Event()
    reported: list[str] = []
    errors: list[BaseException] = []

    def keep_reporting() -> None:
        try:
            while not stop.is_set():
                reported.append(report(city, description=f"持续上报 {len(reported)}"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    late: list[str] = []

    def after(table: str, _rows: int) -> None:
        if table == backups.tables()[0].name:  # the snapshot is taken: this case must not be in it
            late.append(report(city, description="快照之后上报的案件"))

    writer = threading.Thread(target=keep_reporting)
    writer.start()
    try:
        while len(reported) < 3 and not errors:
            stop.wait(0.01)
        archive = tmp_path / "busy.tar.gz"
        backups.backup(rt.settings, archive, progress=after)
    finally:
        stop.set()
        writer.join()
    assert not errors, errors

    cases = archive_rows(archive, "cases")
    numbers = {c["case_no"] for c in cases}
    assert late and late[0] not in numbers
    assert len(cases) >= 3 + 3
    with_events = {e["case_id"] for e in archive_rows(archive, "case_events")}
    assert {c["id"] for c in cases} <= with_events
    counter = {r["day"]: r["last"] for r in archive_rows(archive, "case_numbers")}
    for no in numbers:
        day, seq = re.search(r"(\d{8})-(\d+)$", no).groups()  # type: ignore[union-attr]
        assert counter[day] >= int(seq), no
    photos = archive_rows(archive, "photos")
    assert {p["case_id"] for p in photos} <= {c["id"] for c in cases}


def test_a_failed_backup_leaves_no_file_and_a_good_one_is_private(rt: Runtime, city: City, tmp_path: Path) -> None:
    seed(city)
    folder = tmp_path / "backups"

    def crash(table: str, _rows: int) -> None:
        if table == "cases":
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        backups.backup(rt.settings, folder / "city.tar.gz", progress=crash)
    assert list(folder.iterdir()) == []
    made = backups.backup(rt.settings, folder / "city.tar.gz")
    assert list(folder.iterdir()) == [made.path] and made.path.stat().st_mode & 0o777 == 0o600
    manifest = backups.read_manifest(made.path)
    assert manifest["dialect"] in ("sqlite", "postgresql") and manifest["media_files"] == 2
    assert datetime.fromisoformat(manifest["created_at"]).utcoffset() == timedelta(0)
    cases = archive_rows(made.path, "cases")
    assert all(datetime.fromisoformat(c["reported_at"]).utcoffset() == timedelta(0) for c in cases)
    assert isinstance(cases[0]["assisting_unit_ids"], list | None)


def test_a_restore_refuses_a_target_with_data_unless_forced(rt: Runtime, city: City, tmp_path: Path) -> None:
    seed(city)
    archive = tmp_path / "city.tar.gz"
    backups.backup(rt.settings, archive)
    saved = tables(rt.settings.database_url)
    extra = report(city, description="备份之后的案件")
    with pytest.raises(backups.BackupError, match="--force"):
        backups.restore(rt.settings, archive)
    assert extra in {c["case_no"] for c in tables(rt.settings.database_url)["cases"]}
    stamp = glances(rt).cases.change_stamp()
    backups.restore(rt.settings, archive, force=True)
    assert tables(rt.settings.database_url) == saved
    # The ledger pages a worker kept before the restore are not served after it: the stamp reads otherwise.
    restored = glances(rt).cases.change_stamp()
    assert stamp is not None and restored is not None and restored != stamp


def test_a_damaged_or_foreign_archive_is_refused_and_changes_nothing(rt: Runtime, city: City, tmp_path: Path) -> None:
    seed(city)
    archive = tmp_path / "city.tar.gz"
    backups.backup(rt.settings, archive)
    report(city, description="备份之后的案件")
    saved = tables(rt.settings.database_url)
    media_before = sorted(p for p in rt.settings.media_dir.rglob("*"))

    tampered = tmp_path / "tampered.tar.gz"
    rewrite(archive, tampered, {"data/cases.jsonl": lambda b: b.replace("人民路".encode(), "解放路".encode())})
    photo = tmp_path / "photo.tar.gz"
    rewrite(archive, photo, {"media/": lambda b: b + b"\0"})
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        info = tarfile.TarInfo("readme.txt")
        tar.addfile(info, io.BytesIO(b""))
    not_gzip = tmp_path / "notes.tar.gz"
    not_gzip.write_text("不是备份", encoding="utf-8")

    for bad, message in [(tampered, "校验失败"), (photo, "照片文件已损坏"), (truncated, "已损坏"),
                         (foreign, "不是 CitySteward 备份文件"), (not_gzip, "不是有效的 CitySteward 备份文件"),
                         (tmp_path / "missing.tar.gz", "不存在")]:
        with pytest.raises(backups.BackupError, match=message):
            backups.restore(rt.settings, bad, force=True)
    assert tables(rt.settings.database_url) == saved
    assert sorted(p for p in rt.settings.media_dir.rglob("*")) == media_before


def test_a_restore_refuses_another_schema_revision(rt: Runtime, city: City, tmp_path: Path) -> None:
    archive = tmp_path / "city.tar.gz"
    backups.backup(rt.settings, archive)
    newer = tmp_path / "newer.tar.gz"
    rewrite(archive, newer, {"manifest.json": lambda b: json.dumps({**json.loads(b), "revision": "9999"}).encode()})
    with pytest.raises(backups.BackupError, match="备份的数据库版本 9999 与本程序"):
        backups.restore(rt.settings, newer, force=True)
    engine = make_engine(rt.settings.database_url)
    with engine.begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        conn.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    try:
        with pytest.raises(backups.BackupError, match="目标数据库版本 0003"):
            backups.restore(rt.settings, archive, force=True)
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        engine.dispose()


def rewrite(src: Path, dest: Path, edits: dict[str, Any]) -> None:
    """Copy an archive, changing the content of entries whose name starts with a key (manifest kept)."""
    with tarfile.open(src, "r:gz") as tin, tarfile.open(dest, "w:gz") as tout:
        for member in tin:
            f = tin.extractfile(member)
            data = f.read() if f else b""
            for prefix, edit in edits.items():
                if member.name.startswith(prefix):
                    data = edit(data)
            member.size = len(data)
            tout.addfile(member, io.BytesIO(data))


# ------------------------------------------------------------------------------------------------ CLI

runner = CliRunner()


def test_the_commands_back_up_and_restore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CITYSTEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    monkeypatch.setenv("CITYSTEWARD_MEDIA_DIR", str(tmp_path / "media"))
    geo = tmp_path / "city.geojson"
    geo.write_text(json.dumps(synthetic_city()), encoding="utf-8")
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert runner.invoke(app, ["import-areas", str(geo)]).exit_code == 0
    photo = png()
    sha = hashlib.sha256(photo).hexdigest()
    (tmp_path / "media" / sha[:2]).mkdir(parents=True)
    (tmp_path / "media" / sha[:2] / f"{sha}.png").write_bytes(photo)

    r = runner.invoke(app, ["backup"])
    assert r.exit_code == 0 and "备份完成" in r.output, r.output
    made = list((tmp_path / "var" / "backups").glob("citysteward-*.tar.gz"))
    assert len(made) == 1 and re.fullmatch(r"citysteward-\d{8}-\d{6}\.tar\.gz", made[0].name)

    monkeypatch.setenv("CITYSTEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'b.db'}")
    monkeypatch.setenv("CITYSTEWARD_MEDIA_DIR", str(tmp_path / "media-b"))
    r = runner.invoke(app, ["restore", str(made[0])])
    assert r.exit_code == 0 and "恢复完成" in r.output and "登录已失效" in r.output, r.output
    assert tables(f"sqlite:///{tmp_path / 'b.db'}") == tables(f"sqlite:///{tmp_path / 'a.db'}")
    assert (tmp_path / "media-b" / sha[:2] / f"{sha}.png").read_bytes() == photo

    again = runner.invoke(app, ["restore", str(made[0])])
    assert again.exit_code == 1 and "--force" in again.output and len(again.output.strip().splitlines()) == 1
    assert runner.invoke(app, ["restore", str(made[0]), "--force"]).exit_code == 0
    out = tmp_path / "named.tar.gz"
    assert runner.invoke(app, ["backup", "--out", str(out)]).exit_code == 0 and out.is_file()


def test_restoring_a_missing_file_exits_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYSTEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    r = runner.invoke(app, ["restore", str(tmp_path / "nope.tar.gz")])
    assert r.exit_code == 1 and "文件不存在" in r.output and len(r.output.strip().splitlines()) == 1
    assert not (tmp_path / "a.db").exists()
