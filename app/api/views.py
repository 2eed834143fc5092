"""The JSON API, /api/v1: thin routes over the same services as the pages.

Integrations authenticate with `Authorization: Bearer <token>`; a browser session may call
it too, and then an unsafe method needs the CSRF token in the X-CSRFToken header.
"""

from flask import Blueprint, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def init_app(app) -> None:
    from app.api import cases, imports, openapi, payments, promises, reports  # noqa: F401 (they add routes)

    app.register_blueprint(bp)


@bp.before_request
def check_csrf_for_session_callers():
    token_call = request.headers.get("Authorization", "").startswith("Bearer ")
    if request.method not in ("GET", "HEAD", "OPTIONS") and not token_call:
        csrf.protect()
    # Resolve the user now, so a bad token is a 401 before any route logic.
    current_user.is_authenticated  # noqa: B018


@bp.errorhandler(HTTPException)
def json_error(exc: HTTPException):
    return jsonify(error=exc.description or exc.name), exc.code
