"""POST /api/v1/payments: a payment from the revenue system (manager or admin token),
idempotent on payment_ref: 201 when recorded, 200 for a replay of the same ref and data (or the
confirmation of a provisional payment), 409 when the ref is already used with other data, 422
naming the field at fault. `kind` confirmed (default) | provisional | reversal, `reverses` the
payment_ref a reversal undoes."""

from flask_login import current_user

from app import clock
from app.api.errors import Conflict, Unprocessable
from app.api.operations import operation
from app.api.schemas import PaymentRequest, PaymentResult, iso_date
from app.auth.permissions import PAYMENT_POSTERS
from app.extensions import db
from app.payments.services import PaymentError, record_payment


@operation("POST", "/payments", operation_id="recordPayment", tags=("payments",), roles=PAYMENT_POSTERS,
           summary="A payment from the revenue system (manager or admin token), idempotent on payment_ref.",
           body=PaymentRequest, answers={201: PaymentResult, 200: PaymentResult},
           errors=(400, 403, 409, 422))
def record(body: PaymentRequest):
    try:
        payment, created = record_payment(body.payment_ref, body.case_ref, body.amount,
                                          iso_date(body.paid_on), "api", clock.utcnow(), actor=current_user,
                                          kind=body.kind or "confirmed", reverses=body.reverses)
    except PaymentError as exc:
        db.session.rollback()
        raise (Conflict if exc.conflict else Unprocessable)(exc.message, exc.fields) from None
    db.session.commit()
    result = PaymentResult.of_row(payment, case=payment.case)
    return result, 201 if created else 200
