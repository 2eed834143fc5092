"""Recording a payment from the revenue system (CSV import or API), idempotent on payment_ref.

The same payment_ref with the same case, amount, date and kind is a replay: it returns the
stored payment and changes nothing; a `confirmed` delivery of a ref stored as `provisional`
(速報 then 確報) with the same case, amount and date confirms it. The same ref with other data
is an error (the revenue system must never silently rewrite a payment). A `reversal` names the
payment it undoes (`reverses`: same case, not a reversal, not reversed yet) and restores its
amount; it reopens a case that the payment had closed.

The balance follows the rule of `app.payments.balance` (recomputed under the case's row lock:
concurrent payments on one case queue up, none is lost; never below 0). An amount above the
balance + MAX_ABOVE_BALANCE yen is refused (a typo must not close a case). When the balance
reaches zero the case is paid in full: closed and unclaimed. What that means elsewhere is for the
receivers of `signals.payment_recorded` (a pending promise the money reached is judged kept)
and `signals.case_settled` (waiting SMS suppressed, `paid`: the send job checks again anyway;
a promise still pending cancelled).
"""

from datetime import date, datetime

from sqlalchemy import select

from app import clock, signals
from app.audit.services import record
from app.cases.models import Case, CaseStatus
from app.date_limits import in_range, range_text
from app.extensions import db
from app.payments.balance import case_balance
from app.payments.models import Payment, PaymentKind
from app.sql import insert_once

SOURCES = ("api", "csv")
KINDS = tuple(str(k) for k in PaymentKind)
MAX_REF = 64
MAX_AMOUNT = 10**15
MAX_ABOVE_BALANCE = 10_000_000  # yen: a payment may exceed the balance by this much, no more


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


def _check(payment_ref, case_ref, amount, paid_on, source, now: datetime, kind, reverses) -> dict:
    fields = {}
    if not isinstance(payment_ref, str) or not payment_ref.strip():
        fields["payment_ref"] = "The payment reference is required."
    elif len(payment_ref.strip()) > MAX_REF:
        fields["payment_ref"] = f"The payment reference is too long (at most {MAX_REF} characters)."
    if not isinstance(case_ref, str) or not case_ref.strip():
        fields["case_ref"] = "The case reference is required."
    if kind not in KINDS:
        fields["kind"] = "The kind must be confirmed, provisional or reversal."
    if amount is None and kind == PaymentKind.REVERSAL:
        pass  # a reversal without an amount restores the whole payment
    elif isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        fields["amount"] = "The amount must be a whole number of yen above 0."
    elif amount >= MAX_AMOUNT:
        fields["amount"] = "The amount is too large."
    if not isinstance(paid_on, date) or isinstance(paid_on, datetime):
        fields["paid_on"] = "The date must be a date YYYY-MM-DD."
    elif not in_range(paid_on):
        fields["paid_on"] = f"The date must lie between {range_text()}."
    elif paid_on > clock.local_date(now):
        fields["paid_on"] = "The payment date is in the future."
    if source not in SOURCES:
        fields["source"] = "The source must be api or csv."
    if kind == PaymentKind.REVERSAL:
        if not isinstance(reverses, str) or not reverses.strip():
            fields["reverses"] = "A reversal names the payment_ref of the payment it reverses."
    elif reverses not in (None, ""):
        fields["reverses"] = "Only a reversal names a payment it reverses."
    return fields


def _same(payment: Payment, case_ref: str, amount, paid_on: date, kind: str, reverses) -> bool:
    """Is `payment` this delivery again? A confirmation of a provisional payment counts as the same
    (the caller then confirms it), a provisional delivery of a confirmed one too."""
    if (payment.case.case_ref, payment.paid_on) != (case_ref, paid_on):
        return False
    if amount is not None and payment.amount != amount:
        return False
    if PaymentKind.REVERSAL in (kind, payment.kind):
        return kind == payment.kind and payment.reverses.payment_ref == (reverses or "").strip()
    return True


def _replay(payment: Payment, case_ref, amount, paid_on, kind, reverses, actor, now) -> Payment:
    if not _same(payment, case_ref, amount, paid_on, kind, reverses):
        raise PaymentError("This payment reference is already recorded with other data.",
                           {"payment_ref": "already used for another payment"}, conflict=True)
    if payment.kind == PaymentKind.PROVISIONAL and kind == PaymentKind.CONFIRMED:
        payment.kind = PaymentKind.CONFIRMED
        record(actor, "payment.confirm", "payment", payment.id, now, case_id=payment.case_id)
        db.session.flush()
    return payment


