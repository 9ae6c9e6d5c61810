"""Shared fixtures: a runtime on SQLite and on PostgreSQL (same tests, both databases), a small
synthetic city (one district, 16 grids, units, one user per role) and a movable clock."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, mapping
from sqlalchemy import create_engine, text

from citysteward import schema
from citysteward.bootstrap import create_app, initialise
from citysteward.config import Settings
from citysteward.geography import services as area_service
from citysteward.kernel.actor import Actor, Role
from citysteward.org.services import auth
from citysteward.platform.db import make_engine
from citysteward.platform.migrate import upgrade
from citysteward.platform.runtime import Runtime
from citysteward.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import FakeData, FakeUnitOfWorkFactory

PG_ADMIN_URL = os.environ.get("CITYSTEWARD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Passw0rd!"
# A synthetic district near Jiaozuo: 4 x 4 grids of 0.01° (about 1 km), two communities.
ORIGIN = (113.20, 35.20)
SNAPSHOT_TABLES = ("categories", "calendar_days", "calendar_years", "work_schedules", "areas", "grids",
                   "rollup_settings")
REFERENCE_TABLES = {*SNAPSHOT_TABLES, "alembic_version"}
FAKE_URL = "fake://"  # the in-memory unit of work of tests/fakes/: no database
BACKENDS_WITH_FAKE = ["fake", "sqlite", "postgresql"]


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def synthetic_city() -> dict[str, Any]:
    feats = [
        {"type": "Feature", "properties": {"code": "410802", "name": "测试区", "level": "district"},
         "geometry": mapping(box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + 0.04, ORIGIN[1] + 0.04))},
        {"type": "Feature", "properties": {"code": "410802001", "name": "王褚街道", "level": "street"},
         "geometry": mapping(box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + 0.04, ORIGIN[1] + 0.04))},
    ]
    for c in (1, 2):
        x0 = ORIGIN[0] + (c - 1) * 0.02
        feats.append({"type": "Feature", "properties": {"code": f"410802001{c:03d}", "name": f"第{c}社区",
                                                       "level": "community"},
                      "geometry": mapping(box(x0, ORIGIN[1], x0 + 0.02, ORIGIN[1] + 0.04))})
        seq = 0
        for row in range(4):  # north to south
            for col in range(2):  # west to east
                seq += 1
                x = x0 + col * 0.01
                y = ORIGIN[1] + 0.04 - (row + 1) * 0.01
                feats.append({"type": "Feature", "properties": {
                    "code": f"410802001{c:03d}{seq:03d}", "name": f"第{c}社区{seq}号网格", "level": "grid"},
                    "geometry": mapping(box(x, y, x + 0.01, y + 0.01))})
    return {"type": "FeatureCollection", "features": feats}


def grid_point(community: int = 1, seq: int = 1) -> tuple[float, float]:
    """Centre of a synthetic grid (WGS-84)."""
    row, col = divmod(seq - 1, 2)
    x = ORIGIN[0] + (community - 1) * 0.02 + col * 0.01 + 0.005
    y = ORIGIN[1] + 0.04 - (row + 1) * 0.01 + 0.005
    return x, y


def _pg_available() -> bool:
    try:
        eng = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"),
                            isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
        return True
    except Exception:
        return False


PG_OK = _pg_available()


def _prepare_reference(url: str, media: Path) -> None:
    upgrade(url)
    engine = make_engine(url)
    rt = Runtime(uow=SqlUnitOfWorkFactory(engine), settings=Settings(database_url=url, media_dir=media))
    initialise(rt)
    area_service.import_areas(rt, Actor.system("测试"), synthetic_city())
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    _prepare_reference(f"sqlite:///{path}", path.parent / "media")
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


def require(available: bool, what: str) -> None:
    """A test that needs an outside resource: in CI its absence is a failure; on a developer's machine
    the test is skipped with the reason."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what}; CI must run these tests")
    pytest.skip(f"{what}: these tests cannot run on this machine")


