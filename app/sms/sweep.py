"""The SMS sweep (every minute from `flask cron`, `flask jobs sweep` by hand): nothing lost,
nothing sent twice.

- `queued`/`scheduled` messages that are due and whose job is gone (Redis flushed, worker
  killed before it took the row) get a new send job; a duplicate job is harmless (the job
  acts only on `queued`/`scheduled`, under a row lock).
- `sending` messages older than SMS_SENDING_STUCK_MINUTES lost their worker after it marked
  them and before it recorded the provider's answer. They are never sent again blindly: if a
  delivery receipt attached their parts they count as `sent`, otherwise they become `unknown`
  (reason `no_provider_answer`) for a supervisor, and a late receipt carrying their client-ref
  still resolves them. RQ's view of the job is not asked here: a killed worker's job stays
  "started" in RQ for minutes, while a live send is bounded by the HTTP timeout (seconds), far
  below the threshold; and a live job's late answer still turns `unknown` into `sent`.

Both walk the rows in id order, BATCH at a time (the partial index on pending statuses keeps
that cheap whatever the size of the table), locking with SKIP LOCKED and committing per batch.
"""

import logging
from datetime import datetime, timedelta

from flask import current_app
from rq.job import Job
from sqlalchemy import or_, select

from app.audit.services import record
from app.extensions import db
from app.queue import ALIVE_RQ_STATUSES, job_is_alive, redis_connection
from app.sms.jobs import NO_PROVIDER_ANSWER, SENDABLE, requeue
from app.sms.models import SmsMessage, SmsStatus

log = logging.getLogger(__name__)

BATCH = 1000
# A message committed a moment ago may not have its job in Redis yet (enqueued after commit).
SETTLE = timedelta(seconds=30)


def sweep_lost_sms(now: datetime) -> int:
    """Re-enqueue due messages whose job was lost and resolve `sending` rows stuck by a crash;
    returns how many messages it handled."""
    requeued, resolved = _requeue_lost(now), _resolve_stuck(now)
    if requeued or resolved:
        log.info("SMS sweep: %d re-enqueued, %d stuck resolved", requeued, resolved)
    return requeued + resolved


def jobs_alive(job_ids: list[str | None]) -> list[bool]:
    """For each job id, whether its job is waiting or running (one Redis round trip)."""
    connection = redis_connection()
    if connection is None:
        return [bool(job_id) and job_is_alive(job_id) for job_id in job_ids]
    pipe = connection.pipeline(transaction=False)
    for job_id in job_ids:
        pipe.hget(Job.key_for(job_id or "-"), "status")
    statuses = pipe.execute()
    return [bool(job_id) and status is not None and status.decode() in ALIVE_RQ_STATUSES
            for job_id, status in zip(job_ids, statuses, strict=True)]


def _requeue_lost(now: datetime) -> int:
    due = or_(SmsMessage.scheduled_for.is_(None), SmsMessage.scheduled_for <= now)
    count, after = 0, 0
    while True:
        rows = db.session.execute(
            select(SmsMessage.id, SmsMessage.job_id)
            .where(SmsMessage.status.in_(SENDABLE), due, SmsMessage.updated_at <= now - SETTLE,
                   SmsMessage.id > after)
            .order_by(SmsMessage.id).limit(BATCH)).all()
        if not rows:
            return count
        after = rows[-1].id
        lost = {row.id: row.job_id for row, alive in zip(rows, jobs_alive([r.job_id for r in rows]),
                                                         strict=True) if not alive}
        if lost:
            messages = db.session.scalars(
                select(SmsMessage).where(SmsMessage.id.in_(lost), SmsMessage.status.in_(SENDABLE))
                .with_for_update(skip_locked=True).execution_options(populate_existing=True))
            for message in messages:
                if message.job_id == lost[message.id]:  # else a job re-enqueued it meanwhile
                    requeue(message)
                    count += 1
        db.session.commit()  # the new jobs are enqueued now


def _resolve_stuck(now: datetime) -> int:
    cutoff = now - timedelta(minutes=current_app.config["SMS_SENDING_STUCK_MINUTES"])
    count, after = 0, 0
    while True:
        messages = db.session.scalars(
            select(SmsMessage)
            .where(SmsMessage.status == SmsStatus.SENDING, SmsMessage.last_attempt_at < cutoff,
                   SmsMessage.id > after)
            .order_by(SmsMessage.id).limit(BATCH)
            .with_for_update(skip_locked=True).execution_options(populate_existing=True)).all()
        if not messages:
            return count
        after = messages[-1].id
        for message in messages:
            message.updated_at = now
            if message.parts:  # a receipt proved the provider took it
                message.status, message.reason = SmsStatus.SENT, None
                message.sent_at = message.sent_at or now
            else:
                message.status, message.reason = SmsStatus.UNKNOWN, NO_PROVIDER_ANSWER
                message.error_text = "the worker stopped while sending; not sent again"
            record(None, "sms.stuck", "sms_message", message.id, now, status=message.status)
            count += 1
        db.session.commit()
