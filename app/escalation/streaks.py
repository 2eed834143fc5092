"""Unanswered-call streaks in SQL: one definition serves the engine (one case, right after a
call) and the dry run (every open case of a department, a million of them: never a row
loaded into Python).

A case's streak for a rule is the number of its outbound unanswered calls (no_answer, busy,
voicemail) within the rule's window of D days, after its last right-party contact (an
`answered` call, either direction) and after the rule last fired on the case. With the
mobile scope only calls to a mobile count. Other outcomes (third party, wrong or invalid
number, a fixed line under the mobile scope) neither count nor break the streak: nobody
with whom the debt could be discussed was reached.
"""

from datetime import datetime, timedelta

from sqlalchemy import Select, exists, func, literal, select

from app.calls.models import UNANSWERED, CallAttempt, CallDirection, CallOutcome
from app.cases.consent import may_text_clause
from app.cases.models import Case, CaseStatus, Phone, PhoneKind
from app.db_types import UTCDateTime
from app.escalation.models import Action, EscalationFiring, PhoneScope, Trigger
from app.extensions import db


def streak_query(rule, now: datetime, *, case_id: int | None = None,
                 department_id: int | None = None) -> Select:
    """Rows (case_id, streak, first_call_id) of the cases whose streak for `rule` (anything
    with trigger/count/window_days/phone_scope and an `id`, None when not saved) has reached
    its count; limited to one case or to the open cases of one department.

    Plain aggregates joined by hash, no window function: the last contact per case and the
    rule's last firing per case are each a GROUP BY, then the counted calls after both are
    counted per case (a window over every call of the window sorted by case spilled to disk
    on a million cases and took twice as long)."""
    since = literal(now - timedelta(days=rule.window_days), UTCDateTime())
    in_window = (CallAttempt.at > since, CallAttempt.at <= literal(now, UTCDateTime()))
    contacts = _scoped(
        select(CallAttempt.case_id, func.max(CallAttempt.at).label("contact_at"))
        .where(*in_window, CallAttempt.outcome == CallOutcome.ANSWERED),
        CallAttempt.case_id, case_id, department_id,
    ).group_by(CallAttempt.case_id).subquery()
    stmt = (
        select(CallAttempt.case_id, func.count().label("streak"),
               func.min(CallAttempt.id).label("first_call_id"))
        .outerjoin(contacts, contacts.c.case_id == CallAttempt.case_id)
        .where(*in_window, CallAttempt.direction == CallDirection.OUTBOUND,
               CallAttempt.outcome.in_(sorted(UNANSWERED)),
               CallAttempt.at > func.coalesce(contacts.c.contact_at, since))
    )
    if rule.phone_scope == PhoneScope.MOBILE:
        stmt = stmt.join(Phone, Phone.id == CallAttempt.phone_id).where(Phone.kind == PhoneKind.MOBILE)
    if rule.id is not None:
        fired = _scoped(
            select(EscalationFiring.case_id, func.max(EscalationFiring.fired_at).label("fired_at"))
            .where(EscalationFiring.rule_id == rule.id),
            EscalationFiring.case_id, case_id, department_id,
        ).group_by(EscalationFiring.case_id).subquery()
        stmt = stmt.outerjoin(fired, fired.c.case_id == CallAttempt.case_id).where(
            CallAttempt.at > func.coalesce(fired.c.fired_at, since))
    stmt = _scoped(stmt, CallAttempt.case_id, case_id, department_id)
    return stmt.group_by(CallAttempt.case_id).having(func.count() >= rule.count)


def _scoped(stmt: Select, case_id_column, case_id: int | None, department_id: int | None) -> Select:
    if case_id is not None:
        stmt = stmt.where(case_id_column == case_id)
    if department_id is not None:
        stmt = stmt.join(Case, Case.id == case_id_column).where(
            Case.department_id == department_id, Case.status == CaseStatus.OPEN)
    return stmt


def has_consented_mobile():
    """EXISTS: the outer query's case has a mobile that may receive an SMS (checks.best_mobile)."""
    return exists(select(Phone.id).where(
        Phone.taxpayer_id == Case.taxpayer_id, Phone.kind == PhoneKind.MOBILE, Phone.usable.is_(True),
        may_text_clause(Phone.id, Case.department_id),
    ))


def dry_run(department, settings, now: datetime) -> int | None:
    """How many of `department`'s open cases the rule `settings` (saved or not) matches now:
    their streak has reached N (for send_sms: and they have a consented, usable mobile).
    None for the promise triggers, which match promises, not call histories."""
    if settings.trigger != Trigger.UNANSWERED_CALLS:
        return None
    streaks = streak_query(settings, now, department_id=department.id).subquery()
    stmt = select(func.count()).select_from(streaks)
    if settings.action == Action.SEND_SMS:
        stmt = stmt.join(Case, Case.id == streaks.c.case_id).where(has_consented_mobile())
    return db.session.scalar(stmt)
