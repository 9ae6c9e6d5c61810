"""Logins and sessions: a revoked login is refused by every worker at once; password guesses are
limited per user name and per client address; the answer's cost does not tell which user names exist;
logins, failed logins and logouts are in the access log, which only the administrator reads."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citysteward.bootstrap import create_app
from citysteward.org.services import auth
from citysteward.platform.db import make_engine
from citysteward.platform.runtime import Runtime
from citysteward.unit_of_work import SqlUnitOfWorkFactory
from tests.builders.http import assert_error
from tests.builders.live import request, served
from tests.conftest import PASSWORD, City

ME = "/api/v1/auth/me"
LOGIN = "/api/v1/auth/login"
WRONG = "not-the-password-42"


def login(client: TestClient, username: str, password: str = PASSWORD, **headers: str) -> Any:
    return client.post(LOGIN, json={"username": username, "password": password}, headers=headers)


def bearer(response: Any) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def worker(rt: Runtime, city: City) -> Iterator[Callable[..., TestClient]]:
    """Another app worker on the same database: its own engine, runtime and app (as another process)."""
    engines = []

    def make(**settings: Any) -> TestClient:
        engine = make_engine(rt.settings.database_url)
        engines.append(engine)
        other = Runtime(uow=SqlUnitOfWorkFactory(engine), settings=replace(rt.settings, **settings), clock=rt.clock)
        return TestClient(create_app(runtime=other))

    yield make
    for engine in engines:
        engine.dispose()


# ------------------------------------------------------------------ revocation reaches every worker
def test_logout_disabling_and_role_changes_reach_the_other_worker_at_once(rt: Runtime, city: City,
                                                                          tmp_path: Path) -> None:
    """Worker A is this process; worker B is `citysteward serve` in another process on the same database.
    B has just accepted a token when A revokes it: B refuses it on its very next request."""
    here = TestClient(create_app(runtime=Runtime(uow=rt.uow, settings=rt.settings)))  # B's clock: the real one
    admin = bearer(login(here, "admin"))
    with served(rt.settings.database_url, tmp_path) as server:
        there = server.connection()

        def signed_in(username: str) -> dict[str, str]:
            status, (body, _) = request(there, "POST", LOGIN, {"username": username, "password": PASSWORD})
            assert status == 200, body
            return {"Authorization": f"Bearer {body['token']}"}

        def me(headers: dict[str, str]) -> tuple[int, Any]:
            status, (body, _) = request(there, "GET", ME, headers=headers)
            return status, body

        headers = signed_in("dispatcher")
        assert me(headers)[0] == 200
        assert here.post("/api/v1/auth/logout", headers=headers).status_code == 200
        assert me(headers)[0] == 401

        headers = signed_in("dispatcher")
        assert me(headers)[0] == 200
        r = here.patch(f"/api/v1/users/{city.users['dispatcher']['id']}", json={"active": False}, headers=admin)
        assert r.status_code == 200, r.text
        assert me(headers)[0] == 401

        headers = signed_in("supervisor")
        assert me(headers)[1]["role"] == "supervisor"
        r = here.patch(f"/api/v1/users/{city.users['supervisor']['id']}", json={"role": "inspector"}, headers=admin)
        assert r.status_code == 200, r.text
        assert me(headers)[0] == 401  # the old session keeps no old rights
        assert me(signed_in("supervisor"))[1]["role"] == "inspector"


# ------------------------------------------------------------------ password guesses
def test_a_user_name_is_locked_after_its_wrong_passwords_until_the_window_ends(client: TestClient, clock) -> None:
    for _ in range(5):
        assert_error(login(client, "admin", WRONG), 401, "unauthorized")
    locked = login(client, "admin")  # even the right password, while locked
    body = assert_error(locked, 429, "too_many_requests")
    assert body["message"].startswith("该账号密码错误次数过多，已暂时锁定") and "分钟后再试" in body["message"]
    assert 0 < int(locked.headers["Retry-After"]) <= 900 and body["detail"]["limit"] == "login-user"
    assert login(client, "leader").status_code == 200  # another user from the same address is not locked
    clock.advance(seconds=int(locked.headers["Retry-After"]))
    assert login(client, "admin").status_code == 200


def test_an_unknown_user_name_is_locked_like_a_known_one(client: TestClient) -> None:
    for name in ("admin", "nobody-here"):
        for _ in range(5):
            assert_error(login(client, name, WRONG), 401)
        assert_error(login(client, name, WRONG), 429, "too_many_requests")


def test_an_address_is_locked_after_its_wrong_passwords_across_user_names(worker) -> None:
    app = worker(login_failures_per_ip=3, trust_proxy=True)
    for name in ("admin", "leader", "hotline"):
        assert_error(login(app, name, WRONG, **{"X-Forwarded-For": "203.0.113.9"}), 401)
    body = assert_error(login(app, "dispatcher", **{"X-Forwarded-For": "203.0.113.9"}), 429)
    assert body["detail"]["limit"] == "login-ip"
    # the proxy's last hop is the client: what the client put before it does not count
    assert login(app, "dispatcher", **{"X-Forwarded-For": "203.0.113.9, 198.51.100.7"}).status_code == 200


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(worker) -> None:
    app = worker(login_failures_per_ip=2)
    for forged in ("198.51.100.1", "198.51.100.2"):
        assert_error(login(app, "admin", WRONG, **{"X-Forwarded-For": forged}), 401)
    assert_error(login(app, "leader", **{"X-Forwarded-For": "198.51.100.3"}), 429)


def test_the_login_page_says_when_to_come_back(client_for) -> None:
    page = client_for()
    for _ in range(5):
        page.post("/console/login", data={"username": "admin", "password": WRONG, "next": "/console"})
    r = page.post("/console/login", data={"username": "admin", "password": PASSWORD, "next": "/console"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "已暂时锁定" in r.text and "cs_token" not in r.headers.get("set-cookie", "")


def test_every_refused_login_costs_one_password_check(rt: Runtime, city: City,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Unknown names, wrong passwords and disabled accounts all verify one argon2 hash: the answer takes
    as long whichever it is (155 ms against 6 ms told which names exist)."""
    checks: list[str] = []

    class Counted:
        def __init__(self, real: Any) -> None:
            self.real = real

        def verify(self, stored: str, password: str) -> bool:
            checks.append(stored)
            return bool(self.real.verify(stored, password))

        def hash(self, password: str) -> str:
            return str(self.real.hash(password))

    monkeypatch.setattr(auth, "_hasher", Counted(auth._hasher))
    with rt.uow() as uow:
        uow.org.update_user(city.users["hotline"]["id"], {"active": False})
        uow.commit()
    for name, password in (("nobody-here", WRONG), ("admin", WRONG), ("hotline", PASSWORD), ("admin", PASSWORD)):
        checks.clear()
        try:
            auth.login(rt, name, password, "203.0.113.9")
        except Exception as exc:  # noqa: BLE001 - refused is what we expect for the first three
            assert type(exc).__name__ == "Unauthorized", exc
        assert len(checks) == 1, name
        assert checks[0].startswith("$argon2id$")


