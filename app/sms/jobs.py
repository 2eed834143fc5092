"""The SMS send job, `send_sms(message_id)` (the sweep for messages whose job was lost is `sweep`).

A message is sent at most once: the job locks the row and acts only on `queued`/`scheduled`;
it marks the row `sending` and commits *before* calling the provider, so a crash after that
leaves `sending` (the sweep makes it `unknown`, a late receipt with its client-ref resolves it)
and never a second send. Right before sending it checks again what may have changed since the
message was queued: money still owed, number still consented and not opted out (the outbox's
`suppression_reason`), a personal text only to a phone still verified (`disclosure.recheck`),
inside the department's SMS hours (else `scheduled` for the next allowed
moment, with RQ's scheduler). A rate-limit token comes first (`ratelimit`): with none free
within RATE_WAIT_SECONDS the job re-schedules itself; the message does not fail.
"""

import logging
import random
import secrets
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app import clock
from app.audit.services import record
from app.auth.calendar import next_allowed, overlap
from app.extensions import db
from app.queue import enqueue_after_commit
from app.sms import caps, disclosure, ratelimit
from app.sms.checks import suppression_reason
from app.sms.failures import back_to_call_queue, mark_dead_number
from app.sms.models import SmsMessage, SmsPart, SmsStatus
from app.sms.providers import ProviderNoAnswer, ProviderRejected, ProviderRetry, get_provider

log = logging.getLogger(__name__)

SMS_QUEUE = "sms"

SENDABLE = frozenset({SmsStatus.QUEUED, SmsStatus.SCHEDULED})
RATE_WAIT_SECONDS = 5.0  # the longest a job sleeps for a send token before re-scheduling itself
# A delayed job may run a little early (the scheduler's host clock, or a duplicate job); it
# sends only when the message is due within this.
DUE_SLACK = timedelta(seconds=5)
NO_PROVIDER_ANSWER = "no_provider_answer"


def send_sms(message_id: int) -> str:
    """Send message `message_id` if it is still due to go; returns what the job did."""
    peek = db.session.get(SmsMessage, message_id, populate_existing=True)
    now = clock.utcnow()
    if peek is None:
        return "missing"
    if peek.status not in SENDABLE:
        return f"nothing to do: {peek.status}"
    if _not_due(peek, now):
        return "not due yet"
    db.session.rollback()  # no transaction (and no lock) held while waiting for a token

    provider = get_provider()
    granted, wait = ratelimit.reserve(RATE_WAIT_SECONDS, provider.name)
    if not granted:
        return _later(message_id, clock.utcnow() + timedelta(seconds=wait), "rate limit")
    if wait > 0:
        time.sleep(wait)

    now = clock.utcnow()
    message = _locked(message_id)
    verdict = _check(message, now)
    if verdict is not None:
        db.session.commit()
        return verdict
    message.status = SmsStatus.SENDING
    message.attempts += 1
    message.last_attempt_at = now
    message.provider = provider.name
    message.updated_at = now
    db.session.commit()  # from here on a crash leaves `sending`: never sent twice

    try:
        parts = provider.send(message)
    except ProviderRetry as exc:
        return _retry(message_id, exc, clock.utcnow())
    except ProviderRejected as exc:
        return _rejected(message_id, exc, clock.utcnow())
    except ProviderNoAnswer as exc:
        return _no_answer(message_id, exc.reason, clock.utcnow())
    except Exception:
        db.session.rollback()
        log.exception("SMS provider error on message %s", message_id)
        _no_answer(message_id, "provider error", clock.utcnow())
        raise
    return _sent(message_id, parts, clock.utcnow())


def _locked(message_id: int) -> SmsMessage:
    """The message row, locked for this transaction and read fresh."""
    return db.session.scalar(
        select(SmsMessage).where(SmsMessage.id == message_id).with_for_update(of=SmsMessage)
        .execution_options(populate_existing=True))


def _not_due(message: SmsMessage, now: datetime) -> bool:
    return message.scheduled_for is not None and message.scheduled_for > now + DUE_SLACK


