"""The send-time checks of the rules' own messages, as receivers of `app.signals.sms_send_check`
(connected in `__init__`).

- The payment lag guard (issue 9): no payment-reminder SMS (a rule with the unanswered-calls
  trigger) while the case had a payment within PAYMENT_LAG_DAYS (`recent_payment`; see
  app.payments.lag). Promise-due reminders are not affected: app.promises.guards judges them on
  the promise's own payments.
"""

from datetime import datetime

from sqlalchemy import select

from app.escalation.models import EscalationRule, Trigger
from app.extensions import db
from app.payments.lag import recent_payment
from app.sms.models import SuppressReason


def payment_lag_check(message, case=None, now: datetime | None = None, **_):
    """signals.sms_send_check: `recent_payment` for a payment reminder of a case paid lately."""
    if message.rule_id is None or case is None:
        return None
    trigger = db.session.scalar(select(EscalationRule.trigger).where(EscalationRule.id == message.rule_id))
    if trigger != Trigger.UNANSWERED_CALLS:
        return None
    return SuppressReason.RECENT_PAYMENT if recent_payment(case.id, now) else None
