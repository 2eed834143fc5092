"""Fixtures: a real PostgreSQL database made by the migrations, a Redis db of our own.

Where: TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test) and TEST_REDIS_URL
(default redis://127.0.0.1:6379/13) name the base. Under pytest-xdist (`pytest -n 2`, what
`make test` runs) worker gwN uses the database `<base>_gwN` and the Redis db `<base db> + N`:
with the defaults gw0 has `test_gw0` and db 13, gw1 `test_gw1` and db 14 (Redis has dbs 0-15, so
base + workers must stay below 16). Without xdist the base itself is used. Each database is
created if missing and rebuilt by the migrations once per session (per worker).

The app: `app` is one app per session (per worker), reused by every test, in a fresh app context
per test; after the test its config and extensions are put back as they were, so a test may
change `app.config[...]` freely. A test that needs settings at creation time asks for an app of
its own with `@pytest.mark.app_config(KEY=value, ...)` (or calls `create_app(test_config(...))`).
Passwords are hashed with a cheap PASSWORD_HASH_METHOD (allowed only because TESTING is on).

Isolation: tests may commit, run jobs and use several connections and processes like the real
app does, so there is no rollback per test; instead, after each test, `empty_database_and_redis`
finds the tables that got rows (one query) and deletes from those only, resets the id sequences
that moved, and flushes our own Redis db.
"""

import contextlib
import contextvars
import os
import re

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import text

from app import create_app
from app.extensions import db

XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1", ... under pytest -n


def _per_worker_database(url: str) -> str:
    return f"{url}_{XDIST_WORKER}" if XDIST_WORKER else url


def _per_worker_redis(url: str) -> str:
    if not XDIST_WORKER:
        return url
    match = re.fullmatch(r"(redis://[^/]+)(?:/(\d+))?", url)
    assert match, f"TEST_REDIS_URL must look like redis://host:port/db, not {url!r}"
    number = int(match.group(2) or 0) + int(XDIST_WORKER.removeprefix("gw"))
    assert number < 16, f"Redis db {number} for {XDIST_WORKER}: lower TEST_REDIS_URL's db or -n"
    return f"{match.group(1)}/{number}"


TEST_DATABASE_URL = _per_worker_database(
    os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
TEST_REDIS_URL = _per_worker_redis(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13"))
# Microseconds instead of werkzeug's scrypt (~0.1 s a user); refused by the app unless TESTING.
CHEAP_PASSWORD_HASH = "pbkdf2:sha256:1"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "app_config(**settings): the test gets an app of its own made with these settings")


def _ensure_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@contextlib.contextmanager
def app_on_a_new_database(suffix: str):
    """An app (in its context) on a new, empty database `<TEST_DATABASE_URL><suffix>`, dropped
    afterwards: for the migration tests, which build a schema of an older revision."""
    url = TEST_DATABASE_URL + suffix
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    uri = url.replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app(test_config(SQLALCHEMY_DATABASE_URI=uri))
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_config(**overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL.replace(
            "postgresql://", "postgresql+psycopg://", 1
        ),
        "REDIS_URL": TEST_REDIS_URL,
        "WTF_CSRF_ENABLED": True,
        "TIMEZONE": "Asia/Tokyo",
        "PASSWORD_HASH_METHOD": CHEAP_PASSWORD_HASH,
        # The factories give every taxpayer the same mobile number: the contact caps per number
        # (app.sms.caps, tested in tests/sms/test_caps.py with the defaults) would hold back
        # every test that sends more than one SMS.
        "SMS_MAX_PER_NUMBER_PER_DAY": 10_000,
        "SMS_MAX_PER_NUMBER_PER_WEEK": 10_000,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def _schema():
    _ensure_database(TEST_DATABASE_URL)
    app = create_app(test_config())
    with app.app_context():
        upgrade()  # the schema comes only from the migrations
        db.engine.dispose()


@pytest.fixture(scope="session")
def _session_app(_schema):
    """The app every test shares (see the module's docstring)."""
    app = create_app(test_config())
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(request, _session_app):
    """The test's app, inside an app context; emptied database and Redis db after the test."""
    marker = request.node.get_closest_marker("app_config")
    if marker is not None:
        own = create_app(test_config(**marker.kwargs))
        with own.app_context():
            try:
                yield own
            finally:
                empty_database_and_redis()
        return
    shared = _session_app
    saved = _AppState(shared)
    with shared.app_context():
        try:
            yield shared
        finally:
            try:
                _empty_tables_and_redis()
            finally:
                saved.restore()


class _AppState:
    """What a test may change on the shared app (settings, extensions), to put back after it."""

    def __init__(self, app: Flask):
        self.app = app
        self.config = dict(app.config)
        self.extensions = dict(app.extensions)
        self.jobqueue = dict(app.extensions["jobqueue"])
        self.test_client_class = app.test_client_class

    def restore(self) -> None:
        app = self.app
        for key, value in list(app.extensions.items()):
            if self.extensions.get(key) is not value:
                _close(key, value)
        app.extensions.clear()
        app.extensions.update(self.extensions)
        state = app.extensions["jobqueue"]
        state.clear()
        state.update(self.jobqueue)
        state["running"].clear()
        app.config.clear()
        app.config.update(self.config)
        app.test_client_class = self.test_client_class


def _close(key: str, value) -> None:
    """Close what a test built lazily on the shared app (e.g. the SMS providers' HTTP sessions)."""
    if key == "sms_provider" and isinstance(value, dict):
        for provider in value.values():
            close = getattr(provider, "close", None)
            if close is not None:
                close()


def empty_database_and_redis() -> None:
    """Empty every table that has rows and reset the id sequences that moved (inside the app
    context), flush our own Redis db, and close the app's pooled connections: after a module
    that made an app of its own (the shared app keeps its pool from test to test)."""
    _empty_tables_and_redis()
    db.engine.dispose()


def _empty_tables_and_redis() -> None:
    db.session.remove()
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        used = set(conn.execute(text(" UNION ALL ".join(
            f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM {t.name})" for t in tables))).scalars())
        # Children before parents: every foreign key is satisfied at each step.
        for table in reversed(tables):
            if table.name in used:
                conn.execute(table.delete())
        conn.execute(text(
            "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)"
            " FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"))
    _own_redis().flushdb()  # our own db number only


_redis_client: dict = {}


def _own_redis() -> Redis:
    if "client" not in _redis_client:
        _redis_client["client"] = Redis.from_url(TEST_REDIS_URL)
    return _redis_client["client"]


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's app context, as a real server would: the
    request gets its own `g` and its own database session, not the test's."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