def _check(message: SmsMessage, now: datetime) -> str | None:
    """Under the row lock: why the message does not go now (and what was done), or None."""
    if message.status not in SENDABLE:
        return f"nothing to do: {message.status}"
    if _not_due(message, now):
        return "not due yet"
    reason = disclosure.recheck(message, now) or suppression_reason(message, now)
    if reason is not None:
        message.status, message.reason, message.updated_at = SmsStatus.SUPPRESSED, str(reason), now
        record(None, "sms.suppress", "sms_message", message.id, now, reason=str(reason))
        return f"suppressed: {reason}"
    window = sms_window(message.department)
    at = window and next_allowed(now, *window, message.department.rest_calendar, clock.local_zone())
    if at is None:  # every day of the coming year is a rest day (or no hours at all)
        _fail(message, now, "no_sms_hours", "the department has no SMS hours in the coming year")
        return "failed: no SMS hours"
    if at <= now:
        verdict, later = caps.recheck_at_send(message, now)
        if verdict == "ok":
            return None
        if verdict == "suppress":
            message.status, message.reason, message.updated_at = SmsStatus.SUPPRESSED, caps.REASON, now
            record(None, "sms.suppress", "sms_message", message.id, now, reason=caps.REASON)
            return f"suppressed: {caps.REASON}"
        at = later
        message.reason = caps.REASON
    message.status, message.scheduled_for, message.updated_at = SmsStatus.SCHEDULED, at, now
    requeue(message, at)
    return f"scheduled for {at.isoformat()}"


def job_id_for(message: SmsMessage) -> str:
    """A new RQ job id per attempt, so a retry never collides with the job that scheduled it."""
    return f"sms-{message.id}-{message.attempts}"


def enqueue_send(message: SmsMessage, at: datetime | None = None) -> None:
    """Give `message` a fresh job id and start its send job after commit (at `at`, if given)."""
    message.job_id = job_id_for(message)
    enqueue_after_commit(send_sms, message.id, queue=SMS_QUEUE, job_id=message.job_id, at=at)


def sms_window(dept):
    """The department's SMS hours inside its calling hours (an SMS asks the citizen to call
    back: the line must be staffed), or None when they do not meet."""
    return overlap((dept.sms_start, dept.sms_end), (dept.calling_start, dept.calling_end))


def requeue(message: SmsMessage, at: datetime | None = None) -> None:
    """Start a new send job for `message` after commit (at `at`, if given), with a job id of
    its own: the job doing this may itself still be running under the previous id."""
    message.job_id = f"{job_id_for(message)}-{secrets.token_hex(3)}"
    enqueue_after_commit(send_sms, message.id, queue=SMS_QUEUE, job_id=message.job_id, at=at)


