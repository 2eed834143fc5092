"""POST /api/v1/payments: a payment from the revenue system, idempotent on payment_ref.

Body `{"payment_ref": "...", "case_ref": "...", "amount": n, "paid_on": "YYYY-MM-DD"}`. 201 with
the payment when it is new, 200 with the stored payment when the same ref comes again with the
same data (a retry), 409 when the ref is already used for other data, 422 `{"error", "fields"}`
for bad values or an unknown case, 400 when the body is not a JSON object. Only admin and
manager tokens may post payments: the revenue system authenticates with a manager's (or an
admin's) token, and operators and supervisors never enter money.
"""

from datetime import date

from flask import jsonify, request
from flask_login import current_user

from app import clock
from app.api.blueprint import bp
from app.auth.access import roles_required
from app.auth.permissions import PAYMENT_POSTERS
from app.extensions import db
from app.payments.services import PaymentError, record_payment
from app.promises.serializers import payment_dict


def _date(value):
    if not isinstance(value, str) or len(value.strip()) != 10:
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return value


@bp.post("/payments")
@roles_required(*PAYMENT_POSTERS)
def record():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="the body must be a JSON object", fields={}), 400
    try:
        payment, created = record_payment(
            body.get("payment_ref"), body.get("case_ref"), body.get("amount"), _date(body.get("paid_on")),
            "api", clock.utcnow(), actor=current_user)
    except PaymentError as exc:
        db.session.rollback()
        return jsonify(error=exc.message, fields=exc.fields), 409 if exc.conflict else 422
    db.session.commit()
    result = payment_dict(payment) | {"case": {"id": payment.case.id, "case_ref": payment.case.case_ref,
                                               "balance": payment.case.balance,
                                               "status": payment.case.status}}
    return jsonify(result), 201 if created else 200
