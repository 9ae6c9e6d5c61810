"""The access log's retention (CITYSTEWARD_ACCESS_LOG_DAYS): the worker deletes the entries older than the
set number of days, oldest first in batches, and nothing newer; 0 keeps every entry; under 180 days is
refused (网络安全法: network logs kept no less than six months)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from citysteward.cli import app
from citysteward.config import SettingError, Settings
from citysteward.org.ports import unit_of_work
from citysteward.org.services import access
from citysteward.platform.runtime import Runtime
from tests.conftest import BACKENDS_WITH_FAKE

ANY_STORE = pytest.mark.parametrize("db_url", BACKENDS_WITH_FAKE, indirect=True)


def _log(rt: Runtime, ages_in_days: list[float]) -> None:
    """Entries in the order given, each stamped that many days before now (a login each)."""
    now = rt.now()
    rows = [{**access.entry(rt, "login", username=f"u{i}", client_ip="10.0.0.1"), "at": now - timedelta(days=age)}
            for i, age in enumerate(ages_in_days)]
    with unit_of_work(rt) as uow:
        uow.access.record(rows)
        uow.commit()


def _kept(rt: Runtime) -> list[str]:
    """The user names left, oldest first: a recount independent of the purge's own walk."""
    names: list[str] = []
    before = None
    while page := access.entries(rt, before_id=before, limit=access.MAX_PAGE):  # newest first, page by page
        names += [r["username"] for r in page]
        before = page[-1]["id"]
    return names[::-1]


def _with_days(rt: Runtime, days: int) -> Runtime:
    return Runtime(uow=rt.uow, settings=replace(rt.settings, access_log_days=days), clock=rt.clock)


@ANY_STORE
def test_entries_past_the_retention_go_and_the_rest_stay(rt: Runtime) -> None:
    old = access.PURGE_BATCH * 2 + 17  # more than two batches, so the walk goes on past full ones
    # nearly in time order, as group commits write them: one old entry lands just after a newer one
    _log(rt, [400.0] * old + [179.0, 181.0, 10.0, 0.0])
    assert access.purge(rt) == 0  # retention not set: everything is kept
    assert len(_kept(rt)) == old + 4
    kept = _with_days(rt, 180)
    assert access.purge(kept) == old + 1
    assert _kept(rt) == [f"u{old}", f"u{old + 2}", f"u{old + 3}"]
    assert access.purge(kept) == 0  # a round with nothing to delete


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)  # the worker runs on a database
def test_the_worker_deletes_them_and_says_how_many(rt: Runtime, db_url: str, tmp_path, monkeypatch) -> None:
    _log(rt, [200.0, 200.0, 1.0])
    monkeypatch.setenv("CITYSTEWARD_DATABASE_URL", db_url)
    monkeypatch.setenv("CITYSTEWARD_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("CITYSTEWARD_ACCESS_LOG_DAYS", "180")
    r = CliRunner().invoke(app, ["worker", "--once"])
    assert r.exit_code == 0, r.output
    assert "已清理超过保留期的访问日志 2 条" in r.output
    assert _kept(rt) == ["u2"]


@pytest.mark.parametrize(("raw", "days"), [("0", 0), ("180", 180), ("365", 365)])
def test_retention_settings_taken(raw: str, days: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYSTEWARD_ACCESS_LOG_DAYS", raw)
    assert Settings.from_env().access_log_days == days


@pytest.mark.parametrize("raw", ["1", "179", "-5", "half a year"])
def test_retention_under_six_months_is_refused(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYSTEWARD_ACCESS_LOG_DAYS", raw)
    with pytest.raises(SettingError) as caught:
        Settings.from_env()
    assert "CITYSTEWARD_ACCESS_LOG_DAYS" in caught.value.message


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_the_admin_page_says_how_long_entries_are_kept(rt: Runtime, city, db_url: str) -> None:
    from fastapi.testclient import TestClient

    from citysteward.bootstrap import create_app
    from tests.conftest import PASSWORD

    for days, said in ((0, "记录永久保留"), (365, "保留 365 天")):
        client = TestClient(create_app(runtime=_with_days(rt, days)), follow_redirects=False,
                            headers={"Origin": "http://testserver"})
        login = client.post("/console/login", data={"username": "admin", "password": PASSWORD, "next": "/console"})
        assert login.status_code == 303, login.text
        page = client.get("/console/admin/access")
        assert page.status_code == 200 and said in page.text
