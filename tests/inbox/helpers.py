"""One citizen owing two departments (TAX and WATER: one taxpayer, one mobile, two cases), and
replies as Vonage's inbound webhook sends them."""

import itertools
from datetime import timedelta

from app.cases.models import Case
from app.extensions import db
from app.sms.receipts import handle_inbound
from tests import factories as f

NOW = f.WORKDAY_MORNING
MOBILE = "+819012345678"
_ids = itertools.count(1)


def two_departments():
    """(tax, water, tax_case, water_case): the same taxpayer and mobile in both departments."""
    tax, water = f.department("TAX", name="税務課"), f.department("WATER", name="上下水道課")
    tax_case = f.case(tax, phones=((MOBILE, "mobile", True),))
    water_case = Case(case_ref=f"W-{tax_case.id}", taxpayer=tax_case.taxpayer, department=water,
                      balance=8000, oldest_due_date=tax_case.oldest_due_date, created_at=NOW, updated_at=NOW)
    db.session.add(water_case)
    f.set_consent(tax_case.taxpayer.phones[0], water.id, commit=False)  # consent is per department
    db.session.commit()
    return tax, water, tax_case, water_case


def reply_params(text: str, to: str, msisdn: str = MOBILE) -> dict:
    return {"msisdn": msisdn.removeprefix("+"), "to": to, "messageId": f"IN-REPLY-{next(_ids)}",
            "text": text, "type": "unicode", "message-timestamp": "2026-11-16 01:00:30"}


def reply(text: str, to: str, msisdn: str = MOBILE, now=NOW):
    """Store a reply through the webhook's own code and commit."""
    row = handle_inbound(reply_params(text, to, msisdn), now)
    db.session.commit()
    return row


def days(n: float) -> timedelta:
    return timedelta(days=n)
