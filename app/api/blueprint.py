"""The JSON API, /api/v1: thin routes over the same services as the pages.

Integrations authenticate with `Authorization: Bearer <token>`; a browser session may call
it too, and then an unsafe method needs the CSRF token in the X-CSRFToken header.
"""

from flask import Blueprint, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from app.extensions import csrf
from app.text_input import bad_text, request_text_problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def routing_error(exc: HTTPException):
    """No route matched (404, 405 ...): JSON under /api/, the usual page elsewhere."""
    if request.path.startswith(bp.url_prefix + "/"):
        return json_error(exc)
    return exc


@bp.before_request
def check_csrf_for_session_callers():
    token_call = request.headers.get("Authorization", "").startswith("Bearer ")
    if request.method not in ("GET", "HEAD", "OPTIONS") and not token_call:
        csrf.protect()
    # Resolve the user now, so a bad token is a 401 before any route logic.
    current_user.is_authenticated  # noqa: B018
    problem = _input_problem()
    if problem:
        return jsonify(error=problem, fields={}), 400


def _input_problem() -> str | None:
    """Why the query string, JSON body or form cannot be used at all (see app.text_input)."""
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # json.loads gives up on deep nesting with this, not ValueError
            return "the JSON body is nested too deeply"
        if body is not None and (problem := bad_text(body)):
            return problem
    return request_text_problem()


@bp.errorhandler(HTTPException)
def json_error(exc: HTTPException):
    response = jsonify(error=exc.description or exc.name, fields={})
    for name, value in exc.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value  # e.g. Allow on a 405
    return response, exc.code