@contextmanager
def scratch_pg_database(prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL database for the block, dropped afterwards."""
    require(PG_OK, f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    with scratch_pg_database("cs_test") as url:
        yield from _reference_pg(url)


def _reference_pg(url: str) -> Iterator[str]:
    _prepare_reference(url, Path("/tmp/cs-media"))
    engine = make_engine(url)
    with engine.begin() as c:  # a pristine copy of the reference data, restored before every test
        for table in SNAPSHOT_TABLES:
            c.execute(text(f'CREATE TABLE "_ref_{table}" AS SELECT * FROM "{table}"'))
    engine.dispose()
    yield url


def _reset_pg(engine: Any) -> None:
    """Empty every table a test wrote to and put the reference data back as it was (tests may edit the
    calendar, categories or grids through the admin API); every sequence starts again at 1.

    The rows of the other tables are deleted with triggers and foreign-key checks off (`session_replication_role = replica`; the
    test database belongs to a superuser): TRUNCATE made new files for each of some 90 tables and their
    indexes, 1.4 s a test on a loaded 2-core machine, where a test writes to a dozen of them."""
    names = [t.name for t in schema.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
    names += [n for n in _extra_tables(engine)
              if n not in names and n not in REFERENCE_TABLES and not n.startswith("_ref_")]
    with engine.begin() as c:
        c.execute(text("SET LOCAL session_replication_role = replica"))
        written = c.execute(text(" UNION ALL ".join(
            f"(SELECT '{n}' FROM \"{n}\" LIMIT 1)" for n in names))).scalars().all()
        for table in written:
            c.execute(text(f'DELETE FROM "{table}"'))
        # the reference data with its triggers on, as an import writes it (the areas' change stamp)
        c.execute(text("SET LOCAL session_replication_role = DEFAULT"))
        for table in reversed(SNAPSHOT_TABLES):
            c.execute(text(f'DELETE FROM "{table}"'))
        for table in SNAPSHOT_TABLES:
            c.execute(text(f'INSERT INTO "{table}" SELECT * FROM "_ref_{table}"'))
        used = c.execute(text("SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences "
                              "WHERE last_value IS NOT NULL")).scalars().all()
        for sequence in used:
            c.execute(text("SELECT setval(:s, 1, false)"), {"s": sequence})


def _extra_tables(engine: Any) -> list[str]:
    with engine.connect() as c:
        rows = c.execute(text("select tablename from pg_tables where schemaname='public'"))
        return [r[0] for r in rows]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url(request, tmp_path, request.param)


def database_url(request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> str:
    """A test's own database holding the reference data (catalogue, calendar, synthetic city). A module
    whose services also run on the in-memory fake says so once:
    `pytestmark = pytest.mark.parametrize("db_url", BACKENDS_WITH_FAKE, indirect=True)`."""
    if backend == "fake":
        return FAKE_URL
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "cs.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    engine = make_engine(url)
    _reset_pg(engine)
    engine.dispose()
    return url


@pytest.fixture
def clock() -> FakeClock:
    # Tuesday 2026-11-17 10:00 in Jiaozuo (02:00 UTC): inside working hours.
    return FakeClock(datetime(2026, 11, 17, 2, 0, tzinfo=UTC))


@pytest.fixture
def rt(request: pytest.FixtureRequest, db_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Runtime]:
    settings = Settings(database_url=db_url, media_dir=tmp_path / "media")
    if db_url == FAKE_URL:
        reference: FakeData = request.getfixturevalue("fake_reference")
        yield Runtime(uow=FakeUnitOfWorkFactory(reference.copy()), settings=settings, clock=clock)
        return
    engine = make_engine(db_url)
    yield Runtime(uow=SqlUnitOfWorkFactory(engine), settings=settings, clock=clock)
    engine.dispose()


@pytest.fixture(scope="session")
def fake_reference() -> FakeData:
    """The reference data of `_prepare_reference`, built once in memory for the fake unit of work."""
    factory = FakeUnitOfWorkFactory()
    rt = Runtime(uow=factory, settings=Settings(database_url=FAKE_URL, media_dir=Path("/tmp/cs-media")))
    initialise(rt)
    area_service.import_areas(rt, Actor.system("测试"), synthetic_city())
    return factory.snapshot()


_HASH: dict[str, str] = {}


def password_hash() -> str:
    if "h" not in _HASH:
        _HASH["h"] = auth.hash_password(PASSWORD)
    return _HASH["h"]


@dataclass
class City:
    rt: Runtime
    units: dict[str, int] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)

    def actor(self, username: str) -> Actor:
        u = self.users[username]
        return Actor(role=Role(u["role"]), user_id=u["id"], name=u["display_name"], unit_id=u["unit_id"])


USERS = [
    ("hotline", "hotline", "热线坐席", None),
    ("inspector", "inspector", "监督员老王", None),
    ("acceptor", "acceptor", "受理员小李", None),
    ("leader", "shift_leader", "值班长张", None),
    ("dispatcher", "dispatcher", "派遣员赵", None),
    ("facility", "unit", "设施所孙", "facility"),
    ("sanitation", "unit", "环卫周", "sanitation"),
    ("supervisor", "supervisor", "督查吴", None),
    ("admin", "admin", "管理员", None),
]


@pytest.fixture
def city(rt: Runtime) -> City:
    c = City(rt)
    now = rt.now()
    with rt.uow() as uow:
        for key, name, kind in (("facility", "市市政设施所", "facility"), ("sanitation", "解放区环卫中心", "sanitation"),
                                ("street", "王褚街道", "street")):
            c.units[key] = uow.org.add_unit({"code": key, "name": name, "kind": kind, "active": True})
        for username, role, display, unit in USERS:
            row = {"username": username, "password_hash": password_hash(), "display_name": display,
                   "phone": "13800000000", "role": role, "unit_id": c.units.get(unit or ""), "active": True,
                   "created_at": now}
            row["id"] = uow.org.add_user(row)
            c.users[username] = row
        from citysteward.cases.domain.routing import ResponsibilityRule

        uow.rules.add(ResponsibilityRule(id=0, main_unit_id=c.units["street"]))  # territorial default
        uow.rules.add(ResponsibilityRule(id=0, main_unit_id=c.units["facility"], category_class="01"))
        uow.rules.add(ResponsibilityRule(id=0, main_unit_id=c.units["sanitation"], category_class="06"))
        uow.commit()
    rt.cache.drop()
    return c


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


@pytest.fixture
def client_for(rt, city: City) -> Callable[[str], TestClient]:
    app = create_app(runtime=rt)
    made: list[TestClient] = []

    def make(username: str | None = None) -> TestClient:
        # A browser sends its page's Origin with every form post; the same-origin check (csrf.py) wants it.
        client = TestClient(app, follow_redirects=False, headers={"Origin": "http://testserver"})
        made.append(client)
        if username:
            r = client.post("/console/login", data={"username": username, "password": PASSWORD, "next": "/console"})
            assert r.status_code == 303, r.text
        return client

    yield make
    for c in made:
        c.close()
