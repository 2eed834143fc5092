"""The revenue department's KPIs, computed by SQL aggregates (never row by row in Python).

`summary()` runs about ten grouped queries; Python only adds up their grouped rows (at most a
row per day or per operator). The definitions are the footnotes of app.reports.kpi_table, one per KPI.

Scope: the department filter applies to everything (through the case's or the message's
department). The operator filter applies to calls and promises only (the things an operator
does); SMS, payments, cases paid in full and the reminder comparison stay department-wide.
"""

from datetime import date

from sqlalchemy import and_, func, or_, select

from app.auth.models import Department, User
from app.calls.models import CallAttempt, CallDirection, CallOutcome
from app.cases.models import Case
from app.clock import local_zone
from app.escalation.models import EscalationRule, Trigger
from app.extensions import db
from app.payments.models import Payment, PaymentKind, signed_amount
from app.promises.models import Promise, PromiseStatus
from app.reports.periods import Period, as_date, local_day, rate, roomy_work_mem
from app.reports.reminders import reminder_effect
from app.sms.models import PENDING_STATUSES, SmsMessage, SmsStatus

CONTACTS = (CallOutcome.ANSWERED, CallOutcome.THIRD_PARTY)
SMS_FAILURES = (SmsStatus.FAILED, SmsStatus.EXPIRED, SmsStatus.REJECTED)
JUDGED = (PromiseStatus.KEPT, PromiseStatus.PARTIALLY_KEPT, PromiseStatus.BROKEN)


def summary(start: date, end: date, department_id: int | None, operator_id: int | None) -> dict:
    """Every KPI of the report for the local days start..end (inclusive), one department (or
    all with None) and optionally one operator; plain JSON-able values."""
    period = Period(start, end, local_zone())
    roomy_work_mem()
    calls, daily_calls = _calls(period, department_id, operator_id)
    sms, daily_delivered = _sms(period, department_id)
    promises = _promises(period, department_id, operator_id)
    payments, daily_payments = _payments(period, department_id)
    promises["promise_rate"] = rate(promises["made"], calls["right_party_contacts"])
    daily = [
        {"date": day.isoformat(), "attempts": daily_calls.get(day, {}).get("attempts", 0),
         "contacts": daily_calls.get(day, {}).get("contacts", 0),
         "sms_delivered": daily_delivered.get(day, 0), "payments": daily_payments.get(day, 0)}
        for day in period.days
    ]
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat(), "timezone": period.zone.key},
        "department": _department(department_id),
        "operator": _operator(operator_id),
        "calls": calls,
        "sms": sms,
        "promises": promises,
        "payments": payments,
        "reminder_effect": reminder_effect(period, department_id),
        "operators": _per_operator(period, department_id, operator_id),
        "daily": daily,
        "promise_outcomes": {k: promises[k] for k in ("kept", "partially_kept", "broken")},
    }


def _department(department_id: int | None) -> dict | None:
    if department_id is None:
        return None
    dept = db.session.get(Department, department_id)
    return {"id": dept.id, "code": dept.code, "name": dept.name}


def _operator(operator_id: int | None) -> dict | None:
    if operator_id is None:
        return None
    user = db.session.get(User, operator_id)
    return {"id": user.id, "login": user.login, "name": user.display_name}


def _calls_in(period: Period, department_id: int | None, operator_id: int | None, stmt):
    stmt = stmt.where(period.contains(CallAttempt.at))
    if department_id is not None:
        stmt = stmt.join(Case, Case.id == CallAttempt.case_id).where(Case.department_id == department_id)
    if operator_id is not None:
        stmt = stmt.where(CallAttempt.user_id == operator_id)
    return stmt


def _call_counts():
    outbound = CallAttempt.direction == CallDirection.OUTBOUND
    return (
        func.count().filter(outbound).label("attempts"),
        func.count().filter(outbound & CallAttempt.outcome.in_(CONTACTS)).label("contacts"),
        func.count().filter(outbound & (CallAttempt.outcome == CallOutcome.ANSWERED)).label("rpc"),
    )


