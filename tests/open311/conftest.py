"""Open311 fixtures: the application on both databases, an issued API key, a category with extra
questions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from citysteward.bootstrap import create_app
from citysteward.platform.runtime import Runtime
from tests.builders.open311 import ATTRIBUTES, MANHOLE, edited_category, new_key
from tests.conftest import City


# ------------------------------------------------------------------ fixtures and helpers
@pytest.fixture
def app(rt: Runtime, city: City) -> FastAPI:
    return create_app(runtime=rt)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture
def issued(rt: Runtime, city: City) -> dict[str, Any]:
    return new_key(rt, city)


@pytest.fixture
def api_key(issued: dict[str, Any]) -> str:
    return str(issued["api_key"])


@pytest.fixture
def manhole_attributes(rt: Runtime, city: City) -> Iterator[None]:
    with edited_category(rt, city, MANHOLE, attributes=ATTRIBUTES):
        yield