# ------------------------------------------------------------------ the access log
def test_logins_failures_and_logouts_are_logged_without_passwords(client: TestClient, token, city: City) -> None:
    assert_error(login(client, "leader", WRONG), 401)
    assert_error(login(client, "who-is-this", "secret-guess-77"), 401)
    headers = bearer(login(client, "leader"))
    client.post("/api/v1/auth/logout", headers=headers)
    log = client.get("/api/v1/audit/access", headers=token("admin")).json()
    leader = city.users["leader"]
    mine = [e for e in log if e["username"] in ("leader", "who-is-this")]
    assert [(e["action"], e["username"], e["user_id"], (e["detail"] or {}).get("reason")) for e in mine] == [
        ("logout", "leader", leader["id"], None), ("login", "leader", leader["id"], None),
        ("login_failed", "who-is-this", None, "unknown_user"), ("login_failed", "leader", leader["id"], "bad_password")]
    assert {e["client_ip"] for e in mine} == {"testclient"}
    assert all(e["role"] == "shift_leader" and e["display_name"] == "值班长张" for e in mine if e["user_id"])
    assert mine[0]["action_label"] == "退出登录" and mine[3]["reason_label"] == "密码错误"
    text = json.dumps(log, ensure_ascii=False, default=str)
    assert WRONG not in text and "secret-guess-77" not in text and PASSWORD not in text


def test_the_access_log_is_the_administrators(client: TestClient, token) -> None:
    token("leader")
    assert_error(client.get("/api/v1/audit/access", headers=token("leader")), 403, "forbidden")
    assert_error(client.get("/api/v1/audit/access"), 401)
    admin = token("admin")
    assert_error(client.get("/api/v1/audit/access", params={"action": "delete"}, headers=admin), 422)
    logins = client.get("/api/v1/audit/access", params={"action": "login", "username": "leader"}, headers=admin).json()
    assert [(e["action"], e["username"]) for e in logins] == [("login", "leader")]
    first = client.get("/api/v1/audit/access", params={"limit": 1}, headers=admin).json()
    older = client.get("/api/v1/audit/access", params={"before_id": first[0]["id"]}, headers=admin).json()
    assert older and all(e["id"] < first[0]["id"] for e in older)


def test_the_admin_page_lists_the_access_log(client_for) -> None:
    client_for().post("/console/login", data={"username": "leader", "password": WRONG, "next": "/console"})
    admin = client_for("admin")
    r = admin.get("/console/admin/access")
    assert r.status_code == 200 and "访问日志" in r.text and "登录失败" in r.text and "密码错误" in r.text
    r = admin.get("/console/admin/access", params={"action": "login_failed", "username": "leader"})
    assert r.status_code == 200 and "值班长张" in r.text and "管理员" not in r.text.split("<tbody>")[1]
    assert client_for("leader").get("/console/admin/access").status_code == 403
