"""What the operations page shows and does: RQ queue depths, failed jobs (retry, discard),
SMS per status, and when each periodic job last ran (recorded by the job itself)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from app.audit.services import record
from app.extensions import db
from app.ops.models import PeriodicRun
from app.queue import QUEUE_NAMES, redis_connection
from app.sms.models import SmsMessage, SmsStatus
from app.sql import is_postgres

SWEEP = "sweep-lost-jobs"
FAILED_JOBS_SHOWN = 100


class JobNotFound(LookupError):
    """The job is not (or no longer) in a failed-job registry."""


@dataclass(frozen=True)
class QueueDepth:
    name: str
    queued: int
    started: int
    scheduled: int
    failed: int


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    job: str  # the dotted job name: our jobs run through app.queue.execute(job_name, *ids)
    args: str  # ids only, never personal data
    ended_at: datetime | None
    error: str  # the exception's last line, shortened


def record_periodic_run(name: str, now: datetime, result: dict) -> None:
    """Upsert the time and result of a periodic job's run (several cron hosts may race)."""
    insert = (postgresql if is_postgres() else sqlite).insert
    stmt = insert(PeriodicRun).values(name=name, finished_at=now, result=result)
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=[PeriodicRun.name],
        set_={"finished_at": stmt.excluded.finished_at, "result": stmt.excluded.result}))


def last_run(name: str = SWEEP) -> PeriodicRun | None:
    return db.session.get(PeriodicRun, name)


def sms_counts() -> dict[str, int]:
    """Messages per status, every status listed (zero when none)."""
    rows = db.session.execute(select(SmsMessage.status, func.count()).group_by(SmsMessage.status))
    counts = dict.fromkeys((str(s) for s in SmsStatus), 0)
    counts.update({str(status): n for status, n in rows})
    return counts


def queue_depths() -> list[QueueDepth] | None:
    """Per RQ queue: waiting, running, scheduled and failed jobs; None without Redis."""
    from rq import Queue

    connection = redis_connection()
    if connection is None:
        return None
    depths = []
    for name in QUEUE_NAMES:
        queue = Queue(name, connection=connection)
        depths.append(QueueDepth(name, queue.count, queue.started_job_registry.count,
                                 queue.scheduled_job_registry.count, queue.failed_job_registry.count))
    return depths


def failed_jobs(limit: int = FAILED_JOBS_SHOWN) -> list[FailedJob]:
    """The most recently failed jobs of every queue (newest first); empty without Redis."""
    from rq import Queue
    from rq.job import Job

    connection = redis_connection()
    if connection is None:
        return []
    jobs = []
    for name in QUEUE_NAMES:
        registry = Queue(name, connection=connection).failed_job_registry
        ids = registry.get_job_ids(0, limit - 1, desc=True)
        jobs.extend(_describe(job, name) for job in Job.fetch_many(ids, connection=connection) if job)
    epoch = datetime.min.replace(tzinfo=UTC)
    jobs.sort(key=lambda j: j.ended_at or epoch, reverse=True)
    return jobs[:limit]


def _describe(job, queue: str) -> FailedJob:
    args, name = list(job.args or ()), job.func_name
    result = job.latest_result()
    lines = (getattr(result, "exc_string", None) or "").strip().splitlines()
    ended = job.ended_at.replace(tzinfo=UTC) if job.ended_at and not job.ended_at.tzinfo else job.ended_at
    return FailedJob(id=job.id, queue=queue, job=name, args=", ".join(map(str, args))[:80],
                     ended_at=ended, error=(lines[-1] if lines else "")[:200])


def _failed_job(job_id: str):
    from rq import Queue
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    connection = redis_connection()
    if connection is None:
        raise JobNotFound(job_id)
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        raise JobNotFound(job_id) from None
    registry = Queue(job.origin, connection=connection).failed_job_registry
    if job.origin not in QUEUE_NAMES or job_id not in registry:
        raise JobNotFound(job_id)
    return job, registry


def retry_failed_job(job_id: str, actor, now: datetime) -> None:
    """Put a failed job back on its queue, audited (the caller commits the audit row).
    Our jobs are idempotent: a retry re-checks everything before doing anything."""
    job, registry = _failed_job(job_id)
    record(actor, "ops.job_retry", "rq_job", None, now, job_id=job_id, queue=job.origin)
    registry.requeue(job)


def discard_failed_job(job_id: str, actor, now: datetime) -> None:
    """Delete a failed job for good, audited. The row that asked for it (an SMS, an import)
    stays in the database with its status: discarding never loses what happened."""
    job, registry = _failed_job(job_id)
    record(actor, "ops.job_discard", "rq_job", None, now, job_id=job_id, queue=job.origin)
    registry.remove(job, delete_job=True)
