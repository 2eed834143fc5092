"""POST /api/v1/cases/<id>/promises: record a promise to pay.

Body `{"amount": n, "due_date": "YYYY-MM-DD"}` for one payment, or `{"instalments": [{"amount":
n, "due_date": "..."}, ...]}` for a plan; optional `"notes"` and `"allow_above_balance": true`
(supervisors and admins). 201 with the promise; 400 when the body is not one of those shapes;
422 `{"error", "fields"}` when the promise is not acceptable (field names as sent: `amount`,
`due_date`, or `instalments.<i>.amount` ...). Operators, supervisors, admins; a case of
another department is 404.
"""

from flask_babel import force_locale
from flask_login import current_user

from app import clock
from app.api.cases import OPERATOR_ROLES, case_or_404
from app.api.errors import BadRequest, Unprocessable
from app.api.operations import operation
from app.api.schemas import Promise, PromiseRequest, iso_date
from app.auth.permissions import CASE_WRITERS
from app.extensions import db
from app.promises.services import PromiseError, create_promise


def _instalments(body: PromiseRequest) -> tuple[list | None, str | None, bool]:
    """(pairs, problem, single): the (amount, date) pairs the body asks for, or why not."""
    given = body.model_fields_set
    single = "amount" in given or "due_date" in given
    if single and "instalments" in given:
        return None, "give amount and due_date, or instalments, not both", single
    if single:
        items = [{"amount": body.amount, "due_date": body.due_date}]
    else:
        items = body.instalments
        if not isinstance(items, list) or not items:
            return None, "give amount and due_date, or a non-empty list of instalments", single
    pairs = []
    for item in items:
        if not isinstance(item, dict):
            return None, "each instalment must be an object {amount, due_date}", single
        pairs.append((item.get("amount"), iso_date(item.get("due_date"))))
    return pairs, None, single


def _field_name(name: str, single: bool) -> str:
    if single and name.startswith("instalments.0."):
        return name.removeprefix("instalments.0.")
    return name


@operation("POST", "/cases/<int:case_id>/promises", operation_id="recordPromise", tags=("promises",),
           roles=CASE_WRITERS, summary="Record a promise to pay.",
           description=OPERATOR_ROLES + " A new promise replaces the pending one. 422 `fields` are named "
                       "as sent: `amount`, `due_date`, `instalments.<i>.amount` ...",
           body=PromiseRequest, answers={201: Promise}, errors=(400, 403, 404, 422))
def create(case_id: int, body: PromiseRequest):
    case = case_or_404(case_id)
    pairs, problem, single = _instalments(body)
    if problem:
        raise BadRequest(problem)
    notes, allow = body.notes, body.allow_above_balance
    if not isinstance(notes, str | None) or not isinstance(allow, bool):
        raise BadRequest("notes must be a string and allow_above_balance true or false")
    try:
        promise = create_promise(case, pairs, current_user, clock.utcnow(),
                                 allow_above_balance=allow, notes=notes or "")
    except PromiseError as exc:
        db.session.rollback()
        with force_locale("en"):  # the API speaks English, whatever the caller's browser says
            raise Unprocessable(str(exc.message),
                                {_field_name(k, single): str(v) for k, v in exc.fields.items()}) from None
    db.session.commit()
    return Promise.of(promise), 201
