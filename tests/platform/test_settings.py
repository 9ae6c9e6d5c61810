"""Settings from the environment: a number that cannot be used stops a command with one line naming the
setting (never a traceback, never a silent default), and `citysteward serve` hands its keep-alive to
uvicorn (longer than a reverse proxy's idle timeout)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from citysteward.cli import app
from citysteward.config import SettingError, Settings

runner = CliRunner()


@pytest.mark.parametrize(("name", "raw"), [("KEEP_ALIVE_SECONDS", "abc"), ("KEEP_ALIVE_SECONDS", "0"),
                                           ("SMTP_PORT", "-1"), ("TOKEN_TTL_HOURS", "nan"),
                                           ("REPORTS_PER_DAY", "1.5"), ("MAX_BODY_BYTES", "")])
def test_an_unusable_number_names_its_setting(name: str, raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"CITYSTEWARD_{name}", raw)
    with pytest.raises(SettingError) as caught:
        Settings.from_env()
    assert f"CITYSTEWARD_{name}" in caught.value.message and f"“{raw}”" in caught.value.message


def test_numbers_within_their_range_are_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, raw in {"KEEP_ALIVE_SECONDS": " 90 ", "TOKEN_TTL_HOURS": "0.5", "REPORTS_PER_DAY": "0"}.items():
        monkeypatch.setenv(f"CITYSTEWARD_{name}", raw)
    settings = Settings.from_env()
    assert (settings.keep_alive_seconds, settings.token_ttl_hours, settings.reports_per_day) == (90, 0.5, 0)
    assert Settings().keep_alive_seconds > 60  # nginx's upstream keepalive_timeout: the proxy lets go first


@pytest.mark.parametrize("command", [["sweep"], ["backup"], ["report", "daily"], ["serve"]])
def test_a_command_with_a_bad_setting_fails_in_one_line(command: list[str], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYSTEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cs.db'}")
    monkeypatch.setenv("CITYSTEWARD_SMTP_PORT", "twenty-five")
    r = runner.invoke(app, command)
    assert r.exit_code == 1 and r.output.strip().count("\n") == 0, r.output
    assert "CITYSTEWARD_SMTP_PORT" in r.output and not (tmp_path / "cs.db").exists()


def test_serve_gives_uvicorn_the_keep_alive_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    monkeypatch.setenv("CITYSTEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cs.db'}")
    monkeypatch.setenv("CITYSTEWARD_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("CITYSTEWARD_KEEP_ALIVE_SECONDS", "95")
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: seen.update(options, target=target))
    r = runner.invoke(app, ["serve", "--workers", "2", "--port", "8123"])
    assert r.exit_code == 0, r.output
    assert seen["target"] == "citysteward.asgi:app" and seen["timeout_keep_alive"] == 95
    assert (seen["workers"], seen["port"], seen["proxy_headers"]) == (2, 8123, False)
