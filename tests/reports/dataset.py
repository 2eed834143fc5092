"""A small hand-built month (November 2026, Asia/Tokyo) whose KPIs are worked out by hand in
test_kpis.py. Rows are inserted directly (ORM), not through the services, so the report is
tested against exactly these rows. Comments give each row's part in the answers."""

import itertools
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.calls.models import CallAttempt
from app.escalation.models import EscalationRule, Trigger
from app.extensions import db
from app.payments.models import Payment
from app.promises.models import Promise, PromiseInstalment
from app.sms.models import SmsMessage
from tests import factories as f

JST = ZoneInfo("Asia/Tokyo")
START, END = date(2026, 11, 1), date(2026, 11, 30)
_keys = itertools.count(1)


def jst(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0, year: int = 2026):
    return datetime(year, month, day, hour, minute, second, tzinfo=JST)


def call(case, user, outcome, at, direction="outbound"):
    db.session.add(CallAttempt(case_id=case.id, phone_id=case.taxpayer.phones[0].id, user_id=user.id,
                               direction=direction, outcome=outcome, at=at))


def sms(case, status, created, *, sent=None, delivered=None, reason=None, rule=None, segments=1):
    n = next(_keys)
    db.session.add(SmsMessage(
        department_id=case.department_id, case_id=case.id, phone_id=case.taxpayer.phones[0].id,
        rule_id=rule.id if rule else None, idempotency_key=f"test:{n}", client_ref=f"ref{n}",
        to_e164="+819012345678", sender="TAX", text="【税務課】", encoding="ucs2", segments=segments,
        cost=10.0 * segments, status=status, reason=reason, created_at=created, updated_at=created,
        sent_at=sent, delivered_at=delivered,
    ))


def promise(case, user, total, created, status="pending", judged=None, collected=0):
    p = Promise(case_id=case.id, created_by_id=user.id, total_amount=total,
                first_due_date=created.date(), last_due_date=created.date(), status=status,
                collected=collected, created_at=created, judged_at=judged)
    p.instalments.append(PromiseInstalment(seq=1, amount=total, due_date=created.date(), status=status))
    db.session.add(p)


def payment(case, amount, paid_on):
    n = next(_keys)
    db.session.add(Payment(payment_ref=f"P{n}", case_id=case.id, amount=amount, paid_on=paid_on,
                           created_at=f.WORKDAY_MORNING))


