"""POST /api/v1/cases/<id>/promises: record a promise to pay.

Body `{"amount": n, "due_date": "YYYY-MM-DD"}` for one payment, or `{"instalments": [{"amount":
n, "due_date": "..."}, ...]}` for a plan; optional `"notes"` and `"allow_above_balance": true`
(supervisors and admins). 201 with the promise; 400 when the body is not one of those shapes;
422 `{"error", "fields"}` when the promise is not acceptable (field names as sent: `amount`,
`due_date`, or `instalments.<i>.amount` ...). Operators, supervisors, admins; a case of
another department is 404.
"""

from datetime import date

from flask import jsonify, request
from flask_babel import force_locale
from flask_login import current_user

from app import clock
from app.api.blueprint import bp
from app.auth.access import roles_required
from app.auth.permissions import CASE_WRITERS
from app.cases.search import visible_case
from app.extensions import db
from app.promises.serializers import promise_dict
from app.promises.services import PromiseError, create_promise

WRITERS = CASE_WRITERS


def error(message: str, status: int, fields: dict | None = None):
    return jsonify(error=message, fields=fields or {}), status


def _date(value):
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()) if len(value.strip()) == 10 else None
        except ValueError:
            return None
    return None


def _instalments(body: dict) -> tuple[list | None, str | None, bool]:
    """(pairs, problem, single): the (amount, date) pairs the body asks for, or why not."""
    single = "amount" in body or "due_date" in body
    if single and "instalments" in body:
        return None, "give amount and due_date, or instalments, not both", single
    if single:
        items = [{"amount": body.get("amount"), "due_date": body.get("due_date")}]
    else:
        items = body.get("instalments")
        if not isinstance(items, list) or not items:
            return None, "give amount and due_date, or a non-empty list of instalments", single
    pairs = []
    for item in items:
        if not isinstance(item, dict):
            return None, "each instalment must be an object {amount, due_date}", single
        pairs.append((item.get("amount"), _date(item.get("due_date"))))
    return pairs, None, single


def _field_name(name: str, single: bool) -> str:
    if single and name.startswith("instalments.0."):
        return name.removeprefix("instalments.0.")
    return name


@bp.post("/cases/<int:case_id>/promises")
@roles_required(*WRITERS)
def create(case_id: int):
    case = visible_case(case_id, current_user)
    if case is None:
        return error("case not found", 404)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error("the body must be a JSON object", 400)
    pairs, problem, single = _instalments(body)
    if problem:
        return error(problem, 400)
    notes, allow = body.get("notes", ""), body.get("allow_above_balance", False)
    if not isinstance(notes, str | None) or not isinstance(allow, bool):
        return error("notes must be a string and allow_above_balance true or false", 400)
    try:
        promise = create_promise(case, pairs, current_user, clock.utcnow(),
                                 allow_above_balance=allow, notes=notes or "")
    except PromiseError as exc:
        db.session.rollback()
        with force_locale("en"):  # the API speaks English, whatever the caller's browser says
            return error(str(exc.message), 422,
                         {_field_name(k, single): str(v) for k, v in exc.fields.items()})
    db.session.commit()
    return jsonify(promise_dict(promise)), 201
