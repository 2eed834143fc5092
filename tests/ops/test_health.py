"""/healthz (process up, no database) and /readyz (database, migrations at head, Redis)."""

import socket

from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.ops.readiness import migration_heads
from tests.conftest import test_config as config_for_tests


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_answers_without_a_database(app):
    dead_db = create_app(config_for_tests(
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/nothing"))
    response = dead_db.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_ok_when_everything_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "redis": "ok"}}


def test_readyz_ok_in_embedded_mode_without_redis(app):
    embedded = create_app(config_for_tests(REDIS_URL=None))
    response = embedded.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["redis"] == "not configured"
    with embedded.app_context():
        db.engine.dispose()


def test_readyz_503_when_the_database_is_behind_the_migrations(client, app):
    [head] = migration_heads()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    try:
        response = client.get("/readyz")
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["failed"] == ["migrations"]
    assert body["checks"]["migrations"] == f"at 0003, expected {head}"
    assert body["checks"]["database"] == "ok"


def test_readyz_503_when_redis_is_unreachable(app):
    no_redis = create_app(config_for_tests(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0"))
    response = no_redis.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["redis"] and body["checks"]["redis"] == "unreachable"
    assert body["checks"]["database"] == "ok"
    with no_redis.app_context():
        db.engine.dispose()


def test_readyz_503_when_the_database_is_unreachable(app):
    dead_db = create_app(config_for_tests(
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/nothing"))
    response = dead_db.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["database", "migrations"]
    assert "127.0.0.1" not in response.get_data(as_text=True)  # no connection details