def build() -> SimpleNamespace:
    tax, water = f.department("TAX", name="税務課"), f.department("WATER", name="上下水道課")
    op1, op2 = f.user("op1", "operator", tax), f.user("op2", "operator", tax)
    op3 = f.user("op3", "operator", water)
    sup, mgr = f.user("sup", "supervisor", tax), f.user("mgr", "manager")
    t1, t2, t3, t4, t5 = (f.case(tax) for _ in range(5))
    w1, w2 = f.case(water), f.case(water)
    unanswered = {d.id: db.session.scalar(select(EscalationRule).where(
        EscalationRule.department_id == d.id, EscalationRule.trigger == Trigger.UNANSWERED_CALLS))
        for d in (tax, water)}
    due_rule = EscalationRule(department_id=tax.id, name="due", trigger=Trigger.PROMISE_DUE,
                              created_at=f.WORKDAY_MORNING, updated_at=f.WORKDAY_MORNING)
    db.session.add(due_rule)
    db.session.flush()
    r_tax, r_water = unanswered[tax.id], unanswered[water.id]

    # Calls. TAX op1: 6 outbound (3 contacts, 2 right-party); op2: 3 outbound (2 contacts,
    # 2 right-party) and 1 inbound. WATER op3: 2 outbound (1 contact, right-party).
    call(t1, op1, "no_answer", jst(10, 31, 23, 59))  # out: 23:59 local on Oct 31
    call(t1, op1, "no_answer", jst(11, 1, 0, 0))  # in: the first local instant
    call(t1, op1, "no_answer", jst(11, 2))
    call(t1, op1, "answered", jst(11, 3))
    call(t2, op1, "third_party", jst(11, 3, 11))
    call(t3, op1, "answered", jst(11, 10))
    call(t3, op1, "busy", jst(11, 30, 23, 59, 59))  # in: the last local second
    call(t2, op2, "answered", jst(11, 5))
    call(t4, op2, "voicemail", jst(11, 5, 11))
    call(t4, op2, "answered", jst(11, 6), direction="inbound")
    call(t4, op2, "answered", jst(11, 28))
    call(t2, op2, "answered", jst(12, 1, 0, 0))  # out: midnight starting Dec 1
    call(w1, op3, "answered", jst(11, 10))
    call(w2, op3, "no_answer", jst(11, 10, 11))

    # SMS (by creation in the period; deliveries by local day).
    sms(t1, "delivered", jst(11, 2, 10, 1), sent=jst(11, 2, 10, 1), delivered=jst(11, 2, 10, 2),
        rule=r_tax, segments=2)
    sms(t3, "suppressed", jst(11, 5, 12), reason="paid", rule=r_tax)
    sms(t4, "failed", jst(11, 6), sent=jst(11, 6), rule=r_tax)
    sms(t2, "suppressed", jst(11, 7), reason="opted_out")  # by hand, no rule
    sms(t5, "delivered", jst(11, 20), sent=jst(11, 20), delivered=jst(11, 20, 10, 1), rule=due_rule)
    # Created and sent on Oct 31 (out of the cohort), delivered on Nov 1 (in the day series).
    sms(t1, "delivered", jst(10, 31, 23, 50), sent=jst(10, 31, 23, 50), delivered=jst(11, 1, 0, 10),
        rule=r_tax)
    sms(t3, "queued", jst(11, 25), rule=r_tax)
    sms(t3, "unknown", jst(11, 26), reason="no_provider_answer", rule=r_tax)
    # 08:30 local on Nov 20 is Nov 19 in UTC: the reminder's day is the 20th.
    sms(t3, "delivered", jst(11, 20, 8, 30), sent=jst(11, 20, 8, 30), delivered=jst(11, 20, 8, 31),
        rule=r_tax)
    sms(w2, "delivered", jst(11, 10, 11, 1), sent=jst(11, 10, 11, 1), delivered=jst(11, 10, 11, 2),
        rule=r_water)

    # Promises: made in the period, or judged in it.
    promise(t1, op1, 30000, jst(11, 3, 10, 5), "kept", jst(11, 15), 30000)
    promise(t2, op2, 20000, jst(11, 5, 10, 5), "broken", jst(11, 20), 0)
    promise(t2, op1, 10000, jst(10, 20), "partially_kept", jst(11, 1, 0, 0), 5000)  # judged at 00:00
    promise(t4, op2, 15000, jst(11, 28, 10, 5))  # pending
    promise(t5, op1, 5000, jst(10, 1), "kept", jst(10, 31, 23, 59), 5000)  # judged before
    promise(t3, op1, 8000, jst(11, 10, 10, 5), "cancelled", jst(11, 12))  # made, never judged
    promise(w1, op3, 12000, jst(11, 10, 10, 5), "kept", jst(11, 25), 12000)

    # Payments, by paid_on.
    payment(t1, 30000, date(2026, 11, 10))  # 8 days after t1's reminder: within 14, not 7
    payment(t3, 50000, date(2026, 11, 27))  # 7 days after t3's reminder (local day): within 7
    payment(t2, 5000, date(2026, 10, 31))  # out
    payment(t2, 4000, date(2026, 11, 17))  # 14 days after t2's first call: within 14
    payment(t4, 1000, date(2026, 12, 1))  # out
    payment(t5, 2000, date(2026, 11, 30))  # in: the last day
    payment(w1, 12000, date(2026, 11, 15))  # 5 days after w1's first call
    t3.paid_in_full_at = jst(11, 27, 9)
    t5.paid_in_full_at = jst(11, 1, 0, 0)  # in
    t1.paid_in_full_at = jst(12, 1, 0, 0)  # out
    w1.paid_in_full_at = jst(11, 15, 9)
    db.session.commit()
    return SimpleNamespace(tax=tax, water=water, op1=op1, op2=op2, op3=op3, sup=sup, mgr=mgr)
