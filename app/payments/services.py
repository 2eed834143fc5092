"""Recording a payment from the revenue system (CSV import or API), idempotent on payment_ref.

The same payment_ref with the same case, amount and date is a replay: it returns the stored
payment and changes nothing. The same ref with different data is an error (the revenue system
must never silently rewrite a payment). A payment lowers the case's balance under the case's
row lock (concurrent payments on one case queue up, none is lost); when the balance reaches
zero the case is paid in full: closed and unclaimed. What that means elsewhere is for the
receivers of `signals.payment_recorded` (a pending promise the money reached is judged kept)
and `signals.case_settled` (waiting SMS suppressed, `paid`: the send job checks again anyway;
a promise still pending cancelled). A payment above the balance is recorded as it is (the balance goes below
zero: a credit the revenue system refunds).
"""

from datetime import date, datetime

from sqlalchemy import select

from app import clock, signals
from app.audit.services import record
from app.cases.models import Case, CaseStatus
from app.extensions import db
from app.payments.models import Payment
from app.sql import insert_once

SOURCES = ("api", "csv")
MAX_REF = 64
MAX_AMOUNT = 10**15


class PaymentError(ValueError):
    """A payment that cannot be recorded; `fields` maps a field to why. `conflict` is True when
    the payment_ref is already used for a different payment (HTTP 409)."""

    def __init__(self, message, fields: dict | None = None, conflict: bool = False):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.conflict = conflict


def payment_by_ref(payment_ref: str) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.payment_ref == payment_ref))


def payments_of(case: Case) -> list[Payment]:
    """The case's payments, newest first."""
    stmt = (select(Payment).where(Payment.case_id == case.id)
            .order_by(Payment.paid_on.desc(), Payment.id.desc()))
    return list(db.session.scalars(stmt))


def _check(payment_ref, case_ref, amount, paid_on, source, now: datetime) -> dict:
    fields = {}
    if not isinstance(payment_ref, str) or not payment_ref.strip():
        fields["payment_ref"] = "The payment reference is required."
    elif len(payment_ref.strip()) > MAX_REF:
        fields["payment_ref"] = f"The payment reference is too long (at most {MAX_REF} characters)."
    if not isinstance(case_ref, str) or not case_ref.strip():
        fields["case_ref"] = "The case reference is required."
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        fields["amount"] = "The amount must be a whole number of yen above 0."
    elif amount >= MAX_AMOUNT:
        fields["amount"] = "The amount is too large."
    if not isinstance(paid_on, date) or isinstance(paid_on, datetime):
        fields["paid_on"] = "The date must be a date YYYY-MM-DD."
    elif paid_on > clock.local_date(now):
        fields["paid_on"] = "The payment date is in the future."
    if source not in SOURCES:
        fields["source"] = "The source must be api or csv."
    return fields


def _same(payment: Payment, case_ref: str, amount: int, paid_on: date) -> Payment:
    if (payment.case.case_ref, payment.amount, payment.paid_on) != (case_ref, amount, paid_on):
        raise PaymentError("This payment reference is already recorded with other data.",
                           {"payment_ref": "already used for another payment"}, conflict=True)
    return payment


def record_payment(payment_ref: str, case_ref: str, amount: int, paid_on: date, source: str,
                   now: datetime, actor=None) -> tuple[Payment, bool]:
    """Record one payment; returns (payment, created). Flushes; the caller commits. Raises
    PaymentError (nothing written) for bad data, an unknown case, or a reused ref."""
    fields = _check(payment_ref, case_ref, amount, paid_on, source, now)
    if fields:
        raise PaymentError("The payment could not be recorded.", fields)
    payment_ref, case_ref = payment_ref.strip(), case_ref.strip()
    existing = payment_by_ref(payment_ref)
    if existing is not None:
        return _same(existing, case_ref, amount, paid_on), False
    case = db.session.scalar(select(Case).where(Case.case_ref == case_ref).with_for_update()
                             .execution_options(populate_existing=True))
    if case is None:
        raise PaymentError("The payment could not be recorded.",
                           {"case_ref": "No case has this reference."})
    payment = Payment(payment_ref=payment_ref, case_id=case.id, amount=amount, paid_on=paid_on,
                      source=source, created_at=now)
    saved = insert_once(payment, lambda: payment_by_ref(payment.payment_ref))
    if saved is not payment:  # a concurrent delivery of the same ref committed first
        return _same(saved, case_ref, amount, paid_on), False
    case.balance -= amount
    case.updated_at = now
    record(actor, "payment.record", "payment", payment.id, now, case_id=case.id, amount=amount,
           paid_on=paid_on.isoformat(), source=source, balance=case.balance)
    signals.payment_recorded.send(payment, case=case, now=now, actor=actor)
    if case.balance <= 0 and case.paid_in_full_at is None:
        _paid_in_full(case, actor, now)
    db.session.flush()
    return payment, True


def _paid_in_full(case: Case, actor, now: datetime) -> None:
    case.status = CaseStatus.CLOSED
    case.hold_reason = None
    case.paid_in_full_at = now
    case.claimed_by_id = None
    case.claimed_until = None
    case.promise_broken = False
    record(actor, "case.paid_in_full", "case", case.id, now)
    signals.case_settled.send(case, now=now, actor=actor, reason="paid")
