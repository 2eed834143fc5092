"""Periodic jobs, declared as data with stable names; `flask cron` schedules them with RQ's cron.

Every periodic job must be idempotent: several `flask cron` processes on several hosts may
enqueue the same job, and that must do no harm.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from redis.exceptions import RedisError

from app import clock
from app.cases.jobs import sweep_lost_imports
from app.cases.retention import purge_import_files
from app.extensions import db
from app.ops.services import SWEEP, record_periodic_run
from app.promises.judge import judge_promises
from app.promises.reminders import remind_due_promises
from app.queue import QUEUE_NAMES, redis_connection
from app.reports.archive import run_monthly_archive
from app.scheduling import release_due_jobs
from app.sms.retention import purge_old_texts
from app.sms.sweep import sweep_lost_sms

log = logging.getLogger(__name__)


def sweep_lost_jobs() -> dict:
    """Find rows whose job was lost and hand them to the queue again; returns counts by kind."""
    connection = redis_connection()
    if connection is not None:  # due delayed jobs no live RQ scheduler moved (see app.scheduling)
        try:
            release_due_jobs(connection, QUEUE_NAMES)
        except RedisError:  # Redis down: the sweeps below still look at the database
            log.warning("could not move due delayed jobs: Redis unavailable")
    now = clock.utcnow()
    counts = {"imports": sweep_lost_imports(now), "sms": sweep_lost_sms(now)}
    record_periodic_run(SWEEP, clock.utcnow(), counts)  # shown on the admin's operations page
    db.session.commit()
    return counts


def apply_retention() -> dict:
    """Delete what the retention periods say must go (idempotent); returns counts by kind."""
    now = clock.utcnow()
    counts = {"import_files": purge_import_files(now), **purge_old_texts(now)}
    db.session.commit()
    return counts


@dataclass(frozen=True)
class Periodic:
    name: str
    job: Callable[[], object]  # a module-level function taking no arguments
    interval_seconds: int
    queue: str = "default"


PERIODIC_JOBS = (
    Periodic("sweep-lost-jobs", sweep_lost_jobs, interval_seconds=60),
    # Last month's report PDFs, once the 1st has come (idempotent: makes only what is missing).
    Periodic("monthly-reports", run_monthly_archive, interval_seconds=3600),
    # Promises: judged once their date + grace has passed; reminders from PROMISE_REMINDER_TIME.
    Periodic("judge-promises", judge_promises, interval_seconds=3600),
    Periodic("promise-reminders", remind_due_promises, interval_seconds=900),
    # Retention: import files after IMPORT_FILE_RETENTION_DAYS, SMS/reply texts after SMS_TEXT_RETENTION_DAYS.
    Periodic("retention", apply_retention, interval_seconds=3600),
)
