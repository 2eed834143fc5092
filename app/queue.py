"""Background jobs: RQ when REDIS_URL is set, in-process threads when it is not.

Jobs are enqueued only after the database transaction that asked for them commits
(`enqueue_after_commit`): a rolled-back request never starts a job, and a job never
starts before the rows it reads are visible. Jobs are plain functions, enqueued by reference
(RQ and /admin/ops show their real names); they take ids, never ORM objects. The application
context comes from the worker class (`AppWorker`, `AppSimpleWorker`: `flask worker`), which
also gives every job a fresh database session.
"""

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from flask import Flask, current_app, has_app_context
from redis import Redis
from rq import Queue, SimpleWorker, Worker
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.scheduling import PromptScheduler

log = logging.getLogger(__name__)

QUEUE_NAMES = ("imports", "sms", "default")  # by purpose; a worker serves them in this order
_PENDING = "pending_jobs"


def init_app(app: Flask) -> None:
    # pid: the process that made the app; a work horse forked from it has another.
    state = {"redis": None, "executor": None, "running": set(), "pid": os.getpid()}
    if app.config.get("REDIS_URL"):
        # A Redis host that drops packets must not hang a request for minutes: connecting gives
        # up after a few seconds (the job's row stays for the sweep). No read timeout here: RQ's
        # workers share this connection for their blocking dequeue (redis-py would otherwise use
        # the connect timeout for reads too).
        state["redis"] = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=5,
                                        socket_timeout=None)
    else:
        state["executor"] = ThreadPoolExecutor(max_workers=2, thread_name_prefix="job")
    app.extensions["jobqueue"] = state


def redis_connection() -> Redis | None:
    return current_app.extensions["jobqueue"]["redis"]


def rq_queue(name: str) -> Queue:
    return Queue(name, connection=redis_connection())


def enqueue_after_commit(job: Callable, *args, queue: str = "default", job_id: str | None = None,
                         at: datetime | None = None):
    """Run `job(*args)` (a module-level function) once the current transaction commits; with
    `at` (an aware datetime), not before that moment (RQ's scheduler, or a timer in-process)."""
    db.session.info.setdefault(_PENDING, []).append((job, args, queue, job_id, at))


def enqueue_now(job: Callable, *args, queue: str = "default", job_id: str | None = None,
                at: datetime | None = None) -> None:
    """Hand a job to RQ (or the in-process pool) immediately; failures are logged, not raised:
    the row that asked for the job stays in the database for a sweep to find."""
    app = current_app._get_current_object()
    state = app.extensions["jobqueue"]
    try:
        if state["redis"] is not None:
            q = rq_queue(queue)
            if at is not None:
                q.enqueue_at(at, job, *args, job_id=job_id, result_ttl=3600)
            else:
                q.enqueue(job, *args, job_id=job_id, result_ttl=3600)
        else:
            _submit_embedded(app, state, job, args, job_id, at)
    except Exception:  # Redis down: the database row is the source of truth
        log.exception("could not enqueue %s", job_name(job))


def job_name(job: Callable) -> str:
    """The dotted name RQ records for `job`."""
    return f"{job.__module__}.{job.__qualname__}"


def _submit_embedded(app: Flask, state: dict, job: Callable, args: tuple, job_id, at) -> None:
    key = job_id or f"{job_name(job)}{args}"
    state["running"].add(key)

    def submit():
        future = state["executor"].submit(_run_embedded, app, job, args)
        future.add_done_callback(lambda _f: state["running"].discard(key))

    delay = (at - datetime.now(at.tzinfo)).total_seconds() if at is not None else 0
    if delay > 0:
        timer = threading.Timer(delay, submit)
        timer.daemon = True  # a restart loses it; the sweep finds the row again
        timer.start()
    else:
        submit()


ALIVE_RQ_STATUSES = frozenset({"queued", "started", "scheduled", "deferred"})


def job_is_alive(job_id: str) -> bool:
    """True when a job with this id is waiting or running (in RQ, or in this process)."""
    state = current_app.extensions["jobqueue"]
    if state["redis"] is None:
        return job_id in state["running"]
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        status = Job.fetch(job_id, connection=state["redis"]).get_status(refresh=False)
    except NoSuchJobError:
        return False
    return str(getattr(status, "value", status)) in ALIVE_RQ_STATUSES


def _run_embedded(app: Flask, job: Callable, args: tuple) -> None:
    with app.app_context():
        try:
            job(*args)
        except Exception:
            log.exception("in-process job %s failed", job_name(job))
        finally:
            db.session.remove()


class _AppContextWorker:
    """Runs each job inside the Flask app's context with a session of its own (removed after
    the job); in a forked work horse, first drops the connections inherited from the parent."""

    def __init__(self, *args, app: Flask | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app or current_app._get_current_object()

    def perform_job(self, job, queue, *args, **kwargs) -> bool:
        with self.app.app_context():
            if self.app.extensions["jobqueue"]["pid"] != os.getpid():
                db.engine.dispose(close=False)  # a forked horse must not share pooled connections
                self.app.extensions["jobqueue"]["pid"] = os.getpid()
            try:
                return super().perform_job(job, queue, *args, **kwargs)
            finally:
                db.session.remove()


class AppWorker(_AppContextWorker, PromptScheduler, Worker):
    """RQ's Worker (a forked work horse per job) in the app's context, its scheduler kept alive."""


class AppSimpleWorker(_AppContextWorker, PromptScheduler, SimpleWorker):
    """RQ's SimpleWorker (jobs in the worker's own process) in the app's context, its scheduler
    kept alive."""


def _outermost_ended(session: Session) -> bool:
    """SQLAlchemy fires after_commit/after_rollback for a SAVEPOINT too; only the end of the
    outermost transaction decides what happens to the jobs asked for in it."""
    root = session.get_transaction()
    return root is None or not root.is_active


@event.listens_for(Session, "after_commit")
def _flush_pending_jobs(session: Session) -> None:
    if not _outermost_ended(session):
        return  # a savepoint released: the rows stay invisible to a job until the real commit
    pending = session.info.pop(_PENDING, None)
    if pending and has_app_context():
        for job, args, queue, job_id, at in pending:
            enqueue_now(job, *args, queue=queue, job_id=job_id, at=at)


@event.listens_for(Session, "after_rollback")
def _drop_pending_jobs(session: Session) -> None:
    if _outermost_ended(session):  # a savepoint rolled back: the rest of the transaction holds
        session.info.pop(_PENDING, None)
