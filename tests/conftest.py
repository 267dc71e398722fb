"""Fixtures: every API test runs on SQLite + in-process backends, and on PostgreSQL + Redis
when WAVESTACK_TEST_POSTGRES_URL / WAVESTACK_TEST_REDIS_URL are set (required under CI=true)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from support import SyncASGIClient, Tenant, asgi_client, make_tenant
from wavestack.app import create_app
from wavestack.bootstrap import Container, bootstrap
from wavestack.kernel.config import Settings
from wavestack.kernel.ids import new_id
from wavestack.migrations.metadata import target_metadata
from wavestack.migrations.runner import upgrade

POSTGRES_URL = os.environ.get("WAVESTACK_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("WAVESTACK_TEST_REDIS_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"

BACKENDS = ["sqlite"]
if POSTGRES_URL and REDIS_URL:
    BACKENDS.append("postgres")


def pytest_sessionstart(session: pytest.Session) -> None:
    if IN_CI and len(BACKENDS) < 2:
        raise pytest.UsageError(
            "CI=true needs WAVESTACK_TEST_POSTGRES_URL and WAVESTACK_TEST_REDIS_URL"
        )


def _worker() -> str:
    # The pid keeps concurrent pytest runs on one server (and xdist workers) apart.
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test worker, migrated once; tests truncate it."""
    if not POSTGRES_URL:
        pytest.skip("WAVESTACK_TEST_POSTGRES_URL is not set")
    name = f"wavestack_test_{_worker()}"
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if IN_CI:
            raise
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The runtime mode under test: `sqlite` (embedded) or `postgres` (PostgreSQL + Redis)."""
    return str(request.param)


def _truncate_all(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    tables = ", ".join(f'"{t.name}"' for t in target_metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    engine.dispose()


@pytest.fixture
def settings_factory(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Build Settings for this test's backend with overrides."""
    db_path = tmp_path / "wavestack.db"
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, db_path)
        base: dict[str, Any] = {"database_url": f"sqlite:///{db_path}"}
    else:
        url = request.getfixturevalue("postgres_url")
        _truncate_all(url)
        base = {"database_url": url, "redis_url": REDIS_URL}

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "env": "test",
            "data_dir": tmp_path,
            "log_format": "json",
            "webhook_retry_delay_seconds": 0.2,
            "outbox_poll_seconds": 0.05,
            **base,
            **overrides,
        }
        return Settings(**values)

    return make


@pytest.fixture
def namespace() -> Iterator[str]:
    """A Redis key prefix of this test, removed afterwards."""
    ns = f"wstest-{new_id()[-12:]}"
    yield ns
    if REDIS_URL:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"*{ns}*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def settings(settings_factory: Any) -> Settings:
    """Settings of this test."""
    return settings_factory()  # type: ignore[no-any-return]


@pytest.fixture
def container(settings: Settings, namespace: str) -> Iterator[Container]:
    """A container whose jobs run inline, so a request's side effects finish before it returns."""
    c = bootstrap(settings, immediate_jobs=True, namespace=namespace)
    yield c
    c.close()


@pytest.fixture
def api(container: Container) -> Iterator[SyncASGIClient]:
    """A client for the app of `container`."""
    with asgi_client(create_app(container)) as client:
        yield client


@pytest.fixture
def tenant(container: Container) -> Tenant:
    """An organization with an admin token."""
    return make_tenant(container, "Creator A")


@pytest.fixture
def other_tenant(container: Container) -> Tenant:
    """A second organization, for isolation tests."""
    return make_tenant(container, "Creator B")
