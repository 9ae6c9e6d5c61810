"""`citysteward sensors sweep` and `subscribe` from the command line (real time, the test database)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from citysteward.cli import app
from tests.sensors.conftest import register

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
runner = CliRunner()


def test_sweep_marks_a_long_silent_device_offline_once(rt, city, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CITYSTEWARD_DATABASE_URL", db_url)
    monkeypatch.setenv("CITYSTEWARD_MEDIA_DIR", str(tmp_path / "media"))
    register(city, "LD-0009", heartbeat_s=600)  # registered at the fake clock's time, days before today
    first = runner.invoke(app, ["sensors", "sweep"])
    assert first.exit_code == 0, first.output
    assert "新离线 1 台" in first.output
    again = runner.invoke(app, ["sensors", "sweep"])
    assert again.exit_code == 0 and "新离线 0 台" in again.output
    with rt.uow(readonly=True) as uow:
        assert uow.sensors.device("LD-0009").state.value == "offline"


def test_a_bad_topic_prefix_is_one_line_and_exit_one(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CITYSTEWARD_DATABASE_URL", db_url)
    r = runner.invoke(app, ["sensors", "subscribe", "--prefix", "cs/#"])
    assert r.exit_code == 1 and r.output.strip().count("\n") == 0 and "主题前缀无效" in r.output
