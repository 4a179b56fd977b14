"""Fixtures: an app per test on SQLite (and PostgreSQL for `database` tests), a client, Redis."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

# Fixed before the app package is imported: nothing in a test may read a developer's .env
# or write secrets into the real instance folder.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="intellimix-tests-"))
os.environ.update(
    INTELLIMIX_ENV="test",
    INSTANCE_DIR=str(_SESSION_DIR / "instance"),
    FLASK_SECRET_KEY="test-flask-secret-key-0123456789abcdef",
    JWT_SECRET_KEY="test-jwt-secret-key-0123456789abcdefgh",
)
for _var in ("DATABASE_URL", "MIX_CHAT_QUEUE_URL", "RATELIMIT_STORAGE_URI", "STORAGE_DIR"):
    os.environ.pop(_var, None)

from intellimix import create_app  # noqa: E402
from intellimix.extensions import db  # noqa: E402

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"
IN_CI = os.environ.get("CI", "").lower() == "true"

# The test configuration: cheap password hashing, generous limits that the rate-limit tests
# tighten on purpose, small body limits so over-limit requests are cheap to send.
TEST_CONFIG: dict[str, Any] = {
    "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    "AUTH_RATE_LIMIT_PER_ADDRESS": "10000 per minute",
    "AUTH_FAILURE_LIMIT_PER_EMAIL": "10000 per minute",
    "RATELIMIT_STORAGE_URI": "memory://",
    "MAX_JSON_BODY_KB": 16,
    "MAX_UPLOAD_MB": 4,
    "MAX_TRACK_SECONDS": 30,
    "HEALTH_CHECK_TIMEOUT_SECONDS": 2,
    "LOG_LEVEL": "WARNING",
    "RUN_EXECUTOR_MODULES": ["tests.run_executors"],
    "RUN_LEASE_SECONDS": 1.0,
    "RUN_VISIBILITY_TIMEOUT_SECONDS": 1.5,
    "RUN_SHUTDOWN_GRACE_SECONDS": 2.0,
    "WORKER_HEARTBEAT_SECONDS": 0.5,
    "EMBEDDED_POLL_SECONDS": 0.02,
    "MIX_CHAT_SSE_HEARTBEAT_SECONDS": 0.5,
    "MIX_CHAT_SSE_MAX_SECONDS": 20.0,
    # A cloud planner that gives up fast: tests script its failures against a local stub.
    "GEMINI_TIMEOUT_SECONDS": 1.0,
    "GEMINI_MAX_RETRIES": 2,
    "GEMINI_DEADLINE_SECONDS": 4.0,
    "GEMINI_BACKOFF_SECONDS": 0.05,
    # One demo cache for the whole session: each demo track is generated once, not per test.
    "DEMO_CACHE_DIR": str(_SESSION_DIR / "demo-cache"),
    # No test reaches YouTube: search answers from the tests' local catalogue when one is set.
    "SOURCE_SEARCH_PROVIDERS": [],
    # Never a real frontend build: tests that serve the web app pass their own folder.
    "WEB_DIST_DIR": str(_SESSION_DIR / "no-web-build"),
}


def _pg_admin_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL)
    if not url:
        if IN_CI:
            raise pytest.UsageError("CI=true needs PostgreSQL: TEST_DATABASE_URL may not be empty")
        return None
    return url


def database_backends() -> list[str]:
    return ["sqlite", "postgresql"] if _pg_admin_url() else ["sqlite"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`database`-marked tests run on every backend; the rest on SQLite only."""
    if "db_backend" not in metafunc.fixturenames:
        return
    if any(
        "db_backend" in marker.args[0] for marker in metafunc.definition.iter_markers("parametrize")
    ):
        return  # the test chose its backend itself
    marked = metafunc.definition.get_closest_marker("database") is not None
    metafunc.parametrize("db_backend", database_backends() if marked else ["sqlite"])


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without PostgreSQL (TEST_DATABASE_URL empty, never in CI) its variants are deselected."""
    if _pg_admin_url():
        return
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("db_backend") == "postgresql"
        (drop if on_postgres else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    url = _pg_admin_url()
    assert url, "PostgreSQL tests need TEST_DATABASE_URL"
    return url


def create_pg_database(server_url: str) -> str:
    """A fresh, uniquely named database on the test server; returns its URL."""
    name = f"intellimix_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(server_url: str, database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate_to_head(database_url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        db.engine.dispose()


@pytest.fixture(scope="session")
def pg_database(pg_server_url: str) -> Iterator[str]:
    """This run's own PostgreSQL database, migrated once; tests truncate it."""
    url = create_pg_database(pg_server_url)
    migrate_to_head(_sqlalchemy_url(url))
    yield _sqlalchemy_url(url)
    drop_pg_database(pg_server_url, url)


