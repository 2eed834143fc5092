"""The outbox: every SMS is a row first (with its idempotency key), its send job after commit.

`queue_sms` is the only way a message is made; `checks.suppression_reason` is asked when a
message is created and again by the send job right before sending (money still owed, case
not on hold, number still consented, not opted out, usable). What waits can be suppressed
(`suppress_waiting`): on an opt-out, when a case is settled.
"""

import uuid
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.audit.services import record
from app.cases.models import Case, Phone
from app.extensions import db
from app.sms import caps
from app.sms.encoding import cost, shape
from app.sms.jobs import SMS_QUEUE, enqueue_send  # noqa: F401 (SMS_QUEUE: the outbox's queue)
from app.sms.models import SmsMessage, SmsStatus, SuppressReason
from app.sms.templates import disclosure_of
from app.sql import insert_once

WAITING = (SmsStatus.QUEUED, SmsStatus.SCHEDULED)


def suppress_waiting(condition, reason: str, actor, now: datetime) -> list[int]:
    """Suppress (with `reason`, audited) the messages matching `condition` that still wait to be
    sent (queued or scheduled); returns their ids. The send job checks again anyway."""
    waiting = db.session.scalars(select(SmsMessage).where(condition, SmsMessage.status.in_(WAITING))
                                 .order_by(SmsMessage.id).with_for_update())
    suppressed = []
    for message in waiting:
        message.status, message.reason, message.updated_at = SmsStatus.SUPPRESSED, reason, now
        suppressed.append(message.id)
        record(actor, "sms.suppress", "sms_message", message.id, now, reason=str(reason))
    return suppressed


def suppress_for_settled_case(case: Case, now: datetime, actor=None, reason: str = "paid", **_) -> None:
    """signals.case_settled: nothing is owed, so nothing waiting on the case may go."""
    suppress_waiting(SmsMessage.case_id == case.id, SuppressReason(reason), actor, now)


def suppress_for_settled_cases(sender, case_ids, now: datetime, actor=None, reason: str = "paid",
                               **_) -> None:
    """signals.cases_settled: `suppress_for_settled_case` for the cases an import closed."""
    ids = sorted(set(case_ids))
    for start in range(0, len(ids), 1000):
        suppress_waiting(SmsMessage.case_id.in_(ids[start:start + 1000]), SuppressReason(reason), actor, now)


def message_by_key(key: str) -> SmsMessage | None:
    return db.session.scalar(select(SmsMessage).where(SmsMessage.idempotency_key == key))


def queue_sms(
    case: Case, phone: Phone, text: str, *, idempotency_key: str, now: datetime,
    rule=None, template=None, language: str = "ja", actor=None, not_before: datetime | None = None,
    daily_cap_exempt: bool | None = None, disclosure: str | None = None, fallback_template=None,
) -> SmsMessage:
    """Create the message row (status queued) and its send job after commit; the same
    idempotency key twice returns the first message and queues nothing.

    The contact caps (app.sms.caps) are decided here, under the number's lock: over the
    weekly cap the row is made `suppressed` (recipient_cap) and no job is started; over the
    daily cap it is `scheduled` for the next day with room. A promise-due rule's message is
    exempt from the daily cap unless `daily_cap_exempt` says otherwise."""
    if disclosure is None and template is not None:  # e.g. the inbox's acknowledgement
        disclosure = disclosure_of(getattr(template, "body_en" if language == "en" else "body_ja", "") or "")
    existing = message_by_key(idempotency_key)
    if existing is not None:
        return existing
    if daily_cap_exempt is None:
        daily_cap_exempt = str(getattr(rule, "trigger", "")) == "promise_due"
    caps.lock_number(phone.e164)
    existing = message_by_key(idempotency_key)  # made by whoever held the lock before us
    if existing is not None:
        return existing
    planned = caps.planned_moment(case.department, not_before or now)
    verdict, cap_day, later = caps.decide(phone.e164, planned, case.department, daily_cap_exempt)
    text_shape = shape(text)
    message = SmsMessage(
        department_id=case.department_id, case_id=case.id, phone_id=phone.id,
        rule_id=getattr(rule, "id", None), template_id=getattr(template, "id", None),
        created_by_id=getattr(actor, "id", None), idempotency_key=idempotency_key,
        client_ref=uuid.uuid4().hex[:32], to_e164=phone.e164, sender=case.department.sender_id,
        text=text, language=language, disclosure=disclosure,
        fallback_template_id=getattr(fallback_template, "id", None), encoding=text_shape.encoding,
        segments=text_shape.segments,
        cost=cost(text_shape.segments, current_app.config["SMS_COST_PER_SEGMENT"]),
        status=SmsStatus.QUEUED, scheduled_for=not_before, created_at=now, updated_at=now,
        cap_day=cap_day, daily_cap_exempt=daily_cap_exempt,
    )
    if verdict == "later":
        message.status, message.scheduled_for, message.reason = SmsStatus.SCHEDULED, later, caps.REASON
        not_before = later
    elif verdict == "suppress":
        message.status, message.reason = SmsStatus.SUPPRESSED, caps.REASON
    saved = insert_once(message, lambda: message_by_key(message.idempotency_key))
    if saved is not message:
        return saved
    if verdict == "suppress":
        record(actor, "sms.suppress", "sms_message", message.id, now, reason=caps.REASON)
        return message
    enqueue_send(message, at=not_before if not_before and not_before > now else None)
    return message
