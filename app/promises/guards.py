"""What a promise changes elsewhere, as receivers of `app.signals` (connected in `__init__`):

- The outbox's send-time check: no payment-reminder SMS (a rule with the unanswered-calls
  trigger) while the case has a pending promise (`promise_pending`); no promise-due reminder
  for an instalment already paid (`paid`) or whose promise was replaced (`cancelled`).
- After a call is logged on a case with a pending promise, the case keeps resting until the
  promise's deadline: the call's own next-action time (say, 3 days after a contact) must not
  bring it back to the queue early.
"""

from datetime import datetime

from app.escalation import keys
from app.escalation.models import EscalationRule, Trigger
from app.extensions import db
from app.promises import accounting
from app.promises.models import Promise, PromiseInstalment, PromiseStatus
from app.promises.services import pending_promise
from app.sms.models import SuppressReason


def promise_check(message, case, now: datetime, **_):
    """signals.sms_send_check: why a rule's message must not go because of a promise, or None."""
    if message.rule_id is None or case is None:
        return None
    trigger = db.session.scalar(
        db.select(EscalationRule.trigger).where(EscalationRule.id == message.rule_id))
    if trigger == Trigger.UNANSWERED_CALLS:
        return SuppressReason.PROMISE_PENDING if pending_promise(case.id) is not None else None
    if trigger != Trigger.PROMISE_DUE:
        return None
    instalment_id = keys.instalment_of(message.idempotency_key)
    instalment = db.session.get(PromiseInstalment, instalment_id) if instalment_id else None
    if instalment is None:
        return None
    promise = instalment.promise
    if promise.status == PromiseStatus.CANCELLED:
        return SuppressReason.CANCELLED
    if promise.status == PromiseStatus.KEPT:
        return SuppressReason.PAID
    days = accounting.day_totals([case.id], accounting.local_date(promise.created_at)).get(case.id, [])
    return SuppressReason.PAID if accounting.instalment_covered(promise, instalment, days) else None


def keep_resting(attempt, now: datetime, **_) -> None:
    """signals.call_logged: a case with a pending promise rests until the promise's deadline."""
    case = attempt.case
    promise = pending_promise(case.id)
    if promise is None:
        return
    resume = accounting.resume_at(promise, case.department)
    if case.next_action_at is None or case.next_action_at < resume:
        case.next_action_at = resume


def judge_after_payment(payment, case, now: datetime, **_) -> None:
    """signals.payment_recorded: a pending promise the money already reached is kept at once."""
    from app.promises.judge import settle_if_paid

    settle_if_paid(case, now)


def cancel_when_settled(case, now: datetime, actor=None, **_) -> None:
    """signals.case_settled: nothing is owed any more, so a promise still pending (not reached
    by the payments) is cancelled."""
    from app.promises.services import cancel

    promise = pending_promise(case.id, lock=True)
    if promise is not None:
        cancel(promise, actor, now)


def cancel_when_cases_settled(sender, case_ids, now: datetime, actor=None, **_) -> None:
    """signals.cases_settled: `cancel_when_settled` for the cases an import closed, set-based."""
    from app.promises.services import cancel

    ids = sorted(set(case_ids))
    for start in range(0, len(ids), 1000):
        pending = db.session.scalars(
            db.select(Promise).where(Promise.case_id.in_(ids[start:start + 1000]),
                                     Promise.status == PromiseStatus.PENDING)
            .order_by(Promise.id).with_for_update()).all()
        for promise in pending:
            cancel(promise, actor, now)
