"""The outbox: every SMS is a row first (with its idempotency key), its send job after commit.

`queue_sms` is the only way a message is made; `suppression_reason` is the check made when a
message is created and again by the send job right before sending (money still owed, case
not on hold, number still consented, not opted out, usable).
"""

import uuid
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app import signals
from app.audit.services import record
from app.cases.models import Case, CaseStatus, Phone, PhoneKind
from app.extensions import db
from app.queue import enqueue_after_commit
from app.sms.encoding import cost, shape
from app.sms.models import SmsMessage, SmsStatus, SuppressReason
from app.sql import insert_once

SEND_JOB = "app.sms.jobs.send_sms"
SMS_QUEUE = "sms"

WAITING = (SmsStatus.QUEUED, SmsStatus.SCHEDULED)


def best_mobile(case: Case) -> Phone | None:
    """The case's first consented, usable, not opted-out mobile number, or None."""
    for phone in case.taxpayer.phones:  # ordered by position
        if phone.kind == PhoneKind.MOBILE and phone.consent and phone.usable and not phone.opted_out:
            return phone
    return None


def suppression_reason(message: SmsMessage, now: datetime) -> str | None:
    """Why `message` must not be sent now, or None when it may go."""
    case, phone = message.case, message.phone
    if case is not None:
        if case.status == CaseStatus.CLOSED:
            return SuppressReason.CASE_CLOSED
        if case.status == CaseStatus.HOLD:
            return SuppressReason.CASE_ON_HOLD
        if case.balance <= 0:
            return SuppressReason.PAID
    if phone is not None:
        if phone.opted_out:
            return SuppressReason.OPTED_OUT
        if not phone.consent:
            return SuppressReason.NO_CONSENT
        if not phone.usable:
            return SuppressReason.PHONE_UNUSABLE
    vetoes = signals.answers(signals.sms_send_check, message, case=case, now=now)
    return vetoes[0] if vetoes else None


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


def job_id_for(message: SmsMessage) -> str:
    """A new RQ job id per attempt, so a retry never collides with the job that scheduled it."""
    return f"sms-{message.id}-{message.attempts}"


def enqueue_send(message: SmsMessage, at: datetime | None = None) -> None:
    """Give `message` a fresh job id and start its send job after commit (at `at`, if given)."""
    message.job_id = job_id_for(message)
    enqueue_after_commit(SEND_JOB, message.id, queue=SMS_QUEUE, job_id=message.job_id, at=at)


def message_by_key(key: str) -> SmsMessage | None:
    return db.session.scalar(select(SmsMessage).where(SmsMessage.idempotency_key == key))


def queue_sms(
    case: Case, phone: Phone, text: str, *, idempotency_key: str, now: datetime,
    rule=None, template=None, language: str = "ja", actor=None, not_before: datetime | None = None,
) -> SmsMessage:
    """Create the message row (status queued) and its send job after commit; the same
    idempotency key twice returns the first message and queues nothing."""
    existing = message_by_key(idempotency_key)
    if existing is not None:
        return existing
    text_shape = shape(text)
    message = SmsMessage(
        department_id=case.department_id, case_id=case.id, phone_id=phone.id,
        rule_id=getattr(rule, "id", None), template_id=getattr(template, "id", None),
        created_by_id=getattr(actor, "id", None), idempotency_key=idempotency_key,
        client_ref=uuid.uuid4().hex[:32], to_e164=phone.e164, sender=case.department.sender_id,
        text=text, language=language, encoding=text_shape.encoding, segments=text_shape.segments,
        cost=cost(text_shape.segments, current_app.config["SMS_COST_PER_SEGMENT"]),
        status=SmsStatus.QUEUED, scheduled_for=not_before, created_at=now, updated_at=now,
    )
    saved = insert_once(message, lambda: message_by_key(message.idempotency_key))
    if saved is not message:
        return saved
    enqueue_send(message, at=not_before if not_before and not_before > now else None)
    return message


def back_to_call_queue(case: Case, now: datetime) -> None:
    """An SMS that cannot reach the taxpayer hands the case back to the operators now."""
    if case.next_action_at is None or case.next_action_at > now:
        case.next_action_at = now
    case.updated_at = now


def mark_dead_number(message: SmsMessage, now: datetime) -> None:
    """The provider says the number cannot receive SMS: the phone becomes unusable (operators
    see why on the case screen) and the case goes back to the call queue."""
    if message.phone is not None:
        message.phone.usable = False
        message.phone.unusable_reason = "sms_failed"
    if message.case is not None:
        back_to_call_queue(message.case, now)
