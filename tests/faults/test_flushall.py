"""FLUSHALL with a thousand SMS in flight: every job, queued or running, vanishes from Redis;
the database still has the rows, the sweep re-enqueues the ones not yet sent, and each of the
1,000 reaches Vonage exactly once."""

import pytest

from app import clock
from app.sms.sweep import SETTLE, sweep_lost_sms
from tests.faults.helpers import (
    assert_each_sent_once,
    cases_with_mobiles,
    messages,
    queue_one_each,
    round_the_clock,
    status_counts,
    wait_until,
)
from tests.sms.workers import start_worker, stop

pytestmark = pytest.mark.slow
COUNT = 1000


def test_flushall_with_a_thousand_sms_in_flight_sends_each_exactly_once(
        app, own_redis, fake_vonage, tmp_path):
    queue_one_each(cases_with_mobiles(round_the_clock(), COUNT))
    assert own_redis.client().llen("rq:queue:sms") == COUNT
    # SimpleWorkers: a forking `flask worker` pays ~0.1 s a job, too slow for 1,000 in a test.
    workers = [start_worker(fake_vonage, tmp_path, f"w{i}", 2000, burst=False, simple=True,
                            redis_url=own_redis.url) for i in range(2)]
    try:
        wait_until(lambda: len(fake_vonage.requests) >= COUNT // 4, 180, "the first quarter")
        own_redis.client().flushall()
        taken_at_flush = len(fake_vonage.requests)
        wait_until(lambda: "sending" not in status_counts(), 120, "the sends in hand to finish")
        before_sweep = status_counts()
        assert before_sweep["queued"] > COUNT // 2  # most of them: no job anywhere now

        requeued = sweep_lost_sms(clock.utcnow() + SETTLE)  # a job a worker holds may still count
        assert COUNT // 2 < requeued <= min(before_sweep["queued"], COUNT - taken_at_flush)
        wait_until(lambda: status_counts() == {"sent": COUNT}, 300, "every SMS after the sweep")
    finally:
        stop(workers)

    assert_each_sent_once(fake_vonage, messages())
    assert len(fake_vonage.requests) == COUNT
