"""The escalation engine: rules evaluated in the transaction of the event that triggers them.

`evaluate_after_call` runs on `signals.call_logged`, in the call's transaction;
`fire_promise_rules` is for the promises workflow (a promise falls due, or is broken).
A rule fires at most once per streak (or per promise): every firing is an EscalationFiring
row whose unique key is inserted in a SAVEPOINT, so of two concurrent transactions that
would fire the same rule on the same streak one wins and the other does nothing.

A send_sms rule whose case has no consented, usable mobile records no firing: the case
simply stays in the call queue, and if consent is given later in the same streak the next
unanswered call to a mobile sends the SMS (the streak is still at N or more, and no firing
has used it up). The moment the streak reaches N without a mobile is audited as a skip.
"""

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app import clock
from app.audit.services import record
from app.calls.models import UNANSWERED, CallDirection
from app.cases.models import Case, CaseStatus, PhoneKind
from app.escalation import keys
from app.escalation.models import Action, EscalationFiring, EscalationRule, PhoneScope, Trigger
from app.escalation.streaks import dry_run, streak_query
from app.extensions import db
from app.sms import checks, disclosure, outbox
from app.sms.models import Disclosure
from app.sms.templates import render
from app.sql import insert_once

__all__ = ["dry_run", "evaluate_after_call", "fire_promise_rules", "ESCALATED"]

log = logging.getLogger(__name__)

ESCALATED = "escalated"  # Case.hold_reason of a case a rule handed to the supervisors
NO_MOBILE = "no_consented_mobile"
NO_TEMPLATE = "no_template"
NO_FALLBACK = "no_generic_fallback"  # a personal template, an unverified phone, no fallback


def active_rules(department_id: int, trigger: Trigger) -> list[EscalationRule]:
    return list(db.session.scalars(
        select(EscalationRule).where(
            EscalationRule.department_id == department_id, EscalationRule.trigger == trigger,
            EscalationRule.active.is_(True),
        ).order_by(EscalationRule.id)
    ))


def _counts(rule: EscalationRule, attempt) -> bool:
    """Whether `attempt` itself counts towards `rule`'s streak: only such a call can fire it
    (so a call to a fixed line never makes an SMS under the mobile scope)."""
    if attempt.direction != CallDirection.OUTBOUND or attempt.outcome not in UNANSWERED:
        return False
    if rule.phone_scope == PhoneScope.MOBILE:
        return attempt.phone is not None and attempt.phone.kind == PhoneKind.MOBILE
    return True


def evaluate_after_call(attempt, now: datetime) -> list[EscalationFiring]:
    """Fire the case's department's active unanswered-call rules whose streak `attempt`
    brought to N or more (and that have not fired on this streak); return the firings."""
    case = attempt.case
    fired = []
    for rule in active_rules(case.department_id, Trigger.UNANSWERED_CALLS):
        if case.status != CaseStatus.OPEN:
            break  # an earlier rule handed it over; a held or closed case gets nothing more
        if not _counts(rule, attempt):
            continue
        if attempt.over_cap and rule.action == Action.SEND_SMS:
            continue  # a call over the attempt caps (a retried client...) never texts anyone
        row = db.session.execute(streak_query(rule, now, case_id=case.id)).first()
        if row is None:
            continue
        key = keys.firing_key(rule.id, case.id, keys.streak_occasion(row.first_call_id))
        firing = _fire(rule, case, key, now, due_date=None, audit_skip=row.streak == rule.count,
                       call_attempt_id=attempt.id)
        if firing is not None:
            fired.append(firing)
    return fired


