"""While the database cannot be reached (restarting, failing over, out of connections) a request
gets 503 with Retry-After, not a 500: nothing was written (its transaction is rolled back with
the lost connection), a client or Vonage's webhook retry may simply try again, and the log says
what happened without personal data. The pool reconnects by itself afterwards (pool_pre_ping)."""

import logging

from flask import Flask, jsonify, request
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from app.extensions import db

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
MESSAGE = ("一時的に利用できません。しばらくしてからもう一度お試しください。\n"
           "Temporarily unavailable: please try again in a moment.\n")


def init_app(app: Flask) -> None:
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(ValidationError, unreadable_answer)


def unreadable_answer(exc: ValidationError):
    """A response model read its row after the commit (attributes are reloaded) and the
    database went away meanwhile: pydantic wraps the OperationalError in a ValidationError. That
    is the database being unavailable (503, try again), not a bug; any other ValidationError
    that reaches here is one (500)."""
    lost = [e for e in exc.errors() if e["type"] == "get_attribute_error"
            and str(e.get("ctx", {}).get("error", "")).startswith("OperationalError")]
    if not lost:
        raise exc
    return database_unavailable(exc)


def database_unavailable(exc: Exception):
    orig = getattr(exc, "orig", None)
    log.warning("database unavailable: %s", type(orig).__name__ if orig else type(exc).__name__)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: drop it unrolled-back, or the request's
        db.session.invalidate()  # teardown (session.remove) would try the rollback again and raise
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path.startswith(("/api/", "/webhooks/")):
        return jsonify(error="the database is unavailable, try again shortly", fields={}), 503, headers
    return MESSAGE, 503, {**headers, "Content-Type": "text/plain; charset=utf-8"}