@pytest.fixture(scope="session")
def sqlite_template() -> Path:
    """A migrated SQLite file that each test copies, instead of migrating per test."""
    path = _SESSION_DIR / "template.db"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(request: pytest.FixtureRequest, db_backend: str, tmp_path: Path) -> str:
    if db_backend == "postgresql":
        return str(request.getfixturevalue("pg_database"))
    path = tmp_path / "intellimix.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def empty_database_url(
    request: pytest.FixtureRequest, db_backend: str, tmp_path: Path
) -> Iterator[str]:
    """A database with no tables at all, for migration tests."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = request.getfixturevalue("pg_server_url")
    url = create_pg_database(server)
    yield _sqlalchemy_url(url)
    drop_pg_database(server, url)


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """Factory for apps on this test's database; extra config overrides TEST_CONFIG."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        config = {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "STORAGE_DIR": str(tmp_path / "storage"),
            **overrides,
        }
        app = create_app(config)
        app.config["TESTING"] = True
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["intellimix_event_hub"].close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Any, db_backend: str) -> Flask:
    app = make_app()
    if db_backend == "postgresql":
        with app.app_context():
            tables = ", ".join(f'"{table.name}"' for table in reversed(db.metadata.sorted_tables))
            db.session.execute(text(f"TRUNCATE {tables} CASCADE"))
            db.session.commit()
    return app


@pytest.fixture
def live_worker(app: Flask) -> str:
    """A fresh worker heartbeat, as a running worker writes it, so /health sees a worker."""
    from intellimix.db_types import utcnow
    from intellimix.runs.models import WorkerHeartbeat

    with app.app_context():
        db.session.add(WorkerHeartbeat(id="test-host:1", lanes={"heavy": 1}, last_seen_at=utcnow()))
        db.session.commit()
    return "test-host:1"


@pytest.fixture(scope="session")
def demo_cache() -> Path:
    """The session's demo cache folder (DEMO_CACHE_DIR of every test app)."""
    return Path(TEST_CONFIG["DEMO_CACHE_DIR"])


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """This run's own Redis database index, claimed with a lock key so runs never share one."""
    base = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL).rstrip("/")
    admin = redis.Redis.from_url(f"{base}/0")
    owner = uuid.uuid4().hex
    for index in range(1, 16):
        if admin.set(f"intellimix-test-lock:{index}", owner, nx=True, ex=3 * 3600):
            break
    else:
        raise RuntimeError("every Redis test database index (1-15) is claimed by another run")
    url = f"{base}/{index}"
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()
    if admin.get(f"intellimix-test-lock:{index}") == owner.encode():
        admin.delete(f"intellimix-test-lock:{index}")


@pytest.fixture
def redis_db(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()


class Api:
    """Small helpers over the test client for the auth flow most tests start with."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def register(
        self, email: str = "ada@example.com", password: str = "correct horse", name: str = "Ada"
    ) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/auth/register", json={"name": name, "email": email, "password": password}
        )
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    def login(self, email: str, password: str) -> Any:
        return self.client.post("/api/v1/auth/login", json={"email": email, "password": password})

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)
