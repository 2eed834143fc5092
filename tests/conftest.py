"""Fixtures: a real PostgreSQL database made by the migrations, a Redis db of our own.

TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test) and TEST_REDIS_URL
(default redis://127.0.0.1:6379/13) choose them. Every table is emptied after each test, so
tests may commit, run jobs and use several connections like the real app does.
"""

import contextvars
import os

import psycopg
import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import text

from app import create_app
from app.extensions import db

TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _ensure_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def test_config(**overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL.replace(
            "postgresql://", "postgresql+psycopg://", 1
        ),
        "REDIS_URL": TEST_REDIS_URL,
        "WTF_CSRF_ENABLED": True,
        "TIMEZONE": "Asia/Tokyo",
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


@pytest.fixture
def app(_schema):
    app = create_app(test_config())
    with app.app_context():
        yield app
        empty_database_and_redis()


def empty_database_and_redis() -> None:
    """Empty every table (inside the app context) and our own Redis db, after a test or a module."""
    db.session.remove()
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.engine.dispose()
    Redis.from_url(TEST_REDIS_URL).flushdb()  # our own db number only


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