def _later(message_id: int, at: datetime, why: str) -> str:
    message = _locked(message_id)
    if message is None or message.status not in SENDABLE:
        db.session.commit()
        return "nothing to do"
    message.scheduled_for, message.updated_at = at, clock.utcnow()
    requeue(message, at)
    db.session.commit()
    return f"{why}: re-enqueued for {at.isoformat()}"


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter: about base x 2^(attempt-1), capped, +-25%."""
    base = float(current_app.config.get("SMS_RETRY_BASE_SECONDS", 2))
    cap = float(current_app.config.get("SMS_RETRY_MAX_SECONDS", 300))
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay * random.uniform(0.75, 1.25)


def _retry(message_id: int, exc: ProviderRetry, now: datetime) -> str:
    """Nothing was sent: back to `queued` for a later try. A throttle never fails a message
    and does not count against SMS_MAX_ATTEMPTS (a long throttle must not leave a later error
    no retries); other errors give up after SMS_MAX_ATTEMPTS of them. The backoff grows with
    every attempt, throttled ones included."""
    message = _locked(message_id)
    if message.status != SmsStatus.SENDING:
        db.session.commit()
        return f"nothing to do: {message.status}"
    if not exc.throttled:
        message.errors += 1
        if message.errors >= current_app.config["SMS_MAX_ATTEMPTS"]:
            _fail(message, now, "retries", f"gave up after {message.errors} attempts: {exc.reason}")
            db.session.commit()
            log.warning("SMS %s failed after %d attempts", message_id, message.errors)
            return "failed: gave up"
    delay = exc.retry_after if exc.retry_after is not None else backoff_seconds(message.attempts)
    at = now + timedelta(seconds=max(delay, 0.5))
    message.status, message.scheduled_for, message.updated_at = SmsStatus.QUEUED, at, now
    message.error_code, message.error_text = None, f"will retry: {exc.reason}"[:400]
    requeue(message, at)
    db.session.commit()
    log.info("SMS %s: provider said try again (%s), retrying in %.1fs", message_id,
             "throttled" if exc.throttled else "error", delay)
    return f"retry at {at.isoformat()}"


def _rejected(message_id: int, exc: ProviderRejected, now: datetime) -> str:
    """Refused for good: `failed` with the provider's code and text; the parts it did accept
    are kept; a dead number becomes unusable; the case goes back to the operators."""
    message = _locked(message_id)
    _add_parts(message, exc.accepted)
    if message.status not in (SmsStatus.SENDING, SmsStatus.UNKNOWN):
        db.session.commit()
        return f"nothing to do: {message.status}"
    _fail(message, now, exc.code, exc.text)
    if exc.accepted:
        message.sent_at = message.sent_at or now
    if exc.dead_number:
        mark_dead_number(message, now)
        if message.phone_id is not None:
            record(None, "phone.unusable", "phone", message.phone_id, now, reason="sms_failed",
                   message_id=message.id, provider_code=exc.code)
    db.session.commit()
    log.info("SMS %s refused by the provider: code %s", message_id, exc.code)
    return f"failed: {exc.code}"


def _fail(message: SmsMessage, now: datetime, code: str, text: str) -> None:
    message.status, message.error_code, message.error_text = SmsStatus.FAILED, code[:16], text[:400]
    message.updated_at = now
    if message.case is not None:
        back_to_call_queue(message.case, now)
    record(None, "sms.failed", "sms_message", message.id, now, code=code[:16])


def _no_answer(message_id: int, reason: str, now: datetime) -> str:
    """The provider may have taken it: `unknown`, never sent again; a receipt carrying the
    client-ref resolves it, or a supervisor decides."""
    message = _locked(message_id)
    if message.status != SmsStatus.SENDING:
        db.session.commit()
        return f"nothing to do: {message.status}"
    message.status, message.reason, message.updated_at = SmsStatus.UNKNOWN, NO_PROVIDER_ANSWER, now
    message.error_text = reason[:400]
    record(None, "sms.unknown", "sms_message", message.id, now, reason=NO_PROVIDER_ANSWER)
    db.session.commit()
    log.warning("SMS %s: no answer from the provider (%s); marked unknown", message_id, reason)
    return "unknown: no provider answer"


def _add_parts(message: SmsMessage, parts) -> None:
    """Attach the accepted parts a receipt has not attached already."""
    known = {p.provider_message_id for p in message.parts}
    for part in parts:
        if part.provider_message_id and part.provider_message_id not in known:
            message.parts.append(SmsPart(provider_message_id=part.provider_message_id,
                                         status=SmsStatus.SENT, price=part.price, network=part.network))
            known.add(part.provider_message_id)
    if parts:
        message.parts_expected = max(message.parts_expected or 0, len(parts))


def _sent(message_id: int, parts, now: datetime) -> str:
    """Accepted: one SmsPart per part; `sent` unless a receipt already moved it further."""
    message = _locked(message_id)
    _add_parts(message, parts)
    if message.status in (SmsStatus.SENDING, SmsStatus.UNKNOWN):
        message.status, message.reason = SmsStatus.SENT, None
        message.error_code = message.error_text = None
    message.sent_at = message.sent_at or now
    message.updated_at = now
    record(None, "sms.sent", "sms_message", message.id, now, parts=len(parts))
    db.session.commit()
    return f"sent: {len(parts)} part(s)"
