"""The CLI: each command reads CITYSTEWARD_DATABASE_URL; bad input exits non-zero with one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citysteward.cli import app
from tests.conftest import synthetic_city

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("CITYSTEWARD_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("CITYSTEWARD_MEDIA_DIR", str(tmp_path / "media"))
    return path


def test_init_import_and_sweep(db: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["init"])
    assert r.exit_code == 0, r.output
    assert "新增类别 413" in r.output
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 0 and "新增类别 0" in again.output
    geo = tmp_path / "city.geojson"
    geo.write_text(json.dumps(synthetic_city()), encoding="utf-8")
    r = runner.invoke(app, ["import-areas", str(geo)])
    assert r.exit_code == 0 and "网格 16" in r.output
    assert runner.invoke(app, ["sweep"]).exit_code == 0


def test_bad_inputs_exit_non_zero_with_one_line(db: Path, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["import-areas", str(tmp_path / "nope.geojson")])
    assert missing.exit_code == 1 and "文件不存在" in missing.output
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"properties": {"code": "12"}}]}', encoding="utf-8")
    r = runner.invoke(app, ["import-areas", str(bad)])
    assert r.exit_code == 1 and "错误" in r.output and len(r.output.strip().splitlines()) == 1
    r = runner.invoke(app, ["import-calendar", "2027"])
    assert r.exit_code == 1 and "2027" in r.output and "CSV" in r.output
    csv = tmp_path / "2027.csv"
    csv.write_text("2027-01-01,holiday,元旦\n2027-13-01,holiday,坏日期\n", encoding="utf-8")
    r = runner.invoke(app, ["import-calendar", "2027", "--csv", str(csv)])
    assert r.exit_code == 1 and "第 2 行" in r.output
