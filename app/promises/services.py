"""Recording a promise to pay: one amount and date, or an instalment plan.

A case has at most one pending promise: a new one cancels the earlier (the taxpayer's latest
word is what counts; the old one is kept, `cancelled`, for the record). While a promise is
pending the case rests: its next action is moved to the day after the promise's deadline
(see `accounting.resume_at`), and the payment-reminder SMS is held back (`hooks`).
"""

from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record
from app.auth.permissions import ABOVE_BALANCE
from app.cases.models import Case, CaseStatus
from app.date_limits import in_range
from app.extensions import db
from app.promises import accounting
from app.promises.models import Promise, PromiseInstalment, PromiseStatus

# Who may let a promise's total exceed the balance (the issue: "unless a supervisor allows it").
MAY_ALLOW_ABOVE_BALANCE = ABOVE_BALANCE
MAX_NOTES = 4000
MAX_AMOUNT = 10**15


class PromiseError(ValueError):
    """A promise that cannot be recorded as given; `fields` maps a field to why.

    Field names: "case", "instalments" (their number or order), "total" (above the balance),
    "notes", and "instalments.<i>.amount" / "instalments.<i>.due_date" (i from 0). Messages
    are lazy strings: str() them in the language of the request.
    """

    def __init__(self, message, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


def pending_promise(case_id: int, lock: bool = False) -> Promise | None:
    stmt = select(Promise).where(Promise.case_id == case_id, Promise.status == PromiseStatus.PENDING)
    if lock:
        stmt = stmt.with_for_update()
    return db.session.scalars(stmt.order_by(Promise.id.desc())).first()


def promises_of(case: Case) -> list[Promise]:
    """The case's promises, newest first."""
    stmt = (select(Promise).where(Promise.case_id == case.id)
            .order_by(Promise.created_at.desc(), Promise.id.desc()))
    return list(db.session.scalars(stmt))


def lock_case(case: Case) -> Case:
    """Lock the case row for this transaction (payments, promises and the judge all lock the
    case first, then its promises: one order, no deadlocks) and read it fresh."""
    return db.session.scalar(select(Case).where(Case.id == case.id).with_for_update()
                             .execution_options(populate_existing=True))


def _check(case: Case, instalments, actor, now: datetime, allow_above_balance: bool,
           notes: str) -> dict:
    fields: dict = {}
    config = current_app.config
    if case.status == CaseStatus.CLOSED or case.balance <= 0:
        fields["case"] = _l("The case owes nothing: there is nothing to promise.")
    if not instalments:
        fields["instalments"] = _l("Give at least one amount and date.")
    elif len(instalments) > config["PROMISE_MAX_INSTALMENTS"]:
        fields["instalments"] = _l("At most %(n)d instalments.", n=config["PROMISE_MAX_INSTALMENTS"])
    today = accounting.local_today(now)
    horizon = today + timedelta(days=config["PROMISE_HORIZON_DAYS"])
    previous = None
    for i, (amount, due_date) in enumerate(instalments or []):
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            fields[f"instalments.{i}.amount"] = _l("The amount must be a whole number of yen above 0.")
        elif amount >= MAX_AMOUNT:
            fields[f"instalments.{i}.amount"] = _l("The amount is too large.")
        if not isinstance(due_date, date) or isinstance(due_date, datetime):
            fields[f"instalments.{i}.due_date"] = _l("The date must be a date YYYY-MM-DD.")
            continue
        if not in_range(due_date):
            fields[f"instalments.{i}.due_date"] = _l("The date must lie between 1900-01-01 and 2199-12-31.")
        elif due_date < today:
            fields[f"instalments.{i}.due_date"] = _l("The date is in the past.")
        elif due_date > horizon:
            fields[f"instalments.{i}.due_date"] = _l(
                "The date is more than %(days)d days ahead (by %(last)s at the latest).",
                days=config["PROMISE_HORIZON_DAYS"], last=horizon.isoformat())
        if previous is not None and due_date <= previous:
            fields.setdefault("instalments", _l("The dates must be in order, each after the one before."))
        previous = due_date
    if len(notes) > MAX_NOTES:
        fields["notes"] = _l("The notes are too long (at most %(n)d characters).", n=MAX_NOTES)
    if fields:
        return fields
    total = sum(amount for amount, _ in instalments)
    if total > case.balance:
        if not allow_above_balance:
            fields["total"] = _l("The total (%(total)s yen) is above the balance (%(balance)s yen).",
                                 total=f"{total:,}", balance=f"{case.balance:,}")
        elif getattr(actor, "role", None) not in MAY_ALLOW_ABOVE_BALANCE:
            fields["total"] = _l("Only a supervisor may allow a total above the balance.")
    return fields


def create_promise(case: Case, instalments: list[tuple[int, date]], actor, now: datetime,
                   allow_above_balance: bool = False, notes: str = "") -> Promise:
    """Record `actor`'s promise on `case`: `instalments` are (amount, due date) pairs, one
    for a single promise. Cancels the case's earlier pending promise, rests the case until
    the day after the deadline, clears its broken-promise flag; audited. Flushes; the caller
    commits. Raises PromiseError (nothing written) when the promise is not acceptable."""
    notes = (notes or "").strip()
    case = lock_case(case)
    fields = _check(case, instalments, actor, now, allow_above_balance, notes)
    if fields:
        raise PromiseError(_l("The promise could not be recorded."), fields)
    total = sum(amount for amount, _ in instalments)
    earlier = pending_promise(case.id, lock=True)
    promise = Promise(
        case_id=case.id, created_by_id=getattr(actor, "id", None),
        allowed_by_id=actor.id if total > case.balance else None, total_amount=total,
        first_due_date=instalments[0][1], last_due_date=instalments[-1][1],
        status=PromiseStatus.PENDING, collected=0, notes=notes, created_at=now,
    )
    for seq, (amount, due_date) in enumerate(instalments, start=1):
        promise.instalments.append(PromiseInstalment(seq=seq, amount=amount, due_date=due_date,
                                                     status=PromiseStatus.PENDING))
    db.session.add(promise)
    db.session.flush()
    if earlier is not None:
        cancel(earlier, actor, now, replaced_by=promise.id)
    case.promise_broken = False
    case.next_action_at = accounting.resume_at(promise, case.department)
    case.updated_at = now
    record(actor, "promise.create", "promise", promise.id, now, case_id=case.id, total=total,
           instalments=len(instalments), last_due_date=promise.last_due_date.isoformat(),
           above_balance=total > case.balance)
    db.session.flush()
    return promise


def cancel(promise: Promise, actor, now: datetime, replaced_by: int | None = None) -> None:
    """Cancel a pending promise and its pending instalments (audited)."""
    promise.status = PromiseStatus.CANCELLED
    promise.judged_at = now
    for instalment in promise.instalments:
        if instalment.status == PromiseStatus.PENDING:
            instalment.status = PromiseStatus.CANCELLED
            instalment.judged_at = now
    record(actor, "promise.cancel", "promise", promise.id, now, case_id=promise.case_id,
           replaced_by=replaced_by)
