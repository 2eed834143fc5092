"""The payment lag: payments reach the city up to two weeks late (コンビニ収納's 速報/確報, 口座振替),
so a case that had a payment lately must not get a payment reminder yet.

"Lately" is a payment of any kind dated within the last PAYMENT_LAG_DAYS local days, today
included: with 14, a payment dated 14 days ago still counts, one 15 days ago does not; 0 turns
the guard off. The payment's date (`paid_on`) counts, not the day the app learned of it. The
SMS check that applies it to payment-reminder messages lives with the rules that send them
(app.escalation.guards), since payments know nothing of SMS.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.payments.models import Payment


def lag_days() -> int:
    return int(current_app.config["PAYMENT_LAG_DAYS"])


def recent_payment(case_id: int, now: datetime) -> bool:
    """Whether the case has a payment dated within the last PAYMENT_LAG_DAYS local days."""
    days = lag_days()
    if days <= 0:
        return False
    since = now.astimezone(clock.local_zone()).date() - timedelta(days=days)
    found = db.session.scalar(select(Payment.id).where(Payment.case_id == case_id,
                                                       Payment.paid_on >= since).limit(1))
    return found is not None