def _calls(period: Period, department_id, operator_id) -> tuple[dict, dict]:
    """Calls by local day (one scan); the totals are the sum of the days."""
    day = local_day(CallAttempt.at, period)
    stmt = select(day.label("day"), *_call_counts(),
                  func.count().filter(CallAttempt.direction == CallDirection.INBOUND).label("inbound"))
    rows = db.session.execute(_calls_in(period, department_id, operator_id, stmt).group_by(day)).all()
    daily = {as_date(r.day): {"attempts": r.attempts, "contacts": r.contacts} for r in rows}
    attempts, contacts = sum(r.attempts for r in rows), sum(r.contacts for r in rows)
    rpc = sum(r.rpc for r in rows)
    return {
        "attempts": attempts, "inbound": sum(r.inbound for r in rows),
        "contacts": contacts, "contact_rate": rate(contacts, attempts),
        "right_party_contacts": rpc, "right_party_contact_rate": rate(rpc, attempts),
    }, daily


def _sms(period: Period, department_id: int | None) -> tuple[dict, dict]:
    """Messages created in the period, by their status now; deliveries by local day."""
    m = SmsMessage
    in_scope = [period.contains(m.created_at)]
    if department_id is not None:
        in_scope.append(m.department_id == department_id)
    sent = m.sent_at.is_not(None)
    replaced = and_(EscalationRule.trigger == Trigger.UNANSWERED_CALLS, m.status != SmsStatus.SUPPRESSED)
    totals = db.session.execute(
        select(
            func.count().label("created"),
            func.count().filter(sent).label("sent"),
            func.count().filter(m.status == SmsStatus.DELIVERED).label("delivered"),
            func.count().filter(m.status.in_(SMS_FAILURES)).label("failed"),
            func.count().filter(m.status.in_(PENDING_STATUSES)).label("pending"),
            func.count().filter(m.status == SmsStatus.UNKNOWN).label("unknown"),
            func.count().filter(m.status == SmsStatus.SUPPRESSED).label("suppressed"),
            func.count().filter(replaced).label("replaced"),
            func.coalesce(func.sum(m.segments).filter(sent), 0).label("segments"),
            func.coalesce(func.sum(m.cost).filter(sent), 0).label("cost"),
        ).select_from(m).outerjoin(EscalationRule, EscalationRule.id == m.rule_id).where(*in_scope)
    ).one()
    reasons = db.session.execute(
        select(func.coalesce(m.reason, ""), func.count())
        .where(*in_scope, m.status == SmsStatus.SUPPRESSED).group_by(m.reason).order_by(m.reason)
    ).all()
    day = local_day(m.delivered_at, period)
    delivered = select(day.label("day"), func.count().label("n")).where(period.contains(m.delivered_at))
    if department_id is not None:
        delivered = delivered.where(m.department_id == department_id)
    daily = {as_date(r.day): r.n for r in db.session.execute(delivered.group_by(day))}
    return {
        "created": totals.created, "sent": totals.sent, "delivered": totals.delivered,
        "failed": totals.failed, "pending": totals.pending, "unknown": totals.unknown,
        "suppressed": totals.suppressed,
        "suppressed_by_reason": {reason or "other": n for reason, n in reasons},
        "delivery_rate": rate(totals.delivered, totals.sent),
        "segments": int(totals.segments), "cost": round(float(totals.cost), 2),
        "replaced_calls": totals.replaced,
    }, daily


def _promise_conditions(period: Period):
    made = period.contains(Promise.created_at)
    judged = period.contains(Promise.judged_at) & Promise.status.in_(JUDGED)
    return made, judged


def _promises_in(stmt, department_id, operator_id):
    if department_id is not None:
        stmt = stmt.join(Case, Case.id == Promise.case_id).where(Case.department_id == department_id)
    if operator_id is not None:
        stmt = stmt.where(Promise.created_by_id == operator_id)
    return stmt


