"""Plugs payments into the SMS outbox: the payment lag guard (idempotent: create_app may run often).

Payments reach the city up to two weeks late (コンビニ収納's 速報/確報, 口座振替), and a reminder
that reaches someone who has just paid is the most common complaint against dunning tools. So
while a case had a payment of any kind dated within the last PAYMENT_LAG_DAYS days (today
included: with 14, a payment dated 14 days ago still counts, one 15 days ago does not), its
payment-reminder SMS (messages of rules with the unanswered-calls trigger) are suppressed at
send time with reason `recent_payment`. Promise-due reminders and other messages are not
affected: a promise's reminder is judged on the promise's own payments (app.promises.hooks).
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.escalation.models import EscalationRule, Trigger
from app.extensions import db
from app.payments.models import Payment
from app.promises.accounting import local_today
from app.sms import outbox
from app.sms.models import SuppressReason


def lag_days() -> int:
    return int(current_app.config["PAYMENT_LAG_DAYS"])


def recent_payment_on(case_id: int, now: datetime) -> bool:
    """Whether the case has a payment dated within the last PAYMENT_LAG_DAYS local days."""
    days = lag_days()
    if days <= 0:
        return False
    since = local_today(now) - timedelta(days=days)
    found = db.session.scalar(select(Payment.id).where(Payment.case_id == case_id,
                                                       Payment.paid_on >= since).limit(1))
    return found is not None


def payment_lag_check(message, case, now: datetime):
    """outbox.EXTRA_CHECKS: `recent_payment` for a payment-reminder SMS of a case paid lately."""
    if message.rule_id is None or case is None:
        return None
    trigger = db.session.scalar(select(EscalationRule.trigger).where(EscalationRule.id == message.rule_id))
    if trigger != Trigger.UNANSWERED_CALLS:
        return None
    return SuppressReason.RECENT_PAYMENT if recent_payment_on(case.id, now) else None


def init_app(app) -> None:
    if payment_lag_check not in outbox.EXTRA_CHECKS:
        outbox.EXTRA_CHECKS.append(payment_lag_check)
