"""Delayed jobs after RQ's scheduler died (app.scheduling): the worker restarts it at its next
heartbeat, and the sweep moves due jobs itself when no live scheduler holds the lock. The whole
story with a real Redis outage is tests/faults/test_redis_outage.py."""

import os
from datetime import UTC, datetime, timedelta

from rq import Queue
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler

from app.periodic import sweep_lost_jobs
from app.queue import AppSimpleWorker, AppWorker, enqueue_now, redis_connection
from app.scheduling import MAX_RECONNECT_WAIT_SECONDS, release_due_jobs
from app.sms.jobs import send_sms
from tests.sms.conftest import redis


class DeadScheduler:
    """Stands for RQ's scheduler whose process died with a Redis error."""

    def __init__(self, alive: bool = False):
        self._process = type("Process", (), {"is_alive": lambda _self: alive})() if alive else None
        self.acquired_locks, self.restarts = set(), 0

    def acquire_locks(self, auto_start: bool = False):
        assert auto_start
        self.restarts += 1
        self.acquired_locks = {"sms"}
        return self.acquired_locks


def worker(scheduler, keep: bool = True) -> AppWorker:
    w = AppWorker(["sms"], connection=redis())  # RQ sets timeouts on the connection it gets
    w.scheduler = scheduler
    w._scheduler_parent_pid = os.getpid() if keep else None
    return w


def test_a_dead_scheduler_is_restarted_at_the_next_heartbeat_once_a_second_at_most(app):
    dead = DeadScheduler()
    w = worker(dead)
    w.heartbeat()
    assert dead.restarts == 1  # RQ alone: at its maintenance, up to 10 minutes later
    w.heartbeat()
    assert dead.restarts == 1  # checked at most once a second
    w._scheduler_checked_at -= 1.0
    w.heartbeat()
    assert dead.restarts == 2


def test_a_live_scheduler_a_burst_worker_and_the_work_horse_are_left_alone(app):
    alive = DeadScheduler(alive=True)
    worker(alive).heartbeat()
    burst = DeadScheduler()
    worker(burst, keep=False).heartbeat()
    horse = DeadScheduler()
    w = worker(horse)
    w._scheduler_parent_pid = os.getpid() + 1  # a forked horse is another process
    w.heartbeat()
    assert (alive.restarts, burst.restarts, horse.restarts) == (0, 0, 0)


def test_the_worker_retries_a_lost_redis_within_seconds(app):
    assert AppWorker.max_connection_wait_time == MAX_RECONNECT_WAIT_SECONDS <= 5
    assert AppSimpleWorker.max_connection_wait_time <= 5


def delayed_job(at: datetime) -> str:
    enqueue_now(send_sms, 999, queue="sms", job_id="delayed-1", at=at)
    return "delayed-1"


def scheduled(queue: str = "sms") -> list[str]:
    return ScheduledJobRegistry(queue, connection=redis_connection()).get_job_ids()


def test_the_sweep_moves_due_delayed_jobs_when_no_scheduler_holds_the_lock(app):
    job_id = delayed_job(datetime.now(UTC) - timedelta(seconds=1))
    delayed_job_later = "later-1"
    enqueue_now(send_sms, 998, queue="sms", job_id=delayed_job_later,
                at=datetime.now(UTC) + timedelta(hours=1))
    assert sorted(scheduled()) == [job_id, delayed_job_later]
    assert release_due_jobs(redis_connection(), ["sms", "default"]) == 1
    assert Queue("sms", connection=redis_connection()).get_job_ids() == [job_id]
    assert scheduled() == [delayed_job_later]  # not due: left for later
    assert redis_connection().get(RQScheduler.get_locking_key("sms")) is None  # lock released


def test_the_sweep_leaves_the_jobs_to_a_live_scheduler(app):
    job_id = delayed_job(datetime.now(UTC) - timedelta(seconds=1))
    redis_connection().set(RQScheduler.get_locking_key("sms"), "a-live-scheduler", ex=60)
    assert release_due_jobs(redis_connection(), ["sms"]) == 0
    assert scheduled() == [job_id]
    assert redis_connection().get(RQScheduler.get_locking_key("sms")) == b"a-live-scheduler"


def test_the_minute_sweep_runs_it(app):
    job_id = delayed_job(datetime.now(UTC) - timedelta(seconds=1))
    sweep_lost_jobs()
    assert scheduled() == []
    assert Queue("sms", connection=redis_connection()).get_job_ids() == [job_id]
