from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from citysteward.bootstrap import create_app
from citysteward.platform.runtime import Runtime
from tests.conftest import PASSWORD, City


@pytest.fixture
def client(rt: Runtime, city: City) -> TestClient:
    return TestClient(create_app(runtime=rt))


@pytest.fixture
def token(client: TestClient) -> Callable[[str], dict[str, str]]:
    cache: dict[str, dict[str, str]] = {}

    def login(username: str) -> dict[str, str]:
        if username not in cache:
            r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            cache[username] = {"Authorization": f"Bearer {r.json()['token']}"}
        return cache[username]

    return login
