"""Did the reminder SMS help? Cases reminded in the period against cases called but not
reminded, by the share that paid within 7 and 14 days of their day 0 (see the footnotes)."""

from datetime import timedelta

from sqlalchemy import and_, exists, func, literal, or_, select, union_all

from app.calls.models import CallAttempt, CallDirection
from app.cases.models import Case
from app.escalation.models import EscalationRule, Trigger
from app.extensions import db
from app.payments.models import Payment
from app.reports.periods import Period, add_days, local_day, rate
from app.sms.models import SmsMessage

PAID_WITHIN_DAYS = (7, 14)


def reminder_effect(period: Period, department_id: int | None) -> dict:
    """Cases that got a reminder SMS in the period against cases called but not reminded:
    the share with a payment from the anchor's local day through N days after it."""
    m = SmsMessage
    reminded = (
        select(m.case_id.label("case_id"), func.min(m.sent_at).label("t0"))
        .outerjoin(EscalationRule, EscalationRule.id == m.rule_id)
        .where(period.contains(m.sent_at), m.case_id.is_not(None),
               or_(EscalationRule.trigger.is_(None), EscalationRule.trigger != Trigger.PROMISE_DUE))
        .group_by(m.case_id)
    )
    called = (
        select(CallAttempt.case_id.label("case_id"), func.min(CallAttempt.at).label("t0"))
        .where(period.contains(CallAttempt.at), CallAttempt.direction == CallDirection.OUTBOUND)
        .group_by(CallAttempt.case_id)
    )
    if department_id is not None:  # all departments: no join with the cases at all
        reminded = reminded.where(m.department_id == department_id)
        called = called.join(Case, Case.id == CallAttempt.case_id).where(Case.department_id == department_id)
    reminded = reminded.cte("reminded")
    called = called.subquery("called")
    compared = select(called.c.case_id, called.c.t0).where(
        ~exists().where(reminded.c.case_id == called.c.case_id)
    ).subquery("compared")
    anchors = union_all(
        select(literal("reminded").label("grp"), reminded.c.case_id, reminded.c.t0),
        select(literal("comparison").label("grp"), compared.c.case_id, compared.c.t0),
    ).subquery("anchors")
    # Each case's first payment from its day 0 through day 14 (one join, not a look-up per case);
    # the constant bounds let the planner take only the period's payments.
    d0 = local_day(anchors.c.t0, period)
    longest = max(PAID_WITHIN_DAYS)
    first_paid = (
        select(anchors.c.grp, d0.label("d0"), func.min(Payment.paid_on).label("first_paid"))
        .select_from(anchors)
        .outerjoin(Payment, and_(Payment.case_id == anchors.c.case_id, Payment.paid_on >= d0,
                                 Payment.paid_on <= add_days(d0, longest), Payment.paid_on >= period.start,
                                 Payment.paid_on <= period.end + timedelta(days=longest)))
        .group_by(anchors.c.grp, anchors.c.case_id, anchors.c.t0)
    ).subquery("first_paid")
    within = {n: first_paid.c.first_paid <= add_days(first_paid.c.d0, n) for n in PAID_WITHIN_DAYS}
    rows = db.session.execute(
        select(first_paid.c.grp, func.count().label("cases"),
               *(func.count().filter(cond).label(f"paid_{n}d") for n, cond in within.items()))
        .group_by(first_paid.c.grp)
    ).all()
    found = {r.grp: r for r in rows}
    result = {}
    for grp in ("reminded", "comparison"):
        row = found.get(grp)
        cases = row.cases if row else 0
        result[grp] = {"cases": cases}
        for n in PAID_WITHIN_DAYS:
            paid = getattr(row, f"paid_{n}d") if row else 0
            result[grp][f"paid_{n}d"] = paid
            result[grp][f"share_{n}d"] = rate(paid, cases)
    return result
