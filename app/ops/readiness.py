"""Readiness: can this process serve? The database answers, its schema is at the migrations'
head, and Redis answers when REDIS_URL is set. Each check returns "ok" or what is wrong, in
words without secrets (no URLs, no passwords)."""

import logging

from alembic.script import ScriptDirectory
from flask import current_app
from redis import Redis
from sqlalchemy import text

from app.extensions import db

log = logging.getLogger(__name__)
PROBE_TIMEOUT_SECONDS = 2


def migration_heads() -> set[str]:
    """The head revision(s) of the migrations shipped with this code (read once per process)."""
    heads = current_app.extensions.get("migration_heads")
    if heads is None:
        config = current_app.extensions["migrate"].migrate.get_config()
        heads = current_app.extensions["migration_heads"] = set(
            ScriptDirectory.from_config(config).get_heads())
    return heads


def database_checks() -> dict[str, str]:
    """`database` and `migrations`: reachable, and the schema's revision equals the head."""
    try:
        revisions = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception as exc:
        db.session.rollback()
        if _is_missing_table(exc):
            return {"database": "ok", "migrations": "not applied (run flask db upgrade)"}
        log.warning("readiness: database unreachable (%s)", exc.__class__.__name__)
        return {"database": "unreachable", "migrations": "unknown"}
    finally:
        db.session.remove()
    heads = migration_heads()
    if revisions == heads:
        return {"database": "ok", "migrations": "ok"}
    found = ", ".join(sorted(revisions)) or "none"
    return {"database": "ok", "migrations": f"at {found}, expected {', '.join(sorted(heads))}"}


def _is_missing_table(exc: Exception) -> bool:
    message = str(getattr(exc, "orig", exc)).lower()
    return "alembic_version" in message and ("does not exist" in message or "no such table" in message)


def redis_check() -> str:
    """"ok", "not configured" (embedded mode: jobs in-process), or "unreachable"."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    probe = current_app.extensions.get("readiness_redis")
    if probe is None:  # its own client with short timeouts: a dead host must not hang the probe
        probe = current_app.extensions["readiness_redis"] = Redis.from_url(
            url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=PROBE_TIMEOUT_SECONDS)
    try:
        probe.ping()
    except Exception as exc:
        log.warning("readiness: Redis unreachable (%s)", exc.__class__.__name__)
        return "unreachable"
    return "ok"


def readiness() -> tuple[bool, dict[str, str]]:
    """(ready, checks): ready when every check is "ok" (Redis may be "not configured")."""
    checks = database_checks()
    checks["redis"] = redis_check()
    ready = all(value in ("ok", "not configured") for value in checks.values())
    return ready, checks
