"""Delayed jobs (RQ's scheduler) that come back within seconds of a Redis outage, not minutes.

RQ runs its scheduler as a child process of one worker (the one holding the queue's scheduler
lock). A Redis error kills that process, and RQ itself starts it again only at the worker's next
maintenance (every 10 minutes); meanwhile every delayed job (an SMS retry, a send scheduled for
the department's SMS hours, a rate-limit re-schedule) waits. Two remedies, each enough alone:

- `PromptScheduler`, mixed into the worker classes of `flask worker` (app.queue): at each
  heartbeat (after every job and every reconnect attempt) a worker started with its scheduler
  checks, at most once a second, that the scheduler process is alive, and otherwise takes the
  lock again and restarts it; it also retries a lost Redis connection every few seconds (RQ's
  backoff grows to a minute).
- `release_due_jobs`, run by the sweep every minute (`flask cron`): when no live scheduler holds
  a queue's lock, it takes the lock for a moment and moves that queue's due jobs itself.
"""

import logging
import os
import time
import uuid

from redis import Redis
from rq.scheduler import RQScheduler
from rq.scripts import acquire_or_refresh_lock, release_lock

log = logging.getLogger(__name__)

REVIVE_EVERY_SECONDS = 1.0
MAX_RECONNECT_WAIT_SECONDS = 5.0


class PromptScheduler:
    """Mixin for an RQ worker class (before it in the bases): see the module's docstring."""

    max_connection_wait_time = MAX_RECONNECT_WAIT_SECONDS  # RQ's default: 60 s
    _scheduler_parent_pid: int | None = None  # set when the scheduler is to be kept running
    _scheduler_checked_at = 0.0

    def work(self, burst: bool = False, *args, with_scheduler: bool = False, **kwargs):
        if with_scheduler and not burst:  # a burst worker moves the due jobs once, itself
            self._scheduler_parent_pid = os.getpid()
        return super().work(burst, *args, with_scheduler=with_scheduler, **kwargs)

    def heartbeat(self, *args, **kwargs):
        result = super().heartbeat(*args, **kwargs)
        # Only in the worker itself (not its work horse), and not inside RQ's own pipelines.
        if (self._scheduler_parent_pid == os.getpid() and kwargs.get("pipeline") is None
                and len(args) < 2):
            self._revive_scheduler()
        return result

    def _revive_scheduler(self) -> None:
        scheduler = getattr(self, "scheduler", None)
        now = time.monotonic()
        if scheduler is None or now - self._scheduler_checked_at < REVIVE_EVERY_SECONDS:
            return
        self._scheduler_checked_at = now
        process = scheduler._process
        if process is not None and process.is_alive():
            return
        if scheduler.acquire_locks(auto_start=True):  # noteworthy: it died (Redis went away)
            log.warning("RQ scheduler restarted for %s", ", ".join(sorted(scheduler.acquired_locks)))


def release_due_jobs(connection: Redis, queue_names) -> int:
    """Move the due delayed jobs of every queue that no live scheduler holds onto the queue
    (what the scheduler does each second); returns how many were due. Taking the queue's
    scheduler lock first keeps this from racing a scheduler that is alive."""
    owner = f"sweep-{uuid.uuid4().hex}"
    scheduler = RQScheduler(queue_names, connection=connection, name=owner)
    scheduler._connection = connection  # RQ would open a pool of its own for each call
    moved = 0
    for name in queue_names:
        key = RQScheduler.get_locking_key(name)
        if acquire_or_refresh_lock(connection, key, owner, 60) != "acquired":
            continue  # a live scheduler has it (or another sweep)
        try:
            scheduler.prepare_registries([name])
            [registry] = scheduler._scheduled_job_registries
            moved += len(registry.get_jobs_to_schedule(time.time()))
            scheduler.enqueue_scheduled_jobs()
        finally:
            release_lock(connection, key, owner)
    if moved:
        log.info("moved %d due delayed jobs (no live RQ scheduler)", moved)
    return moved