def _reversed_payment(case: Case, reverses: str, amount, paid_on: date) -> Payment:
    """The payment a reversal undoes, checked; raises PaymentError (422) naming the field."""
    original = payment_by_ref(reverses.strip())
    problem = None
    if original is None:
        problem = "No payment has this reference."
    elif original.case_id != case.id:
        problem = "That payment is on another case."
    elif original.kind == PaymentKind.REVERSAL:
        problem = "That payment is itself a reversal."
    elif db.session.scalar(select(Payment.id).where(Payment.reverses_id == original.id)) is not None:
        problem = "That payment is already reversed."
    if problem is not None:
        raise PaymentError("The reversal could not be recorded.", {"reverses": problem})
    if amount is not None and amount != original.amount:
        raise PaymentError("The reversal could not be recorded.", {
            "amount": f"A reversal restores the whole payment: {original.amount} yen."})
    if paid_on < original.paid_on:
        raise PaymentError("The reversal could not be recorded.", {
            "paid_on": "A reversal cannot be dated before the payment it reverses."})
    return original


def record_payment(payment_ref: str, case_ref: str, amount, paid_on: date, source: str,
                   now: datetime, actor=None, kind: str = PaymentKind.CONFIRMED,
                   reverses: str | None = None) -> tuple[Payment, bool]:
    """Record one payment (or a reversal); returns (payment, created). Flushes; the caller commits.
    Raises PaymentError (nothing written) for bad data, an unknown case or payment, an amount
    above the limit, or a reused ref."""
    fields = _check(payment_ref, case_ref, amount, paid_on, source, now, kind, reverses)
    if fields:
        raise PaymentError("The payment could not be recorded.", fields)
    payment_ref, case_ref = payment_ref.strip(), case_ref.strip()
    existing = payment_by_ref(payment_ref)
    if existing is not None:
        return _replay(existing, case_ref, amount, paid_on, kind, reverses, actor, now), False
    case = db.session.scalar(select(Case).where(Case.case_ref == case_ref).with_for_update()
                             .execution_options(populate_existing=True))
    if case is None:
        raise PaymentError("The payment could not be recorded.",
                           {"case_ref": "No case has this reference."})
    original = None
    if kind == PaymentKind.REVERSAL:
        original = _reversed_payment(case, reverses, amount, paid_on)
        amount = original.amount
    elif amount > max(case.balance, 0) + MAX_ABOVE_BALANCE:
        raise PaymentError("The payment could not be recorded.", {
            "amount": f"The amount is more than {MAX_ABOVE_BALANCE:,} yen above the balance "
                      f"({case.balance:,} yen): check it."})
    payment = Payment(payment_ref=payment_ref, case_id=case.id, amount=amount, paid_on=paid_on,
                      source=source, kind=kind, reverses_id=original.id if original else None,
                      created_at=now)
    saved = insert_once(payment, lambda: payment_by_ref(payment.payment_ref))
    if saved is not payment:  # a concurrent delivery of the same ref committed first
        return _replay(saved, case_ref, amount, paid_on, kind, reverses, actor, now), False
    case.balance = case_balance(case.id)
    case.updated_at = now
    record(actor, "payment.reverse" if original else "payment.record", "payment", payment.id, now,
           case_id=case.id, amount=amount, paid_on=paid_on.isoformat(), source=source, kind=str(kind),
           reverses=original.payment_ref if original else None, balance=case.balance)
    if original is not None:
        if case.status == CaseStatus.CLOSED and case.balance > 0:
            _reopen(case, actor, now)
    else:
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
    # The pending promise (not reached by the payments, but nothing is owed any more) is
    # cancelled by app.promises, the waiting SMS suppressed by app.sms.
    signals.case_settled.send(case, now=now, actor=actor, reason="paid")


def _reopen(case: Case, actor, now: datetime) -> None:
    """A reversal brought money owing back on a closed case: back in the queue."""
    case.status = CaseStatus.OPEN
    case.paid_in_full_at = None
    record(actor, "case.reopen", "case", case.id, now, reason="reversal")
