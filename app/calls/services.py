"""Logging a call: the attempt row, unusable phones, the over-cap flag and the next-action time.

A call that happened is always logged, even over the attempt caps, outside calling hours
or without a claim: caps govern what the queue offers, not what may be recorded.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app import clock, signals
from app.audit.services import record
from app.auth.calendar import local_day_start, next_allowed
from app.calls.models import MARKS_PHONE_UNUSABLE, UNANSWERED, CallAttempt, CallDirection, CallOutcome
from app.cases.models import Case, Phone, PhoneKind
from app.extensions import db
from app.sql import insert_once

WEEK = timedelta(days=7)
CONTACTED = frozenset({CallOutcome.ANSWERED, CallOutcome.THIRD_PARTY})

class CallError(ValueError):
    """A call that cannot be logged as given; `fields` maps field names to reasons."""

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.fields = fields or {}


def call_by_submission_key(key: str | None) -> CallAttempt | None:
    if not key:
        return None
    return db.session.scalar(select(CallAttempt).where(CallAttempt.submission_key == key))


def log_call(
    case: Case, phone: Phone | None, outcome: str, direction: str, notes: str | None, actor,
    now: datetime, submission_key: str | None = None, identity_verified: bool = False,
) -> CallAttempt:
    """Record one call on `case` and return it; a `submission_key` seen before returns the
    call it logged then, so a double-submitted form or a retried API request logs one call.
    `identity_verified` (本人確認済み, only with `answered`) verifies the phone for personal SMS."""
    existing = call_by_submission_key(submission_key)
    if existing is not None:
        return _replayed(existing, case)
    outcome, direction = _validated(case, phone, outcome, direction)
    if identity_verified and outcome != CallOutcome.ANSWERED:
        raise CallError("the identity is confirmed only on an answered call",
                        {"identity_verified": "only with outcome answered"})
    # Calls on one case are counted in turn: concurrent requests (a retried client) must see
    # each other's attempts, or none of them is over the caps and each may fire a rule. The
    # lock comes before the insert (whose foreign key share-locks the case: two of those
    # upgrading to this lock would deadlock).
    db.session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    attempt = CallAttempt(
        case_id=case.id, phone_id=phone.id, user_id=getattr(actor, "id", None), direction=direction,
        outcome=outcome, notes=(notes or "").strip(), at=now, submission_key=submission_key or None,
        identity_verified=bool(identity_verified),
    )
    saved = insert_once(attempt, lambda: call_by_submission_key(attempt.submission_key))
    if saved is not attempt:
        return _replayed(saved, case)
    return _apply(case, phone, attempt, actor, now)


def _apply(case: Case, phone: Phone, attempt: CallAttempt, actor, now: datetime) -> CallAttempt:
    """What a flushed attempt changes: over-cap flag, phone, claim, next action; audit; then
    `signals.call_logged` (the escalation rules, a pending promise's rest)."""
    outcome, direction = attempt.outcome, attempt.direction
    day_count, week_count, oldest = _outbound_counts(case, now)
    dept = case.department
    if direction == CallDirection.OUTBOUND:
        attempt.over_cap = day_count > dept.max_calls_per_day or week_count > dept.max_calls_per_week
    if outcome in MARKS_PHONE_UNUSABLE:
        phone.usable = False
        phone.unusable_reason = outcome
    if outcome == CallOutcome.ANSWERED:
        case.claimed_by_id = None
        case.claimed_until = None
    case.next_action_at = _next_action(case, phone, outcome, now, day_count, week_count, oldest)
    case.updated_at = now
    db.session.flush()
    record(actor, "call.log", "call_attempt", attempt.id, now, case_id=case.id, phone_id=phone.id,
           outcome=outcome, direction=direction, over_cap=attempt.over_cap,
           identity_verified=attempt.identity_verified)
    if outcome in MARKS_PHONE_UNUSABLE:
        signals.phone_marked.send(phone, reason=str(outcome), now=now, actor=actor)
    signals.call_logged.send(attempt, now=now)
    return attempt


def _replayed(existing: CallAttempt, case: Case) -> CallAttempt:
    if existing.case_id != case.id:
        raise CallError("this submission key was already used for another case",
                        {"submission_key": "already used"})
    return existing


def _validated(case: Case, phone: Phone | None, outcome, direction) -> tuple[CallOutcome, CallDirection]:
    fields = {}
    try:
        outcome = CallOutcome(outcome)
    except ValueError:
        fields["outcome"] = "one of " + ", ".join(CallOutcome)
    try:
        direction = CallDirection(direction or CallDirection.OUTBOUND)
    except ValueError:
        fields["direction"] = "one of " + ", ".join(CallDirection)
    if phone is None:
        fields["phone_id"] = "no such phone"
    elif phone.taxpayer_id != case.taxpayer_id:
        fields["phone_id"] = "not a phone of this case's taxpayer"
    if fields:
        raise CallError("the call cannot be logged", fields)
    return outcome, direction


def _outbound_counts(case: Case, now: datetime) -> tuple[int, int, datetime | None]:
    """Outbound attempts on the case since local midnight and in the last 7 days (the new
    one included, it is flushed), and the oldest attempt inside the 7-day window."""
    outbound = (CallAttempt.case_id == case.id, CallAttempt.direction == CallDirection.OUTBOUND,
                CallAttempt.at <= now)
    day_start = local_day_start(now, clock.local_zone())
    day_count = db.session.scalar(
        select(func.count()).where(*outbound, CallAttempt.at >= day_start))
    week_count, oldest = db.session.execute(
        select(func.count(), func.min(CallAttempt.at)).where(*outbound, CallAttempt.at > now - WEEK)
    ).one()
    return day_count, week_count, oldest


def _next_action(case: Case, phone: Phone, outcome: str, now: datetime, day_count: int,
                 week_count: int, oldest: datetime | None) -> datetime | None:
    """The earliest time the queue may offer the case again, or its current value."""
    dept = case.department
    zone = clock.local_zone()

    def within_hours(moment: datetime) -> datetime | None:
        return next_allowed(moment, dept.calling_start, dept.calling_end, dept.rest_calendar, zone)

    config = current_app.config
    candidates = []
    # Every attempt that reached nobody or somebody gives the case a rest, so "Next case"
    # does not hand the same taxpayer straight back: a fixed line is retried after
    # FIXED_LINE_RETRY_HOURS, a mobile after UNANSWERED_RETRY_HOURS, and a contact is
    # followed up after CONTACT_RETRY_DAYS. A wrong or invalid number has no rest: the
    # case may have another phone to try.
    if outcome in UNANSWERED:
        key = "FIXED_LINE_RETRY_HOURS" if phone.kind == PhoneKind.FIXED else "UNANSWERED_RETRY_HOURS"
        candidates.append(within_hours(now + timedelta(hours=config[key])))
    elif outcome in CONTACTED:
        candidates.append(within_hours(now + timedelta(days=config["CONTACT_RETRY_DAYS"])))
    if day_count >= dept.max_calls_per_day:
        candidates.append(within_hours(local_day_start(now, zone) + timedelta(days=1)))
    if week_count >= dept.max_calls_per_week and oldest is not None:
        candidates.append(within_hours(oldest + WEEK))
    candidates = [c for c in candidates if c is not None]
    if case.next_action_at is not None and case.next_action_at > now:
        candidates.append(case.next_action_at)
    if not candidates:
        return case.next_action_at
    return max(candidates)