def fire_promise_rules(trigger: Trigger, case: Case, promise_key: str, due_date: date,
                       now: datetime) -> list[EscalationFiring]:
    """Fire the active promise_due / promise_broken rules of the case's department for one
    promise (or instalment): `promise_key` names it (e.g. "promise:17:1:due"), `due_date` is
    its date ({due_date} in the message). A promise_due rule fires once its day has come,
    window_days D days before `due_date` (local date), up to the due date itself; calling
    this again (a periodic sweep) fires nothing twice."""
    if trigger not in (Trigger.PROMISE_DUE, Trigger.PROMISE_BROKEN):
        raise ValueError(f"not a promise trigger: {trigger}")
    if len(promise_key) > 120:
        raise ValueError("promise_key is too long")
    today = now.astimezone(clock.local_zone()).date()
    fired = []
    for rule in active_rules(case.department_id, trigger):
        if case.status != CaseStatus.OPEN:
            break
        if trigger == Trigger.PROMISE_DUE and not (
            due_date - timedelta(days=rule.window_days) <= today <= due_date
        ):
            continue
        key = keys.firing_key(rule.id, case.id, promise_key)
        if _firing_by_key(key) is not None:
            continue
        firing = _fire(rule, case, key, now, due_date=due_date, audit_skip=False)
        if firing is not None:
            fired.append(firing)
    return fired


def _sms_target(rule: EscalationRule, case: Case, now: datetime) -> tuple | str:
    """(phone, template, body, disclosure) for a send_sms rule, or why there is none: a
    personal template goes to a verified phone only, else the rule's generic fallback."""
    phone = checks.best_mobile(case)
    if phone is None:
        return NO_MOBILE
    template = rule.template
    body = getattr(template, "body_en" if rule.language == "en" else "body_ja", "") or ""
    if template is None or not template.active or not body.strip():
        return NO_TEMPLATE
    chosen = disclosure.choose(template, rule.fallback_template, rule.language, phone.id, now)
    if chosen is None:
        return NO_FALLBACK
    return (phone, *chosen)


def _fire(rule: EscalationRule, case: Case, key: str, now: datetime, *, due_date: date | None,
          audit_skip: bool, call_attempt_id: int | None = None) -> EscalationFiring | None:
    if rule.action == Action.SEND_SMS:
        target = _sms_target(rule, case, now)
        if isinstance(target, str):
            if target in (NO_TEMPLATE, NO_FALLBACK):
                log.warning("escalation rule %s has no usable template; case %s got no SMS",
                            rule.id, case.id)
            if audit_skip:
                record(None, "escalation.skip", "case", case.id, now, rule_id=rule.id, reason=target,
                       call_attempt_id=call_attempt_id)
            return None
        phone, template, body, text_disclosure = target
    firing = EscalationFiring(rule_id=rule.id, case_id=case.id, idempotency_key=key,
                              action=rule.action, outcome="done", fired_at=now)
    if insert_once(firing, lambda: _firing_by_key(key)) is not firing:
        return None  # a concurrent transaction fired this rule on this streak first
    if rule.action == Action.SEND_SMS:
        text = render(body, case, case.department, due_date=due_date, language=rule.language)
        not_before = now + timedelta(minutes=rule.delay_minutes) if rule.delay_minutes else None
        message = outbox.queue_sms(case, phone, text, idempotency_key=key, now=now, rule=rule,
                                   template=template, language=rule.language, not_before=not_before,
                                   disclosure=text_disclosure,
                                   fallback_template=rule.fallback_template
                                   if text_disclosure == Disclosure.PERSONAL else None)
        firing.sms_message_id = message.id
        firing.outcome = "queued"
    elif rule.action == Action.RAISE_PRIORITY:
        case.priority += rule.priority_boost
        firing.outcome = "priority_raised"
    elif rule.action == Action.HAND_TO_SUPERVISOR:
        case.status = CaseStatus.HOLD
        case.hold_reason = ESCALATED
        case.claimed_by_id = None
        case.claimed_until = None
        firing.outcome = "handed_over"
    case.updated_at = now
    db.session.flush()
    record(None, "escalation.fire", "case", case.id, now, rule_id=rule.id, firing_id=firing.id,
           rule_action=rule.action, outcome=firing.outcome, sms_message_id=firing.sms_message_id,
           call_attempt_id=call_attempt_id)
    return firing


def _firing_by_key(key: str) -> EscalationFiring | None:
    return db.session.scalar(select(EscalationFiring).where(EscalationFiring.idempotency_key == key))
