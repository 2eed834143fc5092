"""Plugs promises into the SMS outbox and the call log (idempotent: create_app may run often).

- The outbox's send-time check: no payment-reminder SMS (a rule with the unanswered-calls
  trigger) while the case has a pending promise (`promise_pending`); no promise-due reminder
  for an instalment already paid (`paid`) or whose promise was replaced (`cancelled`).
- After a call is logged on a case with a pending promise, the case keeps resting until the
  promise's deadline: the call's own next-action time (say, 3 days after a contact) must not
  bring it back to the queue early.
"""

import re
from datetime import datetime

from app.calls.services import AFTER_CALL_LOGGED
from app.escalation.models import EscalationRule, Trigger
from app.extensions import db
from app.promises import accounting
from app.promises.models import PromiseInstalment, PromiseStatus
from app.promises.services import pending_promise
from app.sms import outbox
from app.sms.models import SuppressReason

# The key a promise-due firing gives its message: "rule:<r>:case:<c>:instalment:<id>".
_INSTALMENT_KEY = re.compile(r":instalment:(\d+)$")


def instalment_key(instalment_id: int) -> str:
    """The promise_key of an instalment's due reminder (see `reminders`)."""
    return f"instalment:{instalment_id}"


def promise_check(message, case, now: datetime):
    """outbox.EXTRA_CHECKS: why a rule's message must not go because of a promise, or None."""
    if message.rule_id is None or case is None:
        return None
    trigger = db.session.scalar(
        db.select(EscalationRule.trigger).where(EscalationRule.id == message.rule_id))
    if trigger == Trigger.UNANSWERED_CALLS:
        return SuppressReason.PROMISE_PENDING if pending_promise(case.id) is not None else None
    if trigger != Trigger.PROMISE_DUE:
        return None
    match = _INSTALMENT_KEY.search(message.idempotency_key or "")
    instalment = db.session.get(PromiseInstalment, int(match.group(1))) if match else None
    if instalment is None:
        return None
    promise = instalment.promise
    if promise.status == PromiseStatus.CANCELLED:
        return SuppressReason.CANCELLED
    if promise.status == PromiseStatus.KEPT:
        return SuppressReason.PAID
    days = accounting.day_totals([case.id], accounting.local_date(promise.created_at)).get(case.id, [])
    return SuppressReason.PAID if accounting.instalment_covered(promise, instalment, days) else None


def keep_resting(attempt, now: datetime) -> None:
    """AFTER_CALL_LOGGED: a case with a pending promise rests until the promise's deadline."""
    case = attempt.case
    promise = pending_promise(case.id)
    if promise is None:
        return
    resume = accounting.resume_at(promise, case.department)
    if case.next_action_at is None or case.next_action_at < resume:
        case.next_action_at = resume


def init_app(app) -> None:
    if promise_check not in outbox.EXTRA_CHECKS:
        outbox.EXTRA_CHECKS.append(promise_check)
    if keep_resting not in AFTER_CALL_LOGGED:
        AFTER_CALL_LOGGED.append(keep_resting)
