"""/api/v1/cases, /api/v1/queue: cases, search, call logging, the claim.

`GET /api/v1/cases?q=...` returns a JSON list (not wrapped in an object) of at most 50
`{"id", "case_ref", "taxpayer", "status", "balance"}`. Errors are `{"error": ..., "fields": {...}}`.
"""

from flask import current_app, jsonify, request
from flask_login import current_user

from app import clock
from app.api.blueprint import bp
from app.api.shapes import call_dict, case_detail, case_summary
from app.auth.access import roles_required
from app.auth.permissions import CALL_LOGGERS, CASE_READERS
from app.calls import claims
from app.calls.services import CallError, call_by_submission_key, log_call
from app.cases.models import Phone
from app.cases.search import search_cases, visible_case
from app.extensions import db
from app.ids import is_id

READERS = CASE_READERS
WRITERS = CALL_LOGGERS


def error(message: str, status: int, fields: dict | None = None):
    return jsonify(error=message, fields=fields or {}), status


@bp.get("/cases")
@roles_required(*READERS)
def search():
    q = request.args.get("q", "").strip()
    if not q:
        return error("the q parameter is required", 400, {"q": "required"})
    return jsonify([case_summary(c) for c in search_cases(q, current_user)])


@bp.get("/cases/<int:case_id>")
@roles_required(*READERS)
def case(case_id: int):
    found = visible_case(case_id, current_user)
    if found is None:
        return error("case not found", 404)
    return jsonify(case_detail(found))


@bp.post("/cases/<int:case_id>/calls")
@roles_required(*WRITERS)
def log(case_id: int):
    found = visible_case(case_id, current_user)
    if found is None:
        return error("case not found", 404)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error("the body must be a JSON object", 400)
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key is not None and len(key) > 64:
        return error("Idempotency-Key is at most 64 characters", 400, {"Idempotency-Key": "too long"})
    replay = call_by_submission_key(key)
    if replay is not None and replay.case_id == found.id:
        return jsonify(call_dict(replay)), 200
    fields = {}
    phone_id = body.get("phone_id")
    if not is_id(phone_id):
        fields["phone_id"] = "required, an integer"
    if not isinstance(body.get("outcome"), str):
        fields["outcome"] = "required"
    direction = body.get("direction", "outbound")
    notes = body.get("notes", "")
    if not isinstance(direction, str):
        fields["direction"] = "outbound or inbound"
    if notes is not None and not isinstance(notes, str):
        fields["notes"] = "a string"
    if fields:
        return error("invalid call", 422, fields)
    phone = db.session.get(Phone, phone_id)
    try:
        call = log_call(found, phone, body["outcome"], direction, notes, current_user, clock.utcnow(),
                        submission_key=key)
    except CallError as exc:
        db.session.rollback()
        return error(str(exc), 422, exc.fields)
    db.session.commit()
    return jsonify(call_dict(call)), 201


@bp.post("/queue/claim")
@roles_required(*WRITERS)
def claim():
    if current_user.department is None:
        return "", 204
    found = claims.claim_next(current_user, clock.utcnow(), current_app.config["CLAIM_MINUTES"])
    db.session.commit()
    if found is None:
        return "", 204
    return jsonify(case_detail(found))