def _promises(period: Period, department_id, operator_id) -> dict:
    """Promises made in the period, and promises judged in the period (by their judgement)."""
    made, judged = _promise_conditions(period)
    stmt = select(
        func.count().filter(made).label("made"),
        func.coalesce(func.sum(Promise.total_amount).filter(made), 0).label("promised"),
        func.count().filter(judged).label("judged"),
        *(func.count().filter(judged & (Promise.status == s)).label(s) for s in JUDGED),
        func.coalesce(func.sum(Promise.collected).filter(judged), 0).label("collected"),
    ).where(or_(made, judged))
    row = db.session.execute(_promises_in(stmt, department_id, operator_id)).one()
    return {
        "made": row.made, "judged": row.judged, "kept": row.kept,
        "partially_kept": row.partially_kept, "broken": row.broken,
        "kept_rate": rate(row.kept, row.judged),
        "amount_promised": int(row.promised), "amount_collected": int(row.collected),
    }


def _payments(period: Period, department_id: int | None) -> tuple[dict, dict]:
    """Payments by the day they were paid (paid_on), and cases paid in full in the period."""
    # A reversal (a returned debit) takes its amount back out of the day it is dated.
    stmt = select(Payment.paid_on, func.count().filter(Payment.kind != PaymentKind.REVERSAL).label("n"),
                  func.sum(signed_amount()).label("amount"))
    stmt = stmt.where(period.contains_day(Payment.paid_on)).group_by(Payment.paid_on)
    full = select(func.count()).select_from(Case).where(period.contains(Case.paid_in_full_at))
    if department_id is not None:
        stmt = stmt.join(Case, Case.id == Payment.case_id).where(Case.department_id == department_id)
        full = full.where(Case.department_id == department_id)
    rows = db.session.execute(stmt).all()
    return {
        "collected": int(sum(r.amount for r in rows)), "count": sum(r.n for r in rows),
        "cases_paid_in_full": db.session.scalar(full),
    }, {as_date(r.paid_on): int(r.amount) for r in rows}


def _per_operator(period: Period, department_id, operator_id) -> list[dict]:
    """Attempts and contacts (calls) and promises made/judged/kept, grouped by the user."""
    calls = db.session.execute(
        _calls_in(period, department_id, operator_id,
                  select(CallAttempt.user_id, *_call_counts())).group_by(CallAttempt.user_id)
    ).all()
    made, judged = _promise_conditions(period)
    promises = db.session.execute(
        _promises_in(select(Promise.created_by_id, func.count().filter(made).label("made"),
                            func.count().filter(judged).label("judged"),
                            func.count().filter(judged & (Promise.status == PromiseStatus.KEPT))
                            .label("kept")).where(or_(made, judged)),
                     department_id, operator_id).group_by(Promise.created_by_id)
    ).all()
    by_user: dict = {}
    for r in calls:
        by_user[r.user_id] = {"attempts": r.attempts, "contacts": r.contacts, "right_party_contacts": r.rpc}
    for r in promises:
        by_user.setdefault(r.created_by_id, {}).update(promises=r.made, judged=r.judged, kept=r.kept)
    ids = [uid for uid in by_user if uid is not None]
    users = {u.id: u for u in db.session.execute(
        select(User.id, User.login, User.display_name).where(User.id.in_(ids)))} if ids else {}
    result = []
    for uid, counts in by_user.items():
        user = users.get(uid)
        row = {"id": uid, "login": user.login if user else None, "name": user.display_name if user else None}
        for key in ("attempts", "contacts", "right_party_contacts", "promises", "judged", "kept"):
            row[key] = counts.get(key, 0)
        row["kept_rate"] = rate(row["kept"], row["judged"])
        result.append(row)
    return sorted(result, key=lambda r: (r["login"] is None, r["login"] or ""))

